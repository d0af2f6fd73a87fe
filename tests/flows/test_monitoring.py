"""Stage 4 on the session's real Prefect server: the sweep's figures from SQL aggregates, a same-day re-run
that replaces instead of duplicating, the deviation events, and the automations prefect.yaml defines.

The automations are registered the way scripts/stack.py does it (`prefect deploy` of the stage-4
deployments, which reconciles their `triggers:`); the flow runs they create are then executed in this
process (instead of by a worker process, which would only add start-up time), from the runs the server
scheduled, with the parameters the automation rendered from the event.
"""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prefect import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.client.schemas.objects import StateType
from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow
from prefect.flow_runs import resume_flow_run
from prefect.settings import PREFECT_API_URL
from sqlmodel import select

from flows.monitoring import pilot_midpoint_review, pilot_monitoring
from flows.notifications import pilot_notification
from models.db import session_scope
from models.monitoring import add_feedback, add_measurement
from models.schemas import FeedbackCreate, MeasurementCreate
from models.settings import local_today
from models.tables import AuditEvent, Checkpoint, MidpointReview, Notification, Pilot
from tests.pilots import COORDINATOR, make_pilot

pytestmark = [pytest.mark.prefect, pytest.mark.parametrize("database", ["sqlite"], indirect=True)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WAIT_SECONDS = 60


def measure(pilot_id: int, values: dict[str, list[tuple[int, float]]]) -> None:
    """values: KPI code -> [(days ago, value)]"""
    with session_scope() as session:
        pilot = session.get(Pilot, pilot_id)
        for code, series in values.items():
            for days_ago, value in series:
                add_measurement(session, pilot, MeasurementCreate(
                    kpi_code=code, value=value, measured_at=local_today() - timedelta(days=days_ago)))


def answer(pilot_id: int, answers: list[FeedbackCreate]) -> None:
    with session_scope() as session:
        pilot = session.get(Pilot, pilot_id)
        for data in answers:
            add_feedback(session, pilot, data)


def test_sweep_figures_come_from_the_aggregates_and_a_rerun_replaces_the_day(prefect_server, database):
    today = local_today()
    running = make_pilot(today - timedelta(days=28))  # 10 weeks: 0.4 elapsed, checkpoint 3 today
    stopped = make_pilot(today - timedelta(days=28), status="stopped")
    measure(running, {"QUEUE_MIN": [(14, 19.0), (0, 16.0)], "DAILY_USERS": [(20, 150.0), (3, 110.0)]})
    answer(running, [FeedbackCreate(rating=5, nps=10, sus=[5, 1] * 5), FeedbackCreate(rating=4, nps=6),
                     FeedbackCreate(rating=2), FeedbackCreate(rating=5, nps=9, sus=[3] * 10)])

    counts = pilot_monitoring(as_of=today, batch_size=1)
    counts_again = pilot_monitoring(as_of=today, batch_size=1)  # a re-run of the same day
    assert counts == counts_again and sum(counts.values()) == 1  # the stopped pilot is not monitored

    with session_scope() as session:
        records = session.exec(select(Checkpoint)).all()
    assert [r.pilot_id for r in records] == [running] and stopped != running
    record = records[0]
    assert record.as_of == today and record.kind == "regular"
    queue, users = record.kpi_results
    # the latest values: queue 16 (40 % of 20 -> 10, on track at 0.4 elapsed), users 110 (10 %: at risk)
    assert (queue["value"], queue["progress"], queue["status"]) == (16.0, 0.4, "on_track")
    assert (users["value"], users["progress"], users["status"]) == (110.0, 0.1, "at_risk")
    # 3 of 4 satisfied; NPS: 2 promoters, 1 detractor of 3; SUS (100 + 50) / 2
    assert {k: record.feedback_summary[k] for k in ("respondents", "csat_share", "nps", "sus_mean")} == {
        "respondents": 4, "csat_share": 0.75, "nps": 33.3, "sus_mean": 75.0}
    assert record.timeline["days_left"] == 42 and record.timeline["overdue_checkpoints"] == []
    assert record.severity == "warning" and set(record.signals) == {"pilot.kpi.at-risk"}


def deploy(*names: str) -> None:
    """Register deployments from prefect.yaml on the session's server, as scripts/stack.py does."""
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PILOTFLOW_ROOT": str(ROOT)}
    for command in (["work-pool", "create", "pilotflow", "--type", "process", "--overwrite"],
                    ["--no-prompt", "deploy", *[arg for name in names for arg in ("--name", name)]]):
        result = subprocess.run([str(BIN / "prefect"), *command], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def stage4_deployments(prefect_server) -> dict[str, object]:
    deploy("pilot-notification", "pilot-midpoint-review")
    with get_client(sync_client=True) as client:
        return {name: client.read_deployment_by_name(f"{name}/{name}").id
                for name in ("pilot-notification", "pilot-midpoint-review")}


def scheduled_run(deployment_id, pilot_id: int, since):
    """Wait for the run the automation creates for `pilot_id`."""
    deadline = time.monotonic() + WAIT_SECONDS
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))
            mine = [r for r in runs if str(r.parameters.get("pilot_id")) == str(pilot_id) and r.created >= since]
            if mine:
                return mine[0]
            time.sleep(0.5)
    pytest.fail(f"the automation started no run for pilot {pilot_id} within {WAIT_SECONDS} s")


