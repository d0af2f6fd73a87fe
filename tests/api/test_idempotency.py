"""Idempotency-Key on the POSTs that start work: a retry gets the first answer and starts nothing twice."""

import uuid
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, func, select

from models import db, idempotency
from models.db import session_scope
from models.settings import get_settings, local_today
from models.stages import Stage, Status
from models.tables import Application, Company, IdempotencyRecord, StageRun, utcnow
from models.transitions import record_stage_run
from tests.api.test_api import KEY, RecordingGateway, client, set_status  # noqa: F401  (client: the fixture)
from tests.api.test_auth import table_of
from tests.factories import application


class WaitingGateway(RecordingGateway):
    """Also knows which runs wait for input, and records every resume."""

    def __init__(self):
        super().__init__()
        self.waiting: set[str] = set()
        self.resumed: list[tuple[str, dict]] = []

    async def pause_keys(self, flow_run_ids):
        return {run: "decision-1" for run in flow_run_ids if run in self.waiting}

    async def resume(self, flow_run_id, run_input=None):
        self.resumed.append((flow_run_id, run_input))
        self.waiting.discard(flow_run_id)  # a resumed run no longer waits: a second resume would be 409


@pytest.fixture
def gateway():
    return WaitingGateway()


def count(model) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_the_migration_creates_the_idempotency_table_as_the_model_declares_it(database):
    with db.get_engine().connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert [d for d in differences if table_of(d) == "idempotencyrecord"] == []


