"""API tests against a real database (SQLite and PostgreSQL); the Prefect server is replaced by a recorder."""

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.deps import get_gateway
from api.main import create_app
from api.prefect_gateway import PrefectUnavailable
from models.db import session_scope
from models.stages import Status
from models.tables import Application, AuditEvent, StageRun
from tests.factories import application

KEY = {"X-API-Key": "test-key"}


class RecordingGateway:
    """Stands in for the Prefect server: records triggers, knows no flow run states."""

    def __init__(self, available: bool = True):
        self.available = available
        self.triggered: list[tuple[str, dict]] = []

    async def trigger(self, deployment, parameters, idempotency_key=None):
        if not self.available:
            raise PrefectUnavailable("the Prefect server cannot be reached: test")
        self.triggered.append((deployment, parameters))
        return str(uuid.uuid4())

    async def flow_run(self, flow_run_id):
        return None

    async def flow_runs(self, flow_run_ids):
        return {}


@pytest.fixture
def gateway():
    return RecordingGateway()


@pytest.fixture
def client(database, gateway):
    app = create_app()
    app.dependency_overrides[get_gateway] = lambda: gateway
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def set_status(application_id: int, status: Status) -> None:
    with session_scope() as session:
        session.get(Application, application_id).status = status


def test_submit_stores_audits_and_triggers_the_application_flow(client, gateway):
    response = client.post("/applications", json=application())
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "submitted" and body["flow_run_id"]
    assert gateway.triggered == [("pilot-application/pilot-application",
                                  {"application_id": body["id"], "requested_by": "applicant"})]
    with session_scope() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.application_id == body["id"])).all()
        assert [(e.actor, e.to_status) for e in events] == [("applicant", "submitted")]
        assert session.exec(select(StageRun)).one().flow_run_id == body["flow_run_id"]


def test_submit_keeps_the_application_when_prefect_is_down(client, gateway):
    gateway.available = False
    response = client.post("/applications", json=application())
    assert response.status_code == 201 and response.json()["flow_run_id"] is None
    read = client.get(f"/applications/{response.json()['id']}", headers=KEY)
    assert read.status_code == 200 and read.json()["next_stages"] == ["application"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"trl": 12}, "trl"),
    ({"sector": "space"}, "sector"),
    ({"company_contact_email": "not-an-email"}, "contact_email"),
    ({"description": "short"}, "description"),
    ({"unexpected": 1}, "unexpected"),
])
def test_invalid_application_is_422_naming_the_field(client, changes, field):
    response = client.post("/applications", json=application(**changes))
    assert response.status_code == 422
    assert any(field in map(str, error["loc"]) for error in response.json()["detail"])


def test_malformed_json_is_422(client):
    response = client.post("/applications", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/applications/1"),
    ("post", "/applications/1/stages/analysis/runs"),
    ("post", "/pilots/1/measurements"),
    ("get", f"/flow-runs/{uuid.uuid4()}"),
    ("get", "/documents/1"),
])
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}])
def test_protected_routes_need_the_key(client, method, path, headers):
    response = client.request(method, path, headers=headers)
    assert response.status_code == 401 and "X-API-Key" in response.json()["detail"]


def test_public_routes_need_no_key(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.post("/feedback/no-such-token", json={"rating": 5, "nps": 9}).status_code == 404  # reached the route


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "/applications/999", None),
    ("post", "/applications/999/stages/analysis/runs", None),
    ("post", "/pilots/999/measurements", {"kpi_code": "x", "value": 1, "measured_at": "2026-11-01"}),
    ("get", f"/flow-runs/{uuid.uuid4()}", None),
    ("get", "/documents/999", None),
])
def test_unknown_ids_are_404(client, method, path, body):
    response = client.request(method, path, headers=KEY, json=body)
    assert response.status_code == 404 and "not found" in response.json()["detail"]


def test_stage_out_of_order_is_409_with_the_reason(client, gateway):
    application_id = client.post("/applications", json=application()).json()["id"]
    response = client.post(f"/applications/{application_id}/stages/adoption/runs", headers=KEY)
    assert response.status_code == 409
    assert "'submitted'" in response.json()["detail"] and "analysis" in response.json()["detail"]
    set_status(application_id, Status.REJECTED)
    response = client.post(f"/applications/{application_id}/stages/analysis/runs", headers=KEY)
    assert response.status_code == 409 and "closed" in response.json()["detail"]
    assert len(gateway.triggered) == 1  # only the submission's own run


def test_stage_allowed_is_202_and_recorded(client, gateway):
    application_id = client.post("/applications", json=application()).json()["id"]
    set_status(application_id, Status.REGISTERED)
    response = client.post(f"/applications/{application_id}/stages/analysis/runs", headers=KEY)
    assert response.status_code == 202
    run_id = response.json()["flow_run_id"]
    # The flow checks the coordinator's role and names the caller (the development key here) in the audit log.
    assert gateway.triggered[-1] == ("pilot-analysis/pilot-analysis", {
        "application_id": application_id, "requested_by": "coordinator:development-key"})
    runs = client.get(f"/applications/{application_id}", headers=KEY).json()["flow_runs"]
    assert [r["stage"] for r in runs] == ["application", "analysis"] and runs[-1]["flow_run_id"] == run_id
    assert [r["requested_by"] for r in runs] == ["applicant", "coordinator:development-key"]


def test_unknown_stage_and_bad_bodies_are_422(client):
    application_id = client.post("/applications", json=application()).json()["id"]
    assert client.post(f"/applications/{application_id}/stages/launch/runs", headers=KEY).status_code == 422
    set_status(application_id, Status.ANALYSED)
    # The decision goes to the waiting run (POST /applications/{id}/decision), not into the stage's start.
    bad = client.post(f"/applications/{application_id}/stages/adoption/runs", headers=KEY,
                      json={"decision": {"decision": "approve"}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "decision"]


def test_flow_run_id_must_be_a_uuid(client):
    assert client.get("/flow-runs/not-a-uuid", headers=KEY).status_code == 422


def test_prefect_down_on_stage_trigger_is_503(client, gateway):
    application_id = client.post("/applications", json=application()).json()["id"]
    set_status(application_id, Status.REGISTERED)
    gateway.available = False
    response = client.post(f"/applications/{application_id}/stages/analysis/runs", headers=KEY)
    assert response.status_code == 503 and "cannot be reached" in response.json()["detail"]