def stored_event(name: str, pilot_id: int, since):
    """Wait for the server to have stored the event (it persists them in batches)."""
    deadline = time.monotonic() + WAIT_SECONDS
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            events = client.read_events(EventFilter(
                occurred=EventOccurredFilter(since=since), event=EventNameFilter(name=[name]),
                resource=EventResourceFilter(id=[f"pilotflow.pilot.{pilot_id}"])), limit=10).events
            if events:
                return events[0]
            time.sleep(0.5)
    pytest.fail(f"the server stored no {name} event for pilot {pilot_id} within {WAIT_SECONDS} s")


def execute(flow, flow_run_id):
    """Run a scheduled flow run here, as a worker would in a process of its own."""
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(flow_run_id)
    return run_flow(flow, flow_run=flow_run, return_type="state")


def state_of(flow_run_id):
    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id).state


def test_a_critical_deviation_becomes_an_event_and_the_automation_notifies_the_coordinator(
        prefect_server, database, stage4_deployments):
    since = datetime.now(UTC) - timedelta(seconds=1)
    today = local_today()
    pilot_id = make_pilot(today - timedelta(days=28))
    measure(pilot_id, {"QUEUE_MIN": [(0, 25.0)], "DAILY_USERS": [(0, 150.0)]})  # the primary KPI got worse
    answer(pilot_id, [FeedbackCreate(rating=4, nps=8)])
    pilot_monitoring(pilot_id=pilot_id, as_of=today)

    run = scheduled_run(stage4_deployments["pilot-notification"], pilot_id, since)
    assert run.parameters == {"pilot_id": pilot_id, "event": "pilot.kpi.off-track", "severity": "critical",
                              "as_of": today.isoformat()}
    event = stored_event("pilot.kpi.off-track", pilot_id, since)
    assert event.resource["pilotflow.severity"] == "critical" and event.payload["kpis"] == ["QUEUE_MIN"]

    assert execute(pilot_notification, run.id).is_completed()
    with session_scope() as session:
        notification = session.exec(select(Notification).where(Notification.pilot_id == pilot_id)).one()
    assert notification.coordinator == COORDINATOR and notification.event == "pilot.kpi.off-track"
    assert notification.as_of == today and notification.email_status == "not configured"
    assert "Пилот PF-T-" in notification.subject and "QUEUE_MIN: off track (25 min" in notification.body
    assert pilot_notification(pilot_id=pilot_id, event="pilot.kpi.off-track", as_of=today) is None  # once a day


def test_the_midpoint_asks_the_coordinator_and_waits_suspended(prefect_server, database, stage4_deployments):
    since = datetime.now(UTC) - timedelta(seconds=1)
    today = local_today()
    pilot_id = make_pilot(today - timedelta(days=40))  # 10 weeks: the midpoint was 5 days ago
    measure(pilot_id, {"QUEUE_MIN": [(1, 14.0)], "DAILY_USERS": [(1, 160.0)]})
    answer(pilot_id, [FeedbackCreate(rating=5, nps=9)])
    pilot_monitoring(pilot_id=pilot_id, as_of=today)

    run = scheduled_run(stage4_deployments["pilot-midpoint-review"], pilot_id, since)
    with pytest.raises(Pause):
        execute(pilot_midpoint_review, run.id)
    state = state_of(run.id)
    assert state.type == StateType.PAUSED and state.name == "Suspended"  # no process waits for the answer
    with session_scope() as session:
        review = session.exec(select(MidpointReview).where(MidpointReview.pilot_id == pilot_id)).one()
    assert review.status == "awaiting" and review.flow_run_id == str(run.id)
    assert pilot_monitoring(as_of=today)  # the sweep goes on while the decision is pending

    resume_flow_run(run.id, run_input={"decision": "stop", "coordinator": COORDINATOR,
                                       "comment": "Жители не пользуются киоском"})
    assert execute(pilot_midpoint_review, run.id).is_completed()
    with session_scope() as session:
        review = session.exec(select(MidpointReview).where(MidpointReview.pilot_id == pilot_id)).one()
        pilot = session.get(Pilot, pilot_id)
        audit = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (review.status, review.decision, review.coordinator) == ("decided", "stop", COORDINATOR)
    assert pilot.status == "stopped"  # monitoring and data collection end here
    assert audit.actor == "prefect-ui"  # answered in the Prefect UI's form, as the coordinator named there
    assert "midpoint decision" in audit.detail and f"stop by {COORDINATOR}" in audit.detail