def test_a_retried_submission_gets_the_same_answer_and_stores_one_application(client, gateway):
    headers = {"Idempotency-Key": "submit-1"}
    first = client.post("/applications", json=application(), headers=headers)
    again = client.post("/applications", json=application(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert count(Application) == 1 and count(Company) == 1 and count(StageRun) == 1
    assert len(gateway.triggered) == 1
    # Without a key, or with another one, a submission is a new one (then caught as a duplicate by screening).
    assert client.post("/applications", json=application(), headers={"Idempotency-Key": "submit-2"}).json()["id"] \
        != first.json()["id"]
    assert count(Application) == 2


def test_the_same_key_with_another_body_is_409_with_a_message(client):
    headers = {"Idempotency-Key": "submit-1"}
    assert client.post("/applications", json=application(), headers=headers).status_code == 201
    other = client.post("/applications", json=application(title="Another technology entirely"), headers=headers)
    assert other.status_code == 409 and "different request" in other.json()["detail"]
    assert count(Application) == 1


def test_the_same_body_with_keys_in_another_order_is_the_same_request(client):
    headers = {"Idempotency-Key": "k", "Content-Type": "application/json"}
    body = application()
    first = client.post("/applications", json=body, headers=headers)
    reordered = dict(reversed(list(body.items())))
    again = client.post("/applications", json=reordered, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()


def test_a_failed_request_frees_its_key(client):
    headers = {"Idempotency-Key": "k"}
    bad = client.post("/applications/999/stages/analysis/runs", headers={**KEY, **headers})
    assert bad.status_code == 404
    assert count(IdempotencyRecord) == 0  # a 404 is not stored: the retry is judged afresh


@pytest.mark.parametrize("key", ["", "x" * 201])
def test_an_unusable_key_is_422(client, key):
    response = client.post("/applications", json=application(), headers={"Idempotency-Key": key})
    assert response.status_code == 422 and count(Application) == 0


def test_a_retried_stage_trigger_returns_the_same_run_and_starts_one(client, gateway):
    application_id = client.post("/applications", json=application()).json()["id"]
    set_status(application_id, Status.REGISTERED)
    gateway.triggered.clear()
    headers = {**KEY, "Idempotency-Key": "analysis-1"}
    first = client.post(f"/applications/{application_id}/stages/analysis/runs", headers=headers)
    again = client.post(f"/applications/{application_id}/stages/analysis/runs", headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["flow_run_id"] == first.json()["flow_run_id"]
    assert len(gateway.triggered) == 1
    with session_scope() as session:
        runs = session.exec(select(StageRun).where(StageRun.stage == Stage.ANALYSIS)).all()
        assert [r.flow_run_id for r in runs] == [first.json()["flow_run_id"]]
    # The key belongs to its route: the same key on another application's trigger is a new request.
    other_id = client.post("/applications", json=application(company_registration_number="7728168971")).json()["id"]
    set_status(other_id, Status.REGISTERED)
    assert client.post(f"/applications/{other_id}/stages/analysis/runs", headers=headers).json()["flow_run_id"] \
        != first.json()["flow_run_id"]


def test_a_retried_decision_resumes_the_run_once(client, gateway):
    application_id = client.post("/applications", json=application()).json()["id"]
    set_status(application_id, Status.CONTRACTING)
    run_id = str(uuid.uuid4())
    with session_scope() as session:
        record_stage_run(session, application_id, Stage.ADOPTION, run_id, "coordinator")
    gateway.waiting.add(run_id)
    headers = {**KEY, "Idempotency-Key": "decide-1"}
    body = {"decision": "reject", "coordinator": "A. Sidorova", "comment": "Not this year"}
    first = client.post(f"/applications/{application_id}/decision", headers=headers, json=body)
    again = client.post(f"/applications/{application_id}/decision", headers=headers, json=body)
    assert first.status_code == 202, first.text
    assert again.status_code == 202 and again.json() == first.json()
    assert len(gateway.resumed) == 1
    # Without the key the retry finds no waiting run: 409, as before.
    assert client.post(f"/applications/{application_id}/decision", headers=KEY, json=body).status_code == 409


def test_retried_conclusions_resume_the_run_once(client, gateway):
    application_id = client.post("/applications", json=application()).json()["id"]
    run_id = str(uuid.uuid4())
    with session_scope() as session:
        record_stage_run(session, application_id, Stage.EVALUATION, run_id, "coordinator")
    gateway.waiting.add(run_id)
    headers = {**KEY, "Idempotency-Key": "conclude-1"}
    body = {"coordinator": "A. Sidorova", "conclusions": "Цели достигнуты."}
    first = client.post(f"/applications/{application_id}/conclusions", headers=headers, json=body)
    again = client.post(f"/applications/{application_id}/conclusions", headers=headers, json=body)
    assert first.status_code == again.status_code == 202, first.text
    assert again.json() == first.json() and len(gateway.resumed) == 1


# --- expiry: abandoned reservations and old answers ---------------------------------------------------


def analysis_scope(application_id: int) -> str:
    return f"POST /applications/{application_id}/stages/analysis/runs"


def registered_application(client) -> int:
    application_id = client.post("/applications", json=application()).json()["id"]
    set_status(application_id, Status.REGISTERED)
    return application_id


def reserve_at(scope: str, key: str, moment, request=None):
    """What a request that reserved the key at `moment` and was then killed leaves behind."""
    with session_scope() as session:
        return idempotency.reserve(session, scope, key, idempotency.fingerprint(request), now=moment)


def test_a_reservation_abandoned_longer_than_the_timeout_is_taken_over_by_a_retry(client, gateway):
    application_id = registered_application(client)
    gateway.triggered.clear()
    timeout = get_settings().idempotency_reservation_seconds
    assert reserve_at(analysis_scope(application_id), "analysis-1", utcnow() - timedelta(seconds=timeout + 1)) is None
    headers = {**KEY, "Idempotency-Key": "analysis-1"}
    retry = client.post(f"/applications/{application_id}/stages/analysis/runs", headers=headers)
    assert retry.status_code == 202 and "Idempotent-Replayed" not in retry.headers
    assert len(gateway.triggered) == 1
    with session_scope() as session:
        record = session.exec(select(IdempotencyRecord)).one()
        assert record.status_code == 202 and record.response["flow_run_id"] == retry.json()["flow_run_id"]
    again = client.post(f"/applications/{application_id}/stages/analysis/runs", headers=headers)
    assert again.json() == retry.json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(gateway.triggered) == 1


def test_a_fresh_reservation_is_still_refused_and_an_abandoned_one_only_to_its_own_request(client, gateway):
    application_id = registered_application(client)
    gateway.triggered.clear()
    timeout = get_settings().idempotency_reservation_seconds
    reserve_at(analysis_scope(application_id), "fresh", utcnow() - timedelta(seconds=timeout - 30))
    reserve_at(analysis_scope(application_id), "abandoned", utcnow() - timedelta(seconds=timeout + 1),
               request={"override_trl_gate": True})
    path = f"/applications/{application_id}/stages/analysis/runs"
    fresh = client.post(path, headers={**KEY, "Idempotency-Key": "fresh"})
    assert fresh.status_code == 409 and "still being answered" in fresh.json()["detail"]
    other = client.post(path, headers={**KEY, "Idempotency-Key": "abandoned"}, json={"override_trl_gate": False})
    assert other.status_code == 409 and "different request" in other.json()["detail"]
    assert gateway.triggered == []


def test_an_answer_past_the_retention_period_no_longer_replays(client, gateway):
    application_id = registered_application(client)
    gateway.triggered.clear()
    path, headers = f"/applications/{application_id}/stages/analysis/runs", {**KEY, "Idempotency-Key": "a-1"}
    first = client.post(path, headers=headers)
    retention = timedelta(hours=get_settings().idempotency_retention_hours)
    with session_scope() as session:  # the answer was stored a retention period (and a minute) ago
        record = session.exec(select(IdempotencyRecord)).one()
        record.created_at = utcnow() - retention - timedelta(minutes=1)
    later = client.post(path, headers=headers)
    assert later.status_code == 202 and "Idempotent-Replayed" not in later.headers
    assert later.json()["flow_run_id"] != first.json()["flow_run_id"] and len(gateway.triggered) == 2
    assert client.post(path, headers=headers).json() == later.json()  # the key now replays the new answer
    # An expired key is free for any request, not only the one it answered.
    with session_scope() as session:
        session.exec(select(IdempotencyRecord)).one().created_at = utcnow() - retention - timedelta(minutes=1)
    other = client.post(path, headers=headers, json={"override_trl_gate": True})
    assert other.status_code == 202 and len(gateway.triggered) == 3


def test_a_new_key_purges_the_keys_past_the_retention_period(database):
    retention = timedelta(hours=get_settings().idempotency_retention_hours)
    now = utcnow()
    reserve_at("POST /x", "old-answer", now - retention - timedelta(hours=1))
    with session_scope() as session:
        idempotency.complete(session, "POST /x", "old-answer", 202, {"id": 1})
    reserve_at("POST /x", "old-abandoned", now - retention - timedelta(seconds=1))
    reserve_at("POST /x", "recent", now - retention + timedelta(minutes=1))
    reserve_at("POST /x", "new", now)
    with session_scope() as session:
        assert sorted(session.exec(select(IdempotencyRecord.key)).all()) == ["new", "recent"]


def test_a_slow_request_whose_key_was_taken_over_leaves_the_retrys_answer_alone(database):
    start = utcnow() - timedelta(hours=1)
    timeout = timedelta(seconds=get_settings().idempotency_reservation_seconds)
    request = idempotency.fingerprint({"a": 1})
    with session_scope() as session:
        assert idempotency.reserve(session, "POST /x", "k", request, now=start) is None
        retried_at = start + timeout + timedelta(seconds=1)
        assert idempotency.reserve(session, "POST /x", "k", request, now=retried_at) is None  # taken over
        with pytest.raises(idempotency.IdempotencyConflict, match="still being answered"):
            idempotency.reserve(session, "POST /x", "k", request, now=retried_at + timedelta(seconds=1))
        idempotency.complete(session, "POST /x", "k", 202, {"by": "retry"}, reserved_at=retried_at)
        idempotency.complete(session, "POST /x", "k", 202, {"by": "slow first"}, reserved_at=start)
        session.commit()
        idempotency.release(session, "POST /x", "k", reserved_at=start)  # nor does its failure free the key
    with session_scope() as session:
        answer = idempotency.reserve(session, "POST /x", "k", request, now=retried_at + timedelta(seconds=2))
    assert answer == idempotency.StoredAnswer(202, {"by": "retry"})


# --- the flows themselves ------------------------------------------------------------------------


def test_re_running_contract_generation_after_a_crash_keeps_one_contract(database, monkeypatch):
    from datetime import timedelta

    from flows.adoption import generate_contract
    from models.tables import Contract, Document
    from tests.piloting import piloting_application

    monkeypatch.setattr("documents.registry.pdf_rendition", lambda content: None)
    with session_scope() as session:
        application_id = piloting_application(session, start=local_today() + timedelta(days=14)).application_id
    first = generate_contract.fn(application_id)
    assert generate_contract.fn(application_id) == first  # the re-run finds the stored contract
    assert count(Contract) == 1
    with session_scope() as session:
        documents = session.exec(select(Document).where(Document.kind == "contract")).all()
        assert len(documents) == 1 and documents[0].version == 1


# Every hour of the day, one of the far zones is on another calendar day than UTC: the checkpoint of the
# program's "today" must still count the feedback given a moment ago.
@pytest.mark.parametrize("zone", ["Europe/Moscow", "Etc/GMT-14", "Etc/GMT+12"])
def test_a_monitoring_re_run_of_the_day_replaces_its_checkpoints(database, zone, monkeypatch):
    from datetime import timedelta

    from models.monitoring import monitor_batch
    from models.settings import get_settings
    from models.tables import Checkpoint
    from tests.piloting import give_feedback, piloting_application

    monkeypatch.setattr(get_settings(), "timezone", zone)
    with session_scope() as session:
        pilots = [piloting_application(session, start=local_today() - timedelta(weeks=4),
                                       registration_number=number, contract_number=f"PF-2027-000{i}").id
                  for i, number in enumerate(("7707083893", "7728168971"), start=1)]
    today = local_today()
    with session_scope() as session:
        monitor_batch(session, pilots, today, "run-1")
    with session_scope() as session:
        from models.tables import Pilot
        give_feedback(session, session.get(Pilot, pilots[0]), [5, 5, 4])
    with session_scope() as session:
        monitor_batch(session, pilots, today, "run-2")
    with session_scope() as session:
        rows = session.exec(select(Checkpoint).order_by(Checkpoint.pilot_id)).all()
    assert [(row.pilot_id, row.as_of) for row in rows] == [(pilots[0], today), (pilots[1], today)]
    assert {row.flow_run_id for row in rows} == {"run-2"}
    assert rows[0].feedback_summary["respondents"] == 3  # the re-run's figures, not the first run's
