"""A small program for the portal's browser tests, written through the same domain functions and flow tasks
the stages use (no Prefect server): one pilot running for weeks with measurements, feedback and
checkpoints, one contract awaiting signatures, one fresh application, and the people who sign in."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

import flows.adoption as adoption
import flows.analysis as analysis
from models.adoption import record_signature
from models.application import next_registration_number, submit_application
from models.db import session_scope
from models.facts import application_facts, catalog_facts
from models.monitoring import add_feedback, add_measurement, monitor_batch
from models.schemas import AdoptionDecision, ApplicationCreate, FeedbackCreate, MeasurementCreate, SignatureCreate
from models.stages import Stage, Status
from models.tables import Application, Contract, Feedback, Methodology, Pilot, StageRun
from models.transitions import record_stage_run, transition
from models.users import add_user, set_password
from tests.factories import application

PASSWORD = "portal-test-password"
COORDINATOR = "Сидорова Анна"
PILOT_WEEKS_AGO = 7  # the running pilot started about this long ago


@dataclass(frozen=True)
class Program:
    running_application: int  # company A: its pilot is active, with measurements, feedback and checkpoints
    running_pilot: int
    running_contract_number: str
    feedback_token: str
    awaiting_application: int  # company B: its contract waits for two signatures
    awaiting_pilot: int
    fresh_application: int  # company B: submitted, nothing else yet
    staff_email: str
    representative_email: str  # represents company B


def _application(session, **changes) -> int:
    row = submit_application(session, ApplicationCreate(**application(**changes)), "applicant")
    row.registration_number = next_registration_number(session, row)
    return row.id


def _register(session, application_id: int) -> None:
    transition(session, session.get(Application, application_id), Stage.APPLICATION, Status.REGISTERED,
               "applicant", None, "eligible")


def _completed_run(session, application_id: int, stage: Stage, flow_run_id: str, done: bool = True) -> None:
    record_stage_run(session, application_id, stage, flow_run_id, "coordinator")
    session.flush()
    if done:
        run = session.exec(select(StageRun).where(StageRun.flow_run_id == flow_run_id)).one()
        run.final_state = "COMPLETED:Completed"


def _analyse_and_approve(application_id: int, analysed_on: date) -> int:
    """Stage 2 and the approval of stage 3 as their flows' tasks do them; returns the contract's id."""
    with session_scope() as session:
        app = session.get(Application, application_id)
        facts, language, sites = application_facts(app), app.language, catalog_facts(session)
    result = analysis.analyse_technology.fn(facts, sites, language, analysed_on, False)
    analysis.store_analysis.fn(application_id, result, "coordinator")
    adoption.record_decision.fn(application_id, AdoptionDecision(decision="approve", coordinator=COORDINATOR))
    contract_id = adoption.generate_contract.fn(application_id)
    adoption.send_contract.fn(contract_id)
    return contract_id


def _sign(contract_id: int, parties: list[str], on: date) -> None:
    with session_scope() as session:
        contract = session.get(Contract, contract_id)
        for party in parties:
            record_signature(session, contract, SignatureCreate(party=party, signatory_name=f"{party.title()} Signatory",
                                                                signed_on=on), "browser test")


def _measure_and_monitor(pilot_id: int, today: date) -> None:
    """Weekly measurements on the way from baseline to target (the second KPI lagging), citizens' answers
    over the weeks, and the monitoring sweep's records of every calendar checkpoint so far and of today."""
    zone = ZoneInfo("Europe/Moscow")
    with session_scope() as session:
        pilot = session.get(Pilot, pilot_id)
        methodology = session.get(Methodology, pilot.methodology_id)
        days = [pilot.start_date + timedelta(weeks=w) for w in range(PILOT_WEEKS_AGO + 1)
                if pilot.start_date + timedelta(weeks=w) <= today]
        for number, kpi in enumerate(methodology.kpis):
            pace = 0.12 if number == 0 else 0.05
            for week, day in enumerate(days):
                value = kpi["baseline"] + (kpi["target"] - kpi["baseline"]) * min(1.0, pace * week)
                add_measurement(session, pilot, MeasurementCreate(kpi_code=kpi["code"], value=round(value, 2),
                                                                  measured_at=day, source="browser test"))
        for number, rating in enumerate([5, 4, 4, 5, 3, 5, 2, 4, 5, 4, 4, 5]):
            row = add_feedback(session, pilot, FeedbackCreate(rating=rating, nps=min(10, rating * 2), comment=None))
            row.created_at = datetime.combine(days[number % len(days)], time(12), zone)
        session.flush()
        checkpoints = [date.fromisoformat(c["date"]) for c in methodology.checkpoints]
        for day in sorted({d for d in checkpoints if d <= today} | {today}):
            monitor_batch(session, [pilot_id], day, None)


