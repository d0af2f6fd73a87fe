"""Who acted, as the API hands it to the flows: a named coordinator's stage runs and answers carry
`coordinator:<e-mail>` (the flows then write it into the audit log: tests/flows/test_audit_identity.py)."""

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.deps import get_gateway
from api.main import create_app
from models import users
from models.db import session_scope
from models.stages import Stage, Status
from models.tables import StageRun
from models.transitions import record_stage_run
from tests.api.test_api import set_status
from tests.api.test_auth import new_application
from tests.api.test_contracts_api import SuspendingGateway

EMAIL, NAME = "a.sidorova@agency.example", "Anna Sidorova"
IDENTITY = f"coordinator:{EMAIL}"


@pytest.fixture
def gateway():
    return SuspendingGateway()


@pytest.fixture
def sidorova(database, gateway) -> tuple[TestClient, dict, int]:
    """A client, the coordinator's token header, and a registered application assigned to her."""
    application_id = new_application()
    set_status(application_id, Status.REGISTERED)
    with session_scope() as session:
        users.add_user(session, name=NAME, email=EMAIL, role="coordinator")
        users.assign(session, EMAIL, application_id)
        _, token = users.create_token(session, email=EMAIL, name="laptop", days=30)
    app = create_app()
    app.dependency_overrides[get_gateway] = lambda: gateway
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, {"X-API-Key": token}, application_id


@pytest.mark.parametrize("stage", ["analysis", "application"])
def test_a_stage_started_by_a_named_coordinator_carries_her_identity_and_the_coordinator_role(sidorova, gateway,
                                                                                              stage):
    client, key, application_id = sidorova
    if stage == "application":
        set_status(application_id, Status.SUBMITTED)
    response = client.post(f"/applications/{application_id}/stages/{stage}/runs", headers=key)
    assert response.status_code == 202, response.text
    deployment, parameters = gateway.triggered[-1]
    assert deployment == f"pilot-{stage}/pilot-{stage}" and parameters["requested_by"] == IDENTITY
    assert parameters.get("actor", "coordinator") == "coordinator"  # the role the flow's stage check needs
    with session_scope() as session:
        run = session.exec(select(StageRun).where(StageRun.flow_run_id == response.json()["flow_run_id"])).one()
    assert run.requested_by == IDENTITY
    shown = client.get(f"/applications/{application_id}", headers=key).json()["flow_runs"]
    assert shown[-1]["requested_by"] == IDENTITY


def test_a_named_coordinators_decision_and_conclusions_say_who_gave_them(sidorova, gateway):
    client, key, application_id = sidorova
    set_status(application_id, Status.ANALYSED)
    adoption, evaluation = str(uuid.uuid4()), str(uuid.uuid4())
    with session_scope() as session:
        record_stage_run(session, application_id, Stage.ADOPTION, adoption, IDENTITY)
        record_stage_run(session, application_id, Stage.EVALUATION, evaluation, IDENTITY)
    gateway.suspended.update({adoption: "decision-1", evaluation: "conclusions-1"})
    decided = client.post(f"/applications/{application_id}/decision", headers=key,
                          json={"decision": "reject", "coordinator": "Someone Else", "comment": "Not this year"})
    assert decided.status_code == 202, decided.text
    concluded = client.post(f"/applications/{application_id}/conclusions", headers=key,
                            json={"coordinator": "Someone Else", "conclusions": "Worked."})
    assert concluded.status_code == 202, concluded.text
    # Signed with her name (whatever was typed), audited under her identity.
    assert [(run, answer["coordinator"], answer["decided_by"]) for run, answer in gateway.resumed] == [
        (adoption, NAME, IDENTITY), (evaluation, NAME, IDENTITY)]
