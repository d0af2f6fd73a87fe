"""The stage-2 rubric: the data file, every gate and every criterion, against hand-computed points."""

import json
from dataclasses import replace

import pytest
from pydantic import ValidationError

from models.rules.facts import ApplicationFacts
from models.rules.scoring import (
    CRITERIA, GATES, RUBRIC_PATH, Criteria, Gates, Rubric, ScoringInput, SiteFit, load_rubric, score_technology,
)
from models.rules.text import find_terms

HEALTHCARE_AND_TRANSPORT = ("healthcare", "transport")


def facts(**changes) -> ApplicationFacts:
    base = dict(title="Queue analytics", description="Ceiling sensors count visitors and predict the waiting time "
                "at public service centres", trl=8, target_users="visitors", wants_to_test="queue time")
    return ApplicationFacts(**{**base, **changes})


def scored(app: ApplicationFacts | None = None, *, sectors=("retail-services",), best_site: SiteFit | None = None,
           override_trl_gate: bool = False):
    return score_technology(ScoringInput(
        app=app or facts(), sectors=set(sectors), certified_sectors=HEALTHCARE_AND_TRANSPORT, best_site=best_site,
        availability_slack_days=90, override_trl_gate=override_trl_gate,
    ))


def gate(score, name: str):
    return next(g for g in score.gates if g.gate == name)


def criterion(score, name: str):
    return next(c for c in score.breakdown if c.criterion == name)


class TestRubricFile:
    def test_weights_make_100_and_every_entry_has_a_rule(self):
        rubric = load_rubric()
        assert sum(getattr(rubric.criteria, name).weight for name in Criteria.model_fields) == 100
        assert set(Criteria.model_fields) == set(CRITERIA) and set(Gates.model_fields) == set(GATES)

    def test_a_typo_in_the_file_is_refused_when_loaded(self):
        data = json.loads(RUBRIC_PATH.read_text(encoding="utf-8"))
        data["criteria"]["novelty"]["weight"] = 11
        with pytest.raises(ValidationError, match="add up to 100"):
            Rubric.model_validate(data)
        data["criteria"]["novelty"]["weight"] = 10
        data["criteria"]["novelty"]["wieght"] = 10
        with pytest.raises(ValidationError, match="wieght"):
            Rubric.model_validate(data)


class TestFindTerms:
    def test_whole_words_with_wildcard_endings_in_order_of_appearance(self):
        terms = ("elderly", "wheelchair*", "пожил*", "bus", "blood pressure")
        text = "For Elderly people and wheelchair users, пожилых; a business with buses; blood   pressure"
        assert find_terms(text, terms) == ["elderly", "wheelchair", "пожилых", "blood pressure"]

    def test_yo_is_e(self):
        assert find_terms("Учёт", ("учет",)) == ["учет"]


class TestGates:
    def test_a_plain_application_passes_every_gate(self):
        score = scored()
        assert score.passed and score.verdict == "all gates passed"
        assert [g.gate for g in score.gates] == ["eligible_entity", "trl_live_pilot", "certificates", "personal_data"]
        assert all(g.reason for g in score.gates)

    @pytest.mark.parametrize(("entity", "passed"), [(None, True), ("startup", True), ("individual_entrepreneur", True),
                                                    ("public_body", False)])
    def test_eligible_entity(self, entity, passed):
        result = gate(scored(facts(entity_type=entity)), "eligible_entity")
        assert result.passed is passed
        if not passed:
            assert "public body: may not apply" in result.reason

    def test_trl_below_5_fails_unless_the_coordinator_overrides(self):
        failed = scored(facts(trl=4))
        assert not failed.passed
        assert gate(failed, "trl_live_pilot").reason == ("TRL 4 below 5 for a live urban pilot; "
                                                         "a coordinator may override")
        overridden = scored(facts(trl=4), override_trl_gate=True)
        trl_gate = gate(overridden, "trl_live_pilot")
        assert overridden.passed and trl_gate.overridden and "overridden by the coordinator" in trl_gate.reason
        assert "overridden by the coordinator" in overridden.verdict
        assert not gate(scored(facts(trl=5), override_trl_gate=True), "trl_live_pilot").overridden

    def test_medical_device_needs_a_certificate(self):
        kiosk = facts(title="Telemedicine kiosk", description="A booth that measures blood pressure and ECG")
        failed = gate(scored(kiosk, sectors=("healthcare",)), "certificates")
        assert not failed.passed and failed.reason == ("healthcare device ('kiosk', 'blood pressure', 'ecg'); "
                                                    "no certificate declared")
        certified = gate(scored(replace(kiosk, certificates=("РУ № РЗН 2020/1234",)), sectors=("healthcare",)),
                         "certificates")
        assert certified.passed and "РЗН 2020/1234" in certified.reason

    def test_no_certificate_needed_for_software_or_other_sectors(self):
        booking = facts(title="Doctor appointment chatbot", description="A chatbot books visits to the polyclinic")
        assert gate(scored(booking, sectors=("healthcare",)), "certificates").reason == "no medical or transport device"
        scanner = facts(title="Shelf scanner", description="A scanner robot checks prices on supermarket shelves")
        assert gate(scored(scanner, sectors=("retail-services",)), "certificates").passed

    def test_transport_device_on_vehicles(self):
        dashcam = facts(title="Fatigue camera", description="An onboard camera in bus cabins warns tired drivers")
        assert not gate(scored(dashcam, sectors=("transport",)), "certificates").passed

    def test_personal_data_needs_its_handling_declared(self):
        declared = facts(handles_personal_data=True)
        result = gate(scored(declared), "personal_data")
        assert not result.passed and "declared by the applicant" in result.reason
        handled = facts(handles_personal_data=True, personal_data_handling="Consent at the kiosk; stored in Moscow "
                        "data centre; deleted after 30 days")
        assert gate(scored(handled), "personal_data").passed

    def test_personal_data_found_in_the_text_counts_even_when_not_declared(self):
        faces = facts(description="Door entry by face recognition for residents of apartment buildings")
        result = gate(scored(faces), "personal_data")
        assert not result.passed and "the text mentions 'face recognition'" in result.reason
        assert gate(scored(), "personal_data").reason == "no citizens' personal data involved"