def seed_program(today: date) -> Program:
    started = today - timedelta(weeks=PILOT_WEEKS_AGO)
    with session_scope() as session:
        running = _application(session, title="Голосовой навигатор для незрячих пассажиров",
                               sector="social-services", setting="indoor",
                               description="Носимый маячок и приложение объявляют незрячим и слабовидящим пассажирам "
                                           "номер и направление прибывающего автобуса, а также препятствия на пути "
                                           "к остановке; работает без зрения, голосом и вибрацией.",
                               target_users="незрячие и слабовидящие жители, пожилые люди",
                               company_name="ООО «Говорящий город»", company_registration_number="7707083893")
        awaiting = _application(session, title="Датчики качества воздуха во дворах",
                                sector="environment", setting="outdoor",
                                description="Сеть недорогих датчиков PM2.5 и NO2 во дворах жилых кварталов с "
                                            "открытой картой качества воздуха и оповещением жителей о превышениях.",
                                company_name="ООО «Чистый воздух»", company_registration_number="7728168971")
        fresh = _application(session, title="Умные скамейки с зарядкой в парке", sector="urban-economy",
                             company_name="ООО «Чистый воздух»", company_registration_number="7728168971",
                             description="Скамейки с солнечной панелью, зарядкой телефона и датчиком "
                                         "посещаемости для городских парков и скверов.")
        for application_id in (running, awaiting):
            _register(session, application_id)
            _completed_run(session, application_id, Stage.APPLICATION, f"00000000-0000-4000-8000-00000000{application_id:04d}")
    running_contract = _analyse_and_approve(running, started - timedelta(days=14))
    awaiting_contract = _analyse_and_approve(awaiting, today)
    _sign(running_contract, ["company", "site", "agency"], today)
    adoption.start_pilot.fn(running, running_contract)
    _sign(awaiting_contract, ["company"], today)
    with session_scope() as session:
        _completed_run(session, running, Stage.ANALYSIS, "00000000-0000-4000-8000-000000000101")
        _completed_run(session, running, Stage.ADOPTION, "00000000-0000-4000-8000-000000000102")
        # Still waiting for the signatures: its state is asked of the Prefect server, which is not there.
        _completed_run(session, awaiting, Stage.ADOPTION, "00000000-0000-4000-8000-000000000202", done=False)
        running_pilot = session.exec(select(Pilot).where(Pilot.application_id == running)).one()
        awaiting_pilot = session.exec(select(Pilot).where(Pilot.application_id == awaiting)).one()
        ids = running_pilot.id, running_pilot.contract_number, running_pilot.feedback_token, awaiting_pilot.id
    _measure_and_monitor(ids[0], today)
    with session_scope() as session:
        add_user(session, name="Мария Иванова", email="m.ivanova@agency.example", role="staff")
        set_password(session, "m.ivanova@agency.example", PASSWORD)
        add_user(session, name="Пётр Орлов", email="p.orlov@air.example", role="company_representative",
                 company_registration="7728168971")
        set_password(session, "p.orlov@air.example", PASSWORD)
    return Program(running, ids[0], ids[1], ids[2], awaiting, ids[3], fresh, "m.ivanova@agency.example",
                   "p.orlov@air.example")


def feedback_count(pilot_id: int) -> int:
    with session_scope() as session:
        return len(session.exec(select(Feedback.id).where(Feedback.pilot_id == pilot_id)).all())
