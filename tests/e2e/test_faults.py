"""Faults against a real stack (issue 7): the worker killed in the middle of contract generation and of a
monitoring sweep, then restarted and the stage re-run the way an operator would; the API stopped (SIGTERM,
then SIGKILL) while citizens post feedback. The stored state must come out whole: one contract and one
contract document version, one checkpoint per active pilot for the day, every acknowledged answer stored.

The parts are started one by one (tests/e2e/faults_stack.py) so that each can be killed on its own; a
killed worker takes with it everything it started (the flow run's process, LibreOffice), as a dead
machine would: the process worker starts those in sessions of their own, outside its process group.
"""

import os
import re
import shutil
import signal
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from flows.adoption import record_decision
from flows.analysis import analyse_technology, load_inputs, store_analysis
from models.application import next_registration_number, submit_application
from models.db import session_scope
from models.schemas import AdoptionDecision, ApplicationCreate
from models.settings import local_today
from models.stages import Actor, Stage, Status
from models.tables import Application, Checkpoint, Contract, Document, Feedback, Pilot
from models.transitions import transition
from tests.e2e.faults_stack import (
    FaultStack,
    alive,
    command_line,
    pilotflow_database,
    poll,
    seed_active_pilots,
    session_leader,
)
from tests.factories import application
from tests.postgres import scratch_databases

