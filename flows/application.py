"""Stage 1, pilot-application: register the application, screen eligibility, catch duplicates."""

from prefect import flow, task
from sqlmodel import select

from flows.common import current_flow_run_id, guard_stage, run_origin
from models import actors
from models.db import session_scope
from models.rules.facts import ApplicationFacts
from models.rules.screening import Screening, find_duplicate, screen
from models.schemas import ActorName, ApplicationCreate
from models.service import (
    application_facts,
    get_or_404,
    next_registration_number,
    submit_application,
    transition,
)
from models.stages import CLOSED_STATUSES, Actor, Stage, Status
from models.tables import Application, Company


@task(retries=2, retry_delay_seconds=2)
def store_submission(submission: ApplicationCreate, actor: str) -> int:
    with session_scope() as session:
        return submit_application(session, submission, actor).id


@task
def load_application(application_id: int) -> tuple[ApplicationFacts, str]:
    with session_scope() as session:
        application = get_or_404(session, Application, application_id)
        company = session.get(Company, application.company_id)
        return application_facts(application), company.registration_number


@task
def screen_eligibility(facts: ApplicationFacts) -> Screening:
    return screen(facts)


@task
def detect_duplicate(application_id: int, facts: ApplicationFacts, key: str) -> int | None:
    with session_scope() as session:
        rows = session.exec(
            select(Application, Company.registration_number)
            .join(Company, Company.id == Application.company_id)
            .where(Application.id < application_id)
            .where(Application.status.not_in([*CLOSED_STATUSES, Status.SUBMITTED]))
        ).all()
        earlier = [(a.id, reg, application_facts(a)) for a, reg in rows]
    return find_duplicate(facts, key, earlier)


@task(retries=2, retry_delay_seconds=2)
def register(application_id: int, screening: Screening, duplicate_of: int | None, actor: str) -> Status:
    with session_scope() as session:
        application = get_or_404(session, Application, application_id)
        application.screening = screening.as_dict()
        if duplicate_of is not None:
            application.duplicate_of_id = duplicate_of
            status, detail = Status.DUPLICATE, f"repeats application {duplicate_of}"
        elif not screening.eligible:
            status, detail = Status.INELIGIBLE, "; ".join(screening.reasons)
        else:
            application.registration_number = next_registration_number(session, application)
            status, detail = Status.REGISTERED, f"registered as {application.registration_number}"
        transition(session, application, Stage.APPLICATION, status, actor, current_flow_run_id(), detail)
        return status


@flow(name="pilot-application", log_prints=True)
def pilot_application(
    application_id: int | None = None,
    submission: ApplicationCreate | None = None,
    actor: Actor = Actor.APPLICANT,
    requested_by: ActorName | None = None,
) -> Status:
    """Screen a stored application (`application_id`), or store and screen a new `submission`
    typed into the Prefect UI's form.

    `actor` is the role the stage table checks; `requested_by` the user who asked (the API passes it), named
    in the audit log. Without it the log names the applicant when the applicant's stored submission is
    screened (the public form starts such runs), else where the run came from (the Prefect UI, ...)."""
    if (application_id is None) == (submission is None):
        raise ValueError("give exactly one of application_id or submission")
    who = requested_by or (actors.APPLICANT if actor == Actor.APPLICANT and submission is None else run_origin())
    if submission is not None:
        application_id = store_submission(submission, who)
    guard_stage(application_id, Stage.APPLICATION, actor)
    facts, key = load_application(application_id)
    screening = screen_eligibility(facts)
    duplicate_of = detect_duplicate(application_id, facts, key)
    status = register(application_id, screening, duplicate_of, who)
    print(f"application {application_id}: {status}")
    return status
