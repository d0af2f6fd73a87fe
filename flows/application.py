"""Stage 1, pilot-application: register the application, screen eligibility, catch duplicates."""

from prefect import flow, task

from flows.common import current_flow_run_id, guard_stage, run_origin
from models import actors
from models.application import earlier_open_applications, register_screening, submit_application
from models.db import get_required, session_scope
from models.facts import application_facts
from models.rules.application import Screening, find_duplicate, screen
from models.rules.facts import ApplicationFacts
from models.schemas import ActorName, ApplicationCreate
from models.stages import Actor, Stage, Status
from models.tables import Application, Company


@task(retries=2, retry_delay_seconds=2)
def store_submission(submission: ApplicationCreate, actor: str) -> int:
    with session_scope() as session:
        return submit_application(session, submission, actor).id


@task
def load_application(application_id: int) -> tuple[ApplicationFacts, str]:
    with session_scope() as session:
        application = get_required(session, Application, application_id)
        company = session.get(Company, application.company_id)
        return application_facts(application), company.registration_number


@task
def screen_eligibility(facts: ApplicationFacts) -> Screening:
    return screen(facts)


@task
def detect_duplicate(application_id: int, facts: ApplicationFacts, key: str) -> int | None:
    with session_scope() as session:
        earlier = earlier_open_applications(session, application_id)
    return find_duplicate(facts, key, earlier)


@task(retries=2, retry_delay_seconds=2)
def register(application_id: int, screening: Screening, duplicate_of: int | None, actor: str) -> Status:
    with session_scope() as session:
        application = get_required(session, Application, application_id)
        return register_screening(session, application, screening, duplicate_of, actor, current_flow_run_id())


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
