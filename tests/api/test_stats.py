"""GET /stats, its charts and the quarterly report, and POST /applications/{id}/conclusions, on SQLite and
PostgreSQL; the Prefect server is replaced by a stand-in that knows which runs wait."""

import io
import uuid
from datetime import timedelta

import pytest
from docx import Document as WordDocument
from sqlmodel import select

from api.prefect_gateway import InputRejected, NotSuspended
from models.db import session_scope
from models.settings import local_today
from models.stages import Stage, Status
from models.tables import Application, Pilot, utcnow
from models.transitions import record_stage_run, transition
from tests.api.test_api import client  # noqa: F401  (the same app, with this module's gateway)
from tests.piloting import give_feedback, piloting_application

KEY = {"X-API-Key": "test-key"}


class WaitingGateway:
    """Stands in for the Prefect server: `waiting` runs are suspended; resumes are recorded or refused."""

    def __init__(self):
        self.waiting: set[str] = set()
        self.resumed: list[tuple[str, dict]] = []
        self.refusal: Exception | None = None

    async def trigger(self, deployment, parameters, idempotency_key=None):
        return str(uuid.uuid4())

    async def flow_run(self, flow_run_id):
        return None

    async def flow_runs(self, flow_run_ids):
        return {}

    async def pause_keys(self, flow_run_ids):
        return {run: "1" for run in flow_run_ids if run in self.waiting}

    async def resume(self, flow_run_id, run_input=None):
        if self.refusal:
            raise self.refusal
        self.resumed.append((flow_run_id, run_input))


@pytest.fixture
def gateway():
    return WaitingGateway()


def program(evaluated_after_days: float = 100.0) -> int:
    """Three applications: one evaluated (roll out), one piloting, one only registered."""
    start = local_today() - timedelta(weeks=12)
    with session_scope() as session:
        first = piloting_application(session, start=start, registration_number="7707083893",
                                     contract_number="PF-2027-0001")
        give_feedback(session, first, [5, 4, 3])
        application = session.get(Application, first.application_id)
        application.submitted_at = utcnow() - timedelta(days=evaluated_after_days)
        first.status, first.recommendation = "completed", "roll_out"
        transition(session, application, Stage.EVALUATION, Status.EVALUATED, "A", None)
        second = piloting_application(session, start=start, registration_number="7707083894", sector="transport",
                                      contract_number="PF-2027-0002")
        session.get(Application, second.application_id).sector = None  # counted under its analysed sector
        piloting_application(session, start=start, registration_number="7707083895", contract_number="PF-2027-0003")
        registered = session.exec(select(Application).order_by(Application.id.desc())).first()
        registered.status, registered.stage = Status.REGISTERED, Stage.APPLICATION
        session.delete(session.exec(select(Pilot).where(Pilot.application_id == registered.id)).one())
        return second.application_id


def test_a_pilot_evaluated_before_its_start_counts_no_days_not_negative_ones(client):
    with session_scope() as session:  # the old demo's case: evaluated weeks before the pilot's start
        pilot = piloting_application(session, start=local_today() + timedelta(weeks=7),
                                     registration_number="7707083893", contract_number="PF-2027-0001")
        transition(session, session.get(Application, pilot.application_id), Stage.EVALUATION, Status.EVALUATED,
                   "A", None)
    duration = client.get("/stats", headers=KEY).json()["pilot_duration"]
    assert (duration["count"], duration["average_days"], duration["longest_days"]) == (1, 0.0, 0.0)


def test_stats_need_the_staff_key(client):
    assert client.get("/stats").status_code == 401


def test_stats_aggregate_the_program(client):
    program()
    stats = client.get("/stats", headers=KEY).json()
    assert stats["applications"] == 3
    assert {c["key"]: c["count"] for c in stats["by_sector"]} == {"retail-services": 2, "transport": 1}
    assert stats["by_sector"][0]["label_ru"] == "Торговля и бытовые услуги"
    assert sum(c["count"] for c in stats["by_month"]) == 3
    assert {c["key"]: c["count"] for c in stats["by_status"]} == {"evaluated": 1, "piloting": 1, "registered": 1}
    assert (stats["reached_pilot"], stats["pilots_active"], stats["pilots_completed"]) == (2, 1, 1)
    assert stats["reached_pilot_share"] == pytest.approx(2 / 3)
    assert (stats["rolled_out"], stats["rolled_out_share"]) == (1, 1.0)
    assert stats["cycle"]["count"] == 1 and stats["cycle"]["average_days"] == pytest.approx(100, abs=0.01)
    assert stats["cycle"]["longest_days"] == pytest.approx(100, abs=0.01)
    assert stats["pilot_duration"]["average_days"] == pytest.approx(84, abs=1.01)  # 12 weeks, Moscow vs UTC day
    assert stats["feedback_responses"] == 3 and sum(s["count"] for s in stats["sites"]) == 2


