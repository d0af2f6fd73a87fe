"""The Russian wording of the reasons the domain rules write in English (models/rules/reason_text.py).

The rules run over the shared evaluation set and over applications and sites made to reach every branch
(screening failures, gates failing and overridden, each hard constraint of a site); every reason they write
must read in Russian, and every template of the table must be reached, so the check cannot pass on a few.
"""

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from bench.analysis import EVAL_PATH, TODAY, application_facts, catalog_sites, load_applications
from models.rules.analysis import analyse, earliest_start
from models.rules.application import screen
from models.rules.facts import ApplicationFacts, SiteFacts
from models.rules.reason_text import TEMPLATES, reason_in
from tests.unit.test_document_language import CODE, LATIN_ALLOWED, LATIN_TOKEN

# A Russian reason may also name the readiness scale; a quoted phrase is the applicant's or the site's own words.
REASON_LATIN_ALLOWED = LATIN_ALLOWED | {"TRL"}
QUOTED = re.compile(r"«[^»]*»")
FINDINGS = "; "  # a criterion listing several findings joins them so (models/rules/scoring.py)

QUEUES = ApplicationFacts(
    title="Queue analytics for public service centres",
    description="Ceiling sensors and software that count visitors, predict waiting time and suggest opening extra "
                "service windows at public service centres, so that people spend less time in queues.",
    trl=8, target_users="visitors of public service centres", sector="retail-services", setting="indoor",
    needs_power=True, needs_network=True, entity_type="sme",
    impact_evidence="Deployed at 12 bank branches: the average queue time fell by 30 percent.",
    novelty="The first queue forecast that learns from the weather and the calendar, protected by a patent.",
    team_size=8, team_experience_years=6,
    route_to_purchase="A subscription per site, bought through a tender, then a roll out to every district.",
)
CLINIC = ApplicationFacts(
    title="Blood pressure kiosk in polyclinics",
    description="A kiosk in the polyclinic lobby measures blood pressure and sends the result to the doctor.",
    trl=3, target_users="elderly patients", sector="healthcare", handles_personal_data=True,
    personal_data_handling="stored", entity_type="public_body", impact_evidence="Patients will wait less.",
    novelty="It is new.", route_to_purchase="Sold to clinics.",
)


def reasons_of(app: ApplicationFacts, sites: list[SiteFacts], override_trl_gate: bool = False) -> list[str]:
    """What screening and, for an eligible application, the analysis write: the portal shows all of it."""
    screening = screen(app)
    reasons = screening.reasons + screening.warnings
    if screening.eligible:
        result = analyse(app, sites, TODAY, "ru", override_trl_gate)
        reasons += [gate.reason for gate in result.score.gates] + [row.reason for row in result.score.breakdown]
        reasons += [reason for site in result.candidates + result.excluded for reason in site.reasons]
        reasons += [result.sector_note] if result.sector_note else []
    return reasons


def with_variants_of(app: ApplicationFacts, sites: list[SiteFacts]) -> list[SiteFacts]:
    """The catalog and copies of the application's best site, each failing one hard constraint or with an
    occupancy that reaches a rare branch (a slot freeing up, nobody to survey)."""
    best = analyse(app, sites, TODAY, "ru").site
    start = earliest_start(app, TODAY)
    variants = [
        {"setting": "outdoor"}, {"has_power": False}, {"has_network": False},
        {"available_from": start + timedelta(days=365)},
        {"capacity": 1, "active_pilot_ends": (start + timedelta(days=365),)},
        {"capacity": 1, "active_pilot_ends": (start + timedelta(days=20),)},
        {"daily_visitors": 0},
    ]
    return sites + [replace(best, id=1000 + number, code=f"XX-{number:03d}", **changes)
                    for number, changes in enumerate(variants, start=1)]


