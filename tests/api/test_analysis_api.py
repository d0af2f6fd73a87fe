"""Stage 2 over HTTP: the preview, the analysis in GET /applications/{id}, the TRL override (SQLite and PostgreSQL)."""

import pytest
from sqlmodel import func, select

from models.application import submit_application
from models.db import session_scope
from models.facts import application_facts, catalog_facts
from models.rules.analysis import analyse
from models.schemas import ApplicationCreate
from models.settings import local_today
from models.stages import Status
from models.tables import Analysis, Application, AuditEvent, Company, Methodology
from tests.api.test_api import KEY, client, gateway, set_status  # noqa: F401  (fixtures)
from tests.factories import application

RUBRIC_FIELDS = {"impact_evidence": "In a pilot at 3 bank branches queues were 30% shorter",
                 "novelty": "The first queue forecast that learns from every service window separately",
                 "team_size": 8, "team_experience_years": 6, "entity_type": "startup",
                 "route_to_purchase": "City procurement under 44-FZ, 15,000 roubles per window a month; every MFC"}


def counts() -> tuple[int, int, int, int]:
    with session_scope() as session:
        return tuple(session.exec(select(func.count()).select_from(model)).one()
                     for model in (Application, Company, Analysis, AuditEvent))


def test_preview_returns_the_analysis_and_stores_nothing(client):
    before = counts()
    response = client.post("/analysis/preview", json=application(**RUBRIC_FIELDS), headers=KEY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert counts() == before
    assert body["sector"] == "retail-services" and body["sector_note"] is None
    assert [s["sector"] for s in body["suggested_sectors"]][0] == "retail-services"
    assert len(body["suggested_sectors"]) == 11 and {"sector", "score"} == set(body["suggested_sectors"][0])
    assert body["gates_passed"] and [g["gate"] for g in body["gates"]] == ["eligible_entity", "trl_live_pilot",
                                                                            "certificates", "personal_data"]
    assert len(body["score_breakdown"]) == 8 and all(c["reason"] for c in body["score_breakdown"])
    assert body["score"] == round(sum(c["points"] for c in body["score_breakdown"]), 1) and body["score"] > 70
    best = body["candidate_sites"][0]
    assert {"site_id", "name", "sector", "score", "reasons"} <= set(best) and best["reasons"][0] == "same sector"
    assert body["site_summary"]["catalog_sites"] == 90
    methodology = body["methodology"]
    assert methodology["site_id"] == best["site_id"] and methodology["kpis"] and methodology["hypotheses"]
    assert methodology["feedback_plan"]["min_respondents"] > 0


def test_preview_of_a_failing_application_says_why_and_drafts_nothing(client):
    body = client.post("/analysis/preview", headers=KEY, json=application(
        trl=3, handles_personal_data=True, entity_type="public_body", language="en")).json()
    failed = {g["gate"]: g["reason"] for g in body["gates"] if not g["passed"]}
    assert set(failed) == {"eligible_entity", "trl_live_pilot", "personal_data"}
    assert not body["gates_passed"] and body["methodology"] is None and body["candidate_sites"]


def test_preview_notes_a_wrong_declared_sector(client):
    body = client.post("/analysis/preview", json=application(sector="education"), headers=KEY).json()
    assert body["sector_note"] and "'education'" in body["sector_note"]


def test_preview_needs_the_key(client):
    assert client.post("/analysis/preview", json=application()).status_code == 401
    assert client.post("/analysis/preview", json=application(), headers={"X-API-Key": "wrong"}).status_code == 401


@pytest.mark.parametrize(("changes", "field"), [
    ({"trl": 0}, "trl"),
    ({"sector": "space"}, "sector"),
    ({"description": "short"}, "description"),
    ({"entity_type": "charity"}, "entity_type"),
    ({"team_size": 0}, "team_size"),
    ({"team_experience_years": -1}, "team_experience_years"),
    ({"desired_start": "9999-12-31"}, "desired_start"),
    ({"desired_start": "not a date"}, "desired_start"),
    ({"novelty": "x" * 2001}, "novelty"),
    ({"unexpected": 1}, "unexpected"),
])
def test_preview_bad_bodies_are_422_naming_the_field(client, changes, field):
    response = client.post("/analysis/preview", json=application(**changes), headers=KEY)
    assert response.status_code == 422
    assert any(field in map(str, error["loc"]) for error in response.json()["detail"])


@pytest.mark.parametrize("body", [None, [], {"title": "x"}, {"company": None}])
def test_preview_malformed_bodies_are_422(client, body):
    assert client.post("/analysis/preview", json=body, headers=KEY).status_code == 422


@pytest.mark.parametrize("changes", [
    {"description": "Робот " * 1500, "title": "🤖 Робот", "target_users": "все"},
    {"description": "zzzz qqqq xxxx yyyy wwww vvvv", "sector": None, "setting": "outdoor"},
    {"desired_start": "2020-01-01", "certificates": ["ISO 13485"] * 20},
    {"title": "Xyzzy", "description": "qwrt zxcv plmk bnhg trew", "target_users": "", "wants_to_test": "",
     "sector": None},
])
def test_preview_of_unusual_but_valid_bodies_answers(client, changes):
    response = client.post("/analysis/preview", json=application(**changes), headers=KEY)
    assert response.status_code == 200, response.text


def test_new_optional_fields_are_stored_and_old_bodies_still_work(client):
    plain = client.post("/applications", json=application())
    rich = client.post("/applications", json=application(title="Another solution", **RUBRIC_FIELDS))
    assert plain.status_code == rich.status_code == 201
    with session_scope() as session:
        stored = session.get(Application, rich.json()["id"])
        assert (stored.team_size, stored.entity_type, stored.novelty) == (8, "startup", RUBRIC_FIELDS["novelty"])
        assert session.get(Application, plain.json()["id"]).impact_evidence == ""


def test_application_shows_the_stored_analysis(client):
    with session_scope() as session:
        row = submit_application(session, ApplicationCreate(**application(sector="education")), "applicant")
        session.flush()
        result = analyse(application_facts(row), catalog_facts(session), local_today(), row.language)
        analysis = Analysis(application_id=row.id, **result.analysis_fields())
        session.add(analysis)
        session.flush()
        session.add(Methodology(application_id=row.id, analysis_id=analysis.id, **result.methodology_fields()))
        application_id = row.id
    body = client.get(f"/applications/{application_id}", headers=KEY).json()
    shown = body["analysis"]
    assert shown["sector_note"] and shown["gates_passed"] and len(shown["gates"]) == 4
    assert shown["suggested_sectors"][0]["sector"] == "retail-services"
    assert shown["candidate_sites"][0]["reasons"] and shown["score_breakdown"][0]["criterion"] == "site_need_fit"
    assert body["methodology"]["site_id"] == shown["candidate_sites"][0]["site_id"]


def test_trl_override_is_passed_to_the_analysis_flow(client, gateway):
    application_id = client.post("/applications", json=application(trl=4)).json()["id"]
    set_status(application_id, Status.REGISTERED)
    response = client.post(f"/applications/{application_id}/stages/analysis/runs", headers=KEY,
                           json={"override_trl_gate": True})
    assert response.status_code == 202
    assert gateway.triggered[-1] == ("pilot-analysis/pilot-analysis",
                                     {"application_id": application_id, "override_trl_gate": True,
                                      "requested_by": "coordinator:development-key"})
    bad = client.post(f"/applications/{application_id}/stages/analysis/runs", headers=KEY,
                      json={"override_trl_gate": "please"})
    assert bad.status_code == 422