def test_charts_are_png_and_unknown_ones_are_refused(client):
    program()
    chart = client.get("/stats/charts/by_sector.png?language=ru", headers=KEY)
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG")
    assert client.get("/stats/charts/secret.png", headers=KEY).status_code == 422


def test_quarterly_report_prints_the_same_figures(client):
    program()
    today = local_today()
    response = client.get(f"/stats/quarterly-report?year={today.year}&quarter={(today.month - 1) // 3 + 1}"
                          "&language=en", headers=KEY)
    assert response.status_code == 200 and "Program%20report" in response.headers["content-disposition"]
    word = WordDocument(io.BytesIO(response.content))
    figures = {row.cells[0].text: row.cells[1].text for row in word.tables[0].rows}
    assert figures["Applications received"] == "3" and figures["Reached a pilot"] == "2 (67%)"
    assert figures["Recommended for roll-out"] == "1 (100%)" and figures["Pilots completed"] == "1"
    assert len(word.inline_shapes) == 3
    for query in ("quarter=5", "year=1900", "language=de"):
        assert client.get(f"/stats/quarterly-report?{query}", headers=KEY).status_code == 422


def waiting_run(application_id: int) -> str:
    run_id = str(uuid.uuid4())
    with session_scope() as session:
        record_stage_run(session, application_id, Stage.EVALUATION, run_id, "coordinator")
    return run_id


def test_conclusions_resume_the_waiting_run(client, gateway):
    application_id = program()
    gateway.waiting.add(run_id := waiting_run(application_id))
    body = {"coordinator": "A. Sidorova", "conclusions": "Цели достигнуты.", "critical_incident": "",
            "early_end_reason": "the site closes for repairs"}
    response = client.post(f"/applications/{application_id}/conclusions", headers=KEY, json=body)
    assert response.status_code == 202 and response.json()["flow_run_id"] == run_id
    assert gateway.resumed == [(run_id, {**body, "expert": "", "expert_conclusions": "",
                                         "decided_by": "coordinator:development-key"})]


@pytest.mark.parametrize(("body", "field"), [({}, "coordinator"), ({"coordinator": "A", "conclusions": "x" * 5001},
                                                                   "conclusions"),
                                             ({"coordinator": "A", "verdict": "roll_out"}, "verdict"),
                                             ({"coordinator": "A\x00"}, "coordinator")])
def test_invalid_conclusions_are_refused_and_the_run_keeps_waiting(client, gateway, body, field):
    application_id = program()
    gateway.waiting.add(waiting_run(application_id))
    response = client.post(f"/applications/{application_id}/conclusions", headers=KEY, json=body)
    assert response.status_code == 422 and field in response.text and gateway.resumed == []


def test_conclusions_when_nothing_waits_conflict(client, gateway):
    application_id = program()
    waiting_run(application_id)  # started, but not (or no longer) suspended
    response = client.post(f"/applications/{application_id}/conclusions", headers=KEY, json={"coordinator": "A"})
    assert response.status_code == 409 and "start the evaluation stage" in response.json()["detail"]
    assert client.post("/applications/999/conclusions", headers=KEY, json={"coordinator": "A"}).status_code == 404
    assert client.post(f"/applications/{application_id}/conclusions", json={"coordinator": "A"}).status_code == 401


@pytest.mark.parametrize(("refusal", "code"), [(NotSuspended("resumed meanwhile"), 409),
                                               (InputRejected("does not fit the form"), 422)])
def test_prefect_refusals_become_4xx(client, gateway, refusal, code):
    application_id = program()
    gateway.waiting.add(waiting_run(application_id))
    gateway.refusal = refusal
    response = client.post(f"/applications/{application_id}/conclusions", headers=KEY, json={"coordinator": "A"})
    assert response.status_code == code and str(refusal) in response.json()["detail"]
