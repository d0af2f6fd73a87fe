"""A pilot in progress, written straight to the database (no stage flow), for the evaluation and stats tests."""

from dataclasses import replace
from datetime import date, timedelta

from sqlmodel import select

from models.application import next_registration_number, submit_application
from models.facts import application_facts, site_facts
from models.monitoring import add_feedback, add_measurement
from models.rules.analysis import draft_for_site
from models.schemas import ApplicationCreate, FeedbackCreate, MeasurementCreate
from models.stages import Stage, Status
from models.tables import Analysis, Methodology, Pilot, Site, utcnow
from models.transitions import transition
from tests.factories import application


def piloting_application(session, *, start: date, registration_number: str = "7707083893", sector="retail-services",
                         site_code: str | None = None, contract_number: str = "PF-2027-0001") -> Pilot:
    """An application in status 'piloting' with its adopted methodology and active pilot (returned)."""
    app = submit_application(session, ApplicationCreate(**application(company_registration_number=registration_number)),
                             "applicant")
    app.registration_number = next_registration_number(session, app)
    transition(session, app, Stage.APPLICATION, Status.REGISTERED, "applicant", None)
    site = session.exec(select(Site).where(Site.code == site_code) if site_code else
                        select(Site).where(Site.sector == sector).order_by(Site.id)).first()
    analysis = Analysis(application_id=app.id, sector=sector, score=70.0)
    session.add(analysis)
    session.flush()
    # The test decides when the pilot ran, whatever the synthetic site's availability says.
    available = replace(site_facts(site), available_from=start)
    draft = draft_for_site(application_facts(app), available, sector, start, app.language)
    methodology = Methodology(
        application_id=app.id, analysis_id=analysis.id, site_id=site.id, status="adopted", adopted_by="A. Sidorova",
        adopted_at=utcnow(), duration_weeks=draft.duration_weeks, start_date=draft.start_date, end_date=draft.end_date,
        hypotheses=draft.hypotheses, kpis=draft.kpis, checkpoints=draft.checkpoints, feedback_plan=draft.feedback_plan,
        success_criteria=draft.success_criteria, stop_criteria=draft.stop_criteria)
    session.add(methodology)
    transition(session, app, Stage.ANALYSIS, Status.ANALYSED, "coordinator", None)
    session.flush()
    pilot = Pilot(application_id=app.id, methodology_id=methodology.id, site_id=site.id, company_id=app.company_id,
                  start_date=methodology.start_date, end_date=methodology.end_date, contract_number=contract_number)
    session.add(pilot)
    transition(session, app, Stage.ADOPTION, Status.PILOTING, "A. Sidorova", None)
    session.flush()
    return pilot


def measure_targets(session, pilot: Pilot, days: list[date]) -> None:
    """Every KPI of the pilot measured at its target on each of `days`."""
    for kpi in session.get(Methodology, pilot.methodology_id).kpis:
        for day in days:
            add_measurement(session, pilot, MeasurementCreate(kpi_code=kpi["code"], value=kpi["target"],
                                                              measured_at=day, source="test"))


def give_feedback(session, pilot: Pilot, ratings: list[int], comment: str | None = None) -> None:
    for rating in ratings:
        add_feedback(session, pilot, FeedbackCreate(rating=rating, nps=9 if rating >= 4 else 5, comment=comment))


def pilot_days(pilot: Pilot, count: int) -> list[date]:
    step = max((pilot.end_date - pilot.start_date).days // count, 1)
    return [pilot.start_date + timedelta(days=step * i) for i in range(count)]