pytestmark = pytest.mark.e2e
SWEEP_PILOTS = 1500
SWEEP_BATCH = 50  # 30 batches, a task run each: the sweep takes a few seconds, long enough to die halfway


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Prefect server, the adoption and monitoring deployments, a worker and the API, on SQLite."""
    work = tmp_path_factory.mktemp("faults")
    database_url = f"sqlite:///{work / 'pilotflow.db'}"
    stack = FaultStack(work, database_url)
    try:
        stack.start(("pilot-adoption", "pilot-monitoring"))
        with pilotflow_database(database_url, stack.document_dir):
            yield stack
    finally:
        stack.stop()


def approved_application() -> int:
    """An application analysed and approved by stages 2 and 3's own code (their tasks' functions, run in this
    process): the draft methodology adopted, the pilot created, the application 'contracting', the contract
    not generated yet. (The coordinator's decision over the API is tests/e2e/test_stack.py's; here it would
    only cost one more flow run process before the one this test kills.)"""
    with session_scope() as session:
        app = submit_application(session, ApplicationCreate(**application()), Actor.APPLICANT)
        app.registration_number = next_registration_number(session, app)
        transition(session, app, Stage.APPLICATION, Status.REGISTERED, Actor.APPLICANT, None)
        application_id = app.id
    facts, language, sites = load_inputs.fn(application_id)
    store_analysis.fn(application_id, analyse_technology.fn(facts, sites, language, local_today(), False),
                      Actor.COORDINATOR)
    decision = AdoptionDecision(decision="approve", coordinator="Сидорова Анна")
    assert record_decision.fn(application_id, decision) == Status.CONTRACTING
    return application_id


def contract_rows(application_id: int) -> tuple[list[Contract], list[Document]]:
    with session_scope() as session:
        contracts = session.exec(select(Contract).where(Contract.application_id == application_id)).all()
        documents = session.exec(select(Document).where(Document.application_id == application_id,
                                                        Document.kind == "contract")).all()
        return list(contracts), list(documents)


def start_adoption(stack: FaultStack, application_id: int) -> httpx.Response:
    return stack.api.post(f"/applications/{application_id}/stages/adoption/runs")


def test_worker_killed_while_generating_the_contract(stack):
    application_id = approved_application()
    stack.worker_online()
    started = start_adoption(stack, application_id)  # the run goes straight to the contract
    assert started.status_code == 202, started.text
    run_id = started.json()["flow_run_id"]

    # Mid-generation: LibreOffice is converting the contract to PDF under the worker (only generate_contract
    # makes a PDF on this path). documents/pdf.py starts it in a session of its own, so the conversion is the
    # session leader whose command line says --convert-to (its launcher script's short-lived subshells say it
    # too). Stopping that session holds the task right there, waiting for its PDF, while the Prefect server is
    # shown the task Running; then the worker and everything under it are killed.
    def converting():
        assert not contract_rows(application_id)[0], "the contract was stored before the kill" + stack.tails()
        return [pid for pid in stack.worker_tree()
                if "--convert-to" in command_line(pid) and session_leader(pid)] or None

    conversions = poll("LibreOffice converting the contract", converting, 90, interval=0.05, on_timeout=stack.tails)
    command_line_at_freeze = {pid: command_line(pid) for pid in conversions}
    try:
        stack.freeze(conversions)
        assert all(alive(pid) for pid in conversions), "LibreOffice finished before it was stopped"

        def task_running():  # the Prefect server's view: the run is inside generate_contract
            states = {t["name"].rsplit("-", 1)[0]: t["state"]["type"] for t in stack.task_runs(run_id) if t["state"]}
            return states if states.get("generate_contract") == "RUNNING" else None

        poll("the generate_contract task run shown Running", task_running, 30)
        assert contract_rows(application_id) == ([], [])
        with session_scope() as session:
            assert session.get(Application, application_id).status == Status.CONTRACTING
            pilot = session.exec(select(Pilot).where(Pilot.application_id == application_id)).one()
    finally:
        stack.kill_worker()
        for pid in conversions:  # the killed conversion's scratch folder (documents/pdf.py's temporary directory)
            profile = re.search(r"-env:UserInstallation=file://(\S+)/profile", command_line_at_freeze[pid])
            if profile and Path(profile[1]).name.startswith("pilotflow-pdf-"):
                shutil.rmtree(profile[1], ignore_errors=True)

    # Prefect knows nothing of the death: the run stays Running. (The API's zombie check marks it Crashed 90 s
    # after its last heartbeat, tests/e2e/test_zombie_runs.py; the operator's "Change state" below is faster.)
    run = stack.flow_run(run_id)
    assert run["state"]["type"] == "RUNNING", run["state"]
    assert contract_rows(application_id) == ([], [])  # the transaction died with the run

    # The operator restarts the worker and starts the stage again. The API refuses while the dead run looks
    # alive (never two adoption runs at once); marked Crashed in the Prefect UI, the stage starts again.
    stack.start_worker()
    stack.worker_online()
    refused = start_adoption(stack, application_id)
    assert refused.status_code == 409 and run_id in refused.json()["detail"], refused.text
    stack.mark_crashed(run_id, "the worker was killed (test)")
    again = start_adoption(stack, application_id)
    assert again.status_code == 202, again.text
    rerun_id = again.json()["flow_run_id"]
    assert rerun_id != run_id
    stack.wait_for_run(rerun_id, {"PAUSED"}, 90)  # the contract generated and sent, waiting for signatures

    contracts, documents = contract_rows(application_id)
    assert len(contracts) == 1, contracts
    assert [(d.version, d.flow_run_id) for d in documents] == [(1, rerun_id)]
    assert contracts[0].document_id == documents[0].id and contracts[0].pilot_id == pilot.id
    assert documents[0].pdf_storage_key is not None  # the PDF that was being made when the worker died
    contract_id = contracts[0].id
    for party in ("company", "site", "agency"):
        signed = stack.api.post(f"/contracts/{contract_id}/signatures", data={
            "party": party, "signatory_name": f"{party} signatory", "signed_on": local_today().isoformat()})
        assert signed.status_code in (200, 201), signed.text
    stack.wait_for_run(rerun_id, {"COMPLETED"}, 90)

    contracts, documents = contract_rows(application_id)
    assert [(c.id, c.status) for c in contracts] == [(contract_id, "signed")]
    assert [d.version for d in documents] == [1]
    with session_scope() as session:
        assert session.get(Application, application_id).status == Status.PILOTING
        assert session.get(Pilot, pilot.id).status == "active"
        assert session.exec(select(func.count()).select_from(Pilot)
                            .where(Pilot.application_id == application_id)).one() == 1


def checkpoints_of_day(day) -> list[tuple[int, str]]:
    with session_scope() as session:
        return list(session.exec(select(Checkpoint.pilot_id, Checkpoint.flow_run_id).where(Checkpoint.as_of == day)))


def test_worker_killed_during_a_monitoring_sweep(stack):
    day = local_today() - timedelta(days=1)  # not today: a run of the daily schedule could not touch it
    seed_active_pilots(SWEEP_PILOTS, day)  # starting that day: no deviations, so no events to send
    with session_scope() as session:
        active = set(session.exec(select(Pilot.id).where(Pilot.status == "active")))
    parameters = {"as_of": day.isoformat(), "batch_size": SWEEP_BATCH}
    stack.worker_online()
    run_id = stack.run_deployment("pilot-monitoring", parameters)

    # Mid-sweep: some batches committed their checkpoints, others not yet. Frozen, then counted again.
    count = select(func.count()).select_from(Checkpoint).where(Checkpoint.as_of == day)

    def halfway():
        with session_scope() as session:
            done = session.exec(count).one()
        assert done < len(active), "the sweep ended before it could be caught halfway"
        return done or None

    poll("the sweep's first checkpoints", halfway, 90, interval=0.02, on_timeout=stack.tails)
    try:
        stack.freeze(stack.worker_tree())
        partial = checkpoints_of_day(day)
        assert 0 < len(partial) < len(active)
    finally:
        stack.kill_worker()
    assert stack.flow_run(run_id)["state"]["type"] == "RUNNING"
    assert checkpoints_of_day(day) == partial  # what was committed stays, nothing half-written

    # The operator marks the dead run Crashed, restarts the worker and runs the day's sweep again.
    stack.mark_crashed(run_id, "the worker was killed (test)")
    stack.start_worker()
    stack.worker_online()
    rerun_id = stack.run_deployment("pilot-monitoring", parameters)
    stack.wait_for_run(rerun_id, {"COMPLETED"}, 90)

    rows = checkpoints_of_day(day)
    per_pilot = Counter(pilot_id for pilot_id, _ in rows)
    duplicated = [pilot for pilot, n in per_pilot.items() if n > 1]
    assert set(per_pilot) == active and not duplicated, \
        f"{len(rows)} checkpoints for {len(active)} active pilots; pilots with several: {duplicated[:10]}"
    assert {flow_run for _, flow_run in rows} == {rerun_id}  # the re-run replaced the dead run's records
    print(f"\nsweep killed after {len(partial)} of {len(active)} checkpoints; the re-run wrote all {len(rows)}")


# --- the API stopped while citizens post feedback -------------------------------------------------


CLIENTS = 12
ACKS_PER_PHASE = 150


class Citizens:
    """Client threads posting answers without pause; every answer has its own comment (its identity) and
    its own User-Agent (the repeat rule keys on address + browser + link). No answer is sent twice."""

    def __init__(self, base_url: str, token: str):
        self.base_url, self.token = base_url, token
        self.acknowledged: dict[str, tuple[int, int]] = {}  # comment -> (rating, nps), answered 201
        self.uncertain: set[str] = set()  # no answer (connection refused or cut): stored or not
        self.refused: Counter = Counter()  # any other status
        self.lock, self.stopping = threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self.post, args=(n,), daemon=True) for n in range(CLIENTS)]

    def post(self, number: int) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            i = 0
            while not self.stopping.is_set():
                i += 1
                comment, rating, nps = f"citizen {number} answer {i}", 1 + (number + i) % 5, (number + i) % 11
                try:
                    response = client.post(f"/feedback/{self.token}", headers={"User-Agent": f"faults/{number}/{i}"},
                                           json={"rating": rating, "nps": nps, "comment": comment})
                except httpx.TransportError:
                    with self.lock:
                        self.uncertain.add(comment)
                    time.sleep(0.05)
                    continue
                with self.lock:
                    if response.status_code == 201:
                        self.acknowledged[comment] = (rating, nps)
                    else:
                        self.refused[response.status_code] += 1

    def acks(self) -> int:
        with self.lock:
            return len(self.acknowledged)

    def wait_for_acks(self, count: int, stack: FaultStack) -> None:
        poll(f"{count} acknowledged answers", lambda: self.acks() >= count or None, 30, 0.02, stack.tails)


@pytest.fixture(params=["sqlite", "postgres"])
def feedback_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pilotflow.db'}"
        return
    with scratch_databases("faults_feedback") as (url,):
        yield url


def test_api_stopped_while_citizens_post_feedback(feedback_database, tmp_path):
    stack = FaultStack(tmp_path, feedback_database)  # the API only: the feedback link needs no Prefect
    citizens = None
    try:
        stack.processes.run("python", "-m", "admin.migrate")
        with pilotflow_database(feedback_database, stack.document_dir):
            [pilot_id] = seed_active_pilots(1, local_today() - timedelta(days=20))
            with session_scope() as session:
                token = session.get(Pilot, pilot_id).feedback_token
        stack.start_api()
        citizens = Citizens(stack.api_url, token)
        for thread in citizens.threads:
            thread.start()
        stops = {}
        # A graceful stop, then a crash, each in the middle of the stream. What SIGTERM does is uvicorn's
        # whatever the database, so PostgreSQL only gets the crash.
        for how in ("SIGTERM", "SIGKILL") if feedback_database.startswith("sqlite") else ("SIGKILL",):
            citizens.wait_for_acks(citizens.acks() + ACKS_PER_PHASE, stack)
            process = stack.api_process
            os.killpg(process.pid, getattr(signal, how))
            stops[how] = process.wait(timeout=30)
            stack.start_api()
        citizens.wait_for_acks(citizens.acks() + ACKS_PER_PHASE, stack)
    finally:
        if citizens is not None:
            citizens.stopping.set()
            for thread in citizens.threads:
                thread.join(timeout=15)
        stack.stop()

    engine = sa.create_engine(feedback_database)
    try:
        with engine.connect() as connection:
            stored = connection.execute(sa.select(Feedback.comment, Feedback.rating, Feedback.nps)
                                        .where(Feedback.pilot_id == pilot_id)).all()
    finally:
        engine.dispose()
    comments = Counter(comment for comment, _, _ in stored)
    by_comment = {comment: (rating, nps) for comment, rating, nps in stored}
    lost = set(citizens.acknowledged) - set(by_comment)
    assert not lost, f"{len(lost)} of {len(citizens.acknowledged)} acknowledged answers not stored: {sorted(lost)[:5]}"
    assert all(by_comment[c] == answer for c, answer in citizens.acknowledged.items())
    assert max(comments.values()) == 1  # no answer stored twice
    # Stored without an acknowledgment only when the answer was cut off; never after a refusal.
    assert set(by_comment) - set(citizens.acknowledged) <= citizens.uncertain
    assert not citizens.refused, citizens.refused
    print(f"\n{feedback_database.split(':')[0]}: {len(citizens.acknowledged)} acknowledged, {len(stored)} stored, "
          f"{len(citizens.uncertain)} cut off; exit codes {stops}")
