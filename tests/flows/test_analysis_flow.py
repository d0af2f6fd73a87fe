"""pilot-analysis against a real Prefect server: gates, the coordinator's TRL override, the UI artifacts."""

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort
from sqlmodel import select

from flows.analysis import pilot_analysis
from models.application import submit_application
from models.db import session_scope
from models.schemas import ApplicationCreate
from models.stages import Status
from models.tables import Analysis, Application, AuditEvent, Methodology
from tests.factories import application

pytestmark = [pytest.mark.prefect, pytest.mark.parametrize("database", ["sqlite"], indirect=True)]


def registered(**changes) -> int:
    with session_scope() as session:
        row = submit_application(session, ApplicationCreate(**application(**changes)), "applicant")
        row.status = Status.REGISTERED
        session.flush()
        return row.id


def artifacts(application_id: int) -> dict[str, str]:
    """The latest version of each of the application's artifacts (ids restart per test, the server does not)."""
    keys = [f"application-{application_id}-sites", f"application-{application_id}-score"]
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)),
                                      sort=ArtifactSort.CREATED_DESC)
    latest: dict[str, str] = {}
    for artifact in found:
        latest.setdefault(artifact.key, str(artifact.data))
    return latest


def test_trl_gate_blocks_the_draft_until_the_coordinator_overrides(prefect_server, database):
    application_id = registered(trl=4)
    pilot_analysis(application_id)
    with session_scope() as session:
        analysis = session.exec(select(Analysis).where(Analysis.application_id == application_id)).one()
        assert not analysis.gates_passed and analysis.candidate_sites
        assert session.exec(select(Methodology).where(Methodology.application_id == application_id)).all() == []
        assert session.get(Application, application_id).status == Status.ANALYSED
        event = session.exec(select(AuditEvent).where(AuditEvent.application_id == application_id)
                             .order_by(AuditEvent.id.desc())).first()
    assert "failed gates: Ready for a live urban pilot (TRL 4 below 5" in event.detail
    assert "no draft methodology" in event.detail
    published = artifacts(application_id)
    assert "**FAIL**" in published[f"application-{application_id}-score"]

    pilot_analysis(application_id, override_trl_gate=True)
    with session_scope() as session:
        latest = session.exec(select(Analysis).where(Analysis.application_id == application_id)
                              .order_by(Analysis.id.desc())).first()
        draft = session.exec(select(Methodology).where(Methodology.application_id == application_id)).one()
    trl_gate = next(g for g in latest.gates if g["gate"] == "trl_live_pilot")
    assert latest.gates_passed and trl_gate["overridden"] and draft.analysis_id == latest.id
    assert draft.site_id == latest.candidate_sites[0]["site_id"]


def test_artifacts_show_ranked_sites_with_reasons_and_the_whole_rubric(prefect_server, database):
    application_id = registered()
    pilot_analysis(application_id)
    published = artifacts(application_id)
    sites, score = published[f"application-{application_id}-sites"], published[f"application-{application_id}-score"]
    assert "same sector" in sites and "need matches:" in sites
    for label in ("Eligible applicant", "Ready for a live urban pilot", "Fit with the site's stated need",
                  "Benefit for the elderly and people with disabilities", "**Sites:**"):
        assert label in score
