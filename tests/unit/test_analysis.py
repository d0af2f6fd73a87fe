"""The whole stage-2 computation on the real 90-site catalog: sectors, sites, rubric and the draft methodology."""

import json
import runpy
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pytest

from models.rules.analysis import analyse
from models.rules.facts import ApplicationFacts
from models.rules.matching import free_from
from models.rules.methodology import MAX_WEEKS, feedback_sample_size

REPO_ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 1)
KPI_COLUMNS = {"name_en", "name_ru", "formula", "unit", "data_source", "baseline", "target", "minimum_acceptable",
               "frequency_days", "owner"}
QUEUES = ApplicationFacts(
    title="Queue analytics for public service centres",
    description="Ceiling sensors and software that count visitors, predict waiting time and suggest opening extra "
                "service windows at public service centres and bank branches.",
    trl=8, target_users="visitors of public service centres, including elderly people",
    wants_to_test="whether the average queue time falls", sector="retail-services", setting="indoor",
    needs_power=True, needs_network=True,
)


@cache
def bench() -> dict:
    return runpy.run_path(str(REPO_ROOT / "bench" / "analysis.py"), run_name="bench_analysis")


def catalog():
    return bench()["catalog_sites"]()


def test_a_ready_application_gets_sites_a_score_and_a_draft():
    result = analyse(QUEUES, catalog(), TODAY, "en")
    assert result.sector == "retail-services" and result.sector_note is None
    assert result.score.passed and 0 < result.score.total <= 100
    assert result.candidates and result.site.id == result.candidates[0].site_id
    assert all(c.reasons and not c.excluded for c in result.candidates)
    assert result.candidates[0].reasons[0] == "same sector"
    assert any(r.startswith("need matches: ") for r in result.candidates[0].reasons)
    fields = result.analysis_fields()
    assert json.loads(json.dumps(fields)) == fields  # stored as JSON columns as it is
    assert {"site_id", "name", "sector", "score", "reasons"} <= set(fields["candidate_sites"][0])
    assert fields["gates_passed"] is True and len(fields["gates"]) == 4 and len(fields["score_breakdown"]) == 8


def test_the_draft_methodology_is_complete():
    result = analyse(QUEUES, catalog(), TODAY, "ru")
    draft = result.methodology
    assert draft.start_date >= max(TODAY + timedelta(days=14), free_from(result.site))
    assert draft.duration_weeks <= MAX_WEEKS
    assert draft.end_date == draft.start_date + timedelta(weeks=draft.duration_weeks)
    assert draft.hypotheses and all(h.startswith("Если «Queue analytics") for h in draft.hypotheses)
    assert draft.kpis and all(KPI_COLUMNS <= set(kpi) for kpi in draft.kpis)
    kinds = [c["kind"] for c in draft.checkpoints]
    assert kinds[0] == "baseline" and kinds[-1] == "final" and "midpoint" in kinds and "regular" in kinds
    plan = draft.feedback_plan
    assert plan["questions"] and plan["min_respondents"] == feedback_sample_size(result.site.daily_visitors,
                                                                                 draft.duration_weeks)
    assert plan["who"].endswith("(visitors of public service centres, including elderly people)")
    assert draft.success_criteria and draft.stop_criteria
    assert result.methodology_fields()["site_id"] == result.site.id


def test_mature_technology_gets_a_shorter_pilot():
    mature = analyse(replace(QUEUES, trl=9), catalog(), TODAY, "en").methodology
    young = analyse(replace(QUEUES, trl=5), catalog(), TODAY, "en").methodology
    assert mature.duration_weeks < young.duration_weeks <= MAX_WEEKS


def test_wrong_declared_sector_is_noted():
    result = analyse(replace(QUEUES, sector="education"), catalog(), TODAY, "en")
    assert result.sector_note.startswith("declared sector 'education' ranks ")
    assert result.sector_note.endswith("text suggests 'retail-services'")
    assert result.analysis_fields()["sector_note"] == result.sector_note


def test_text_without_sector_vocabulary_still_gets_an_analysis_and_a_warning():
    result = analyse(ApplicationFacts(title="Xyzzy", description="qwrt zxcv plmk bnhg", trl=7), catalog(), TODAY, "en")
    assert result.sector_note == "the text has no sector vocabulary: the sector is a guess; declare one"
    assert result.sector == result.suggested_sectors[0]["sector"]


def test_failed_gate_gives_no_draft_until_the_coordinator_overrides():
    young = replace(QUEUES, trl=4)
    refused = analyse(young, catalog(), TODAY, "en")
    assert not refused.score.passed and refused.methodology is None and refused.candidates
    assert refused.analysis_fields()["gates_passed"] is False and refused.methodology_fields() is None
    overridden = analyse(young, catalog(), TODAY, "en", override_trl_gate=True)
    assert overridden.score.passed and overridden.methodology is not None


def test_personal_data_adds_a_stop_criterion():
    handled = replace(QUEUES, handles_personal_data=True,
                      personal_data_handling="Video is processed on the device and never stored or sent")
    result = analyse(handled, catalog(), TODAY, "en")
    assert "A leak or unlawful processing of citizens' personal data" in result.methodology.stop_criteria


def test_no_site_means_no_draft_and_says_why():
    result = analyse(QUEUES, [], TODAY, "en")
    assert result.candidates == [] and result.methodology is None
    need = next(c for c in result.score.breakdown if c.criterion == "site_need_fit")
    assert need.points == 0 and need.reason == "no test site in the catalog can take the pilot"


@pytest.mark.parametrize("size", [500, 3000])
def test_every_candidate_on_a_generated_catalog_passes_the_hard_constraints(size):
    sites = bench()["generated_catalog"](size)
    by_id = {s.id: s for s in sites}
    result = analyse(QUEUES, sites, TODAY, "en")
    assert result.candidates and result.site_summary["catalog_sites"] == size
    latest = TODAY + timedelta(days=14 + 90)
    for candidate in result.candidates:
        site = by_id[candidate.site_id]
        assert site.setting != "outdoor" and site.has_power and site.has_network
        assert free_from(site) <= latest and "retail-services" in {site.sector, *site.allowed_sectors}
    assert [c.score for c in result.candidates] == sorted((c.score for c in result.candidates), reverse=True)
    assert all(c.excluded and c.reasons[0].startswith("excluded: ") for c in result.excluded)
