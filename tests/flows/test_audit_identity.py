"""Who acted, in the audit log, against a real Prefect server: a named coordinator who starts stages, decides
and signs over the API is named in every event her steps cause (`coordinator:<e-mail>`); a run nobody asked
for over the API names where it came from (the Prefect UI, an automation)."""

import base64
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from prefect import get_client
from prefect.settings import PREFECT_API_URL
from sqlmodel import select

from api.main import create_app
from flows.adoption import pilot_adoption
from flows.analysis import pilot_analysis
from models import users
from models.application import submit_application
from models.db import session_scope
from models.rules.adoption import PARTIES
from models.schemas import ApplicationCreate
from models.settings import local_today
from models.stages import Status
from models.tables import AuditEvent, Methodology, StageRun
from tests.factories import application
from tests.flows.adoption_driver import deployment_of, execute

pytestmark = [pytest.mark.prefect, pytest.mark.parametrize("database", ["sqlite"], indirect=True)]
EMAIL, NAME = "a.sidorova@agency.example", "Anna Sidorova"
IDENTITY = f"coordinator:{EMAIL}"


def registered_application() -> int:
    """A registered application assigned to the coordinator."""
    with session_scope() as session:
        row = submit_application(session, ApplicationCreate(**application()), "applicant")
        row.status = Status.REGISTERED
        session.flush()
        users.assign(session, EMAIL, row.id)
        return row.id


def audit_log(application_id: int) -> list[AuditEvent]:
    with session_scope() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.application_id == application_id)
                                 .order_by(AuditEvent.id)))


@pytest.fixture
def sidorova(prefect_server, database):
    """The API (with its real Prefect gateway) and the coordinator's token header."""
    with session_scope() as session:
        users.add_user(session, name=NAME, email=EMAIL, role="coordinator")
        _, token = users.create_token(session, email=EMAIL, name="laptop", days=30)
    for flow in (pilot_analysis, pilot_adoption):
        deployment_of(flow, PREFECT_API_URL.value())
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client, {"X-API-Key": token}


def test_a_named_coordinator_is_named_in_the_audit_log_of_every_step_she_takes(sidorova):
    client, key = sidorova
    application_id = registered_application()

    analysis = client.post(f"/applications/{application_id}/stages/analysis/runs", headers=key)
    assert analysis.status_code == 202, analysis.text
    assert execute(analysis.json()["flow_run_id"], pilot_analysis).is_completed()

    adoption = client.post(f"/applications/{application_id}/stages/adoption/runs", headers=key)
    assert adoption.status_code == 202, adoption.text
    run_id = adoption.json()["flow_run_id"]
    assert execute(run_id, pilot_adoption).state_details.pause_key == "decision-1"
    decided = client.post(f"/applications/{application_id}/decision", headers=key,
                          json={"decision": "approve", "coordinator": "Someone Else"})
    assert decided.status_code == 202, decided.text
    assert execute(run_id, pilot_adoption).state_details.pause_key == "signatures-1"

    [contract] = client.get("/contracts", params={"status": "sent"}, headers=key).json()
    for party in PARTIES:  # she records the three signatures; the last one resumes the run
        signed = client.post(f"/contracts/{contract['id']}/signatures", headers=key, data={
            "party": party, "signatory_name": f"{party} signatory", "signed_on": local_today().isoformat()})
        assert signed.status_code == 201, signed.text
    assert execute(run_id, pilot_adoption).is_completed()

    events = audit_log(application_id)
    assert [(e.to_status, e.actor) for e in events] == [
        ("submitted", "applicant"), ("analysed", IDENTITY), ("contracting", IDENTITY), ("piloting", IDENTITY)]
    decision = events[2]
    # The decision names her twice: who decided (the actor) and the name it is signed with (whatever was typed).
    assert decision.detail.startswith(f"approve by {NAME};") and decision.flow_run_id == run_id
    with session_scope() as session:
        assert {r.requested_by for r in session.exec(select(StageRun))} == {IDENTITY}
        assert session.exec(select(Methodology.adopted_by).where(Methodology.status == "adopted")).one() == NAME


def test_a_run_nobody_asked_for_over_the_api_names_where_it_came_from(sidorova):
    application_id = registered_application()
    deployment_id = deployment_of(pilot_analysis, PREFECT_API_URL.value())
    parameters = {"application_id": application_id}

    with get_client(sync_client=True) as client:  # "Run" in the Prefect UI: no requested_by, no creator
        by_hand = client.create_flow_run_from_deployment(deployment_id, parameters=parameters)
    assert execute(str(by_hand.id), pilot_analysis).is_completed()

    # An automation's run: the Prefect server notes the automation as its creator, from these headers.
    with get_client(sync_client=True) as client:
        response = client._client.post(
            f"/deployments/{deployment_id}/create_flow_run", json={"parameters": parameters},
            headers={"Prefect-Automation-ID": str(uuid4()),
                     "Prefect-Automation-Name": base64.b64encode(b"re-analyse on new sites").decode()})
    response.raise_for_status()
    assert execute(response.json()["id"], pilot_analysis).is_completed()

    assert [(e.to_status, e.actor) for e in audit_log(application_id)] == [
        ("submitted", "applicant"), ("analysed", "prefect-ui"), ("analysed", "automation:re-analyse on new sites")]