def crafted_reasons(sites: list[SiteFacts]) -> list[str]:
    queues_sites = with_variants_of(QUEUES, sites)
    outdoor = replace(QUEUES, setting="outdoor", needs_power=False, needs_network=False)
    return [
        *reasons_of(QUEUES, queues_sites),
        *reasons_of(outdoor, queues_sites),
        *reasons_of(replace(QUEUES, trl=12, sector="space-mining", description="Too short"), sites),
        *reasons_of(CLINIC, sites),
        *reasons_of(CLINIC, sites, override_trl_gate=True),
        *reasons_of(replace(CLINIC, trl=6, handles_personal_data=False, entity_type="startup",
                            description=CLINIC.description + " Face recognition identifies the patient.",
                            certificates=("регистрационное удостоверение Росздравнадзора",),
                            personal_data_handling="согласие пациента, хранение в России, доступ врача"), sites),
        *reasons_of(replace(CLINIC, handles_personal_data=False, description=CLINIC.description
                            + " Face recognition identifies the patient.", entity_type=None), sites),
        *reasons_of(replace(CLINIC, personal_data_handling="consent, storage in Russia, doctors only, deleted"),
                    sites),
        *reasons_of(replace(QUEUES, sector="transport"), sites),  # the text disagrees with the declared sector
        *reasons_of(replace(CLINIC, trl=7, novelty="A new approach that nobody has tried before",
                            route_to_purchase="Clinics would buy it from us directly"), sites),
        *reasons_of(ApplicationFacts(title="Zorblax", description="Zorblax quintor vellamy drofnik plentar wuzzle",
                                     trl=7), sites),  # no sector vocabulary at all
        *reasons_of(QUEUES, [replace(site, setting="outdoor") for site in sites]),  # no site can host it
    ]


@pytest.fixture(scope="module")
def reasons() -> set[str]:
    if not EVAL_PATH.exists():
        pytest.skip(f"evaluation set not available at {EVAL_PATH}")
    sites = catalog_sites()
    evaluation = [reason for application in load_applications()
                  for reason in reasons_of(application_facts(application), sites)]
    return set(evaluation + crafted_reasons(sites))


def templates_of(reason: str) -> list[str]:
    """The English templates a reason is written in: one, or one per finding of a criterion."""
    for english, _ in TEMPLATES:
        if re.fullmatch(english, reason, re.DOTALL):
            return [english]
    return [english for finding in reason.split(FINDINGS) for english, _ in TEMPLATES
            if re.fullmatch(english, finding, re.DOTALL)]


def latin_words(russian: str) -> list[str]:
    return [token for token in LATIN_TOKEN.findall(QUOTED.sub(" ", russian))
            if re.search("[A-Za-z]", token) and token not in REASON_LATIN_ALLOWED and not CODE.fullmatch(token)]


def test_every_reason_the_rules_write_reads_in_russian(reasons):
    untranslated = {reason: words for reason in sorted(reasons) if (words := latin_words(reason_in("ru", reason)))}
    assert not untranslated


def test_every_template_of_the_table_is_one_the_rules_write(reasons):
    hit = {english for reason in reasons for english in templates_of(reason)}
    assert len(TEMPLATES) == 69 and len(hit) == len(TEMPLATES), sorted({e for e, _ in TEMPLATES} - hit)


def test_the_checks_see_an_english_word():
    assert latin_words("исключена: no network connection") == ["no", "network", "connection"]
    assert latin_words("RS-001: совпадения с потребностью площадки: «queue» (45 %), TRL 7") == []


@pytest.mark.parametrize(("english", "russian"), [
    ("same sector", "та же отрасль"),
    ("related sector: transport", "смежная отрасль: Транспорт и мобильность"),
    ("need matches: 'queue', 'waiting time'", "совпадения с потребностью площадки: «queue», «waiting time»"),
    ("excluded: no capacity until 2027-03 (2 of 2 pilots running)",
     "исключена: нет свободного места до 03.2027 (идёт пилотов: 2 из 2)"),
    ("TRL must be between 1 and 9, got 12", "TRL должен быть от 1 до 9, указан 12"),
    ("TRL 7 fits (advised 6+)", "TRL 7 подходит (рекомендуется от 6)"),
    ("free from 2027-03-15 (a pilot slot frees up)", "свободна с 15.03.2027 (освобождается место для пилота)"),
    ("about 31,850 visitors a day: feedback sample in ~1 day",
     "посетителей в день — около 31 850: выборка отзывов наберётся примерно за 1 дн."),
    ("RS-001: need matches 'queue' (45%)", "RS-001: совпадения с потребностью площадки: «queue» (45 %)"),
    ("large company: may not apply; eligible: startup, sme",
     "Крупная компания: не может подать заявку; допускаются: стартап, малое или среднее предприятие"),
    ("impact stated; not quantified; track record ('deployed')",
     "эффект описан; не выражен в числах; есть опыт внедрения («deployed»)"),
])
def test_a_reason_reads_in_russian(english, russian):
    assert reason_in("ru", english) == russian
    assert reason_in("en", english) == english


def test_a_reason_of_no_known_template_stays_as_the_domain_wrote_it():
    assert reason_in("ru", "a reason written after this table") == "a reason written after this table"
    assert reason_in("ru", "unknown sector 'mars'; a new finding") == "неизвестная отрасль «mars»; a new finding"
    assert reason_in("ru", "related sector: not-a-sector") == "смежная отрасль: not-a-sector"