class TestCriteria:
    def test_every_criterion_with_points_and_reason_and_a_bare_application_scores_low(self):
        score = scored()
        assert [c.criterion for c in score.breakdown] == list(CRITERIA)
        assert all(c.reason and 0 <= c.points <= c.max_points for c in score.breakdown)
        # Only TRL 8 (15 of 15) counts: no site, evidence, novelty, team, route or accessibility benefit given.
        assert score.total == 15.0

    def test_site_need_fit_and_feasibility(self):
        site = SiteFit(code="RS-007", need_score=0.5, need_matches=["queue time"], wait_days=45, feasible_sites=2)
        score = scored(best_site=site)
        need = criterion(score, "site_need_fit")
        assert need.points == 10.0 and need.reason == "RS-007: need matches 'queue time' (50%)"
        feasibility = criterion(score, "site_feasibility")
        # 0.7 * (1 - 45/90) + 0.3 * 2/3 = 0.55 of 10
        assert feasibility.points == 5.5
        assert feasibility.reason == "RS-007 free 45 days after the earliest start; 2 site(s) can host the pilot"
        assert criterion(scored(), "site_need_fit").reason == "no test site in the catalog can take the pilot"

    @pytest.mark.parametrize(("evidence", "points"), [
        ("", 0.0),
        ("Staff say queues got shorter", 6.0),  # stated: 0.4 of 15
        ("Queues 30% shorter", 10.5),  # + quantified
        ("In a pilot at three bank branches queues were 30% shorter", 15.0),  # + track record
    ])
    def test_impact_evidence(self, evidence, points):
        assert criterion(scored(facts(impact_evidence=evidence)), "impact_evidence").points == points

    @pytest.mark.parametrize(("trl", "points"), [(1, 0.0), (4, 3.8), (5, 7.5), (6, 10.5), (7, 12.8), (9, 15.0)])
    def test_trl_is_graded(self, trl, points):
        assert criterion(scored(facts(trl=trl), override_trl_gate=True), "trl_fit").points == points

    def test_novelty_claim_and_protection(self):
        assert criterion(scored(facts(novelty="new")), "novelty").points == 0.0
        claim = "The first scales that recognise loose produce without barcodes"
        assert criterion(scored(facts(novelty=claim)), "novelty").points == 6.0
        protected = criterion(scored(facts(novelty=claim + "; patent RU 2789012")), "novelty")
        assert protected.points == 10.0 and "'patent'" in protected.reason

    def test_team_capacity(self):
        # team of 6 -> 0.8, 4 years -> 0.7: (0.8 + 0.7) / 2 of 10
        team = criterion(scored(facts(team_size=6, team_experience_years=4)), "team_capacity")
        assert team.points == 7.5 and team.reason == "team of 6; 4 years of experience"
        assert criterion(scored(facts(team_size=1)), "team_capacity").points == 1.0

    def test_scalability_and_route_to_purchase(self):
        route = "The city buys it through 44-FZ procurement at 20,000 roubles per site a month; roll out to every MFC"
        assert criterion(scored(facts(route_to_purchase=route)), "scalability").points == 10.0
        plain = "Service centres would buy it after the pilot"
        assert criterion(scored(facts(route_to_purchase=plain)), "scalability").points == 5.0

    def test_accessibility_core_audience_or_side_benefit(self):
        core = criterion(scored(facts(target_users="пожилые и маломобильные посетители")), "accessibility")
        assert core.points == 10.0 and "'пожилые', 'маломобильные'" in core.reason
        side = facts(description="Sensors count visitors; large fonts help elderly visitors read the forecast")
        assert criterion(scored(side), "accessibility").points == 6.0
