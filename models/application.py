"""Stage 1 persistence: storing a submission, and registering it once screened."""

from sqlmodel import Session, select

from models.errors import StateConflict
from models.facts import application_facts
from models.permissions import Action, Principal, Resource, Verdict, authorize
from models.rules.application import Screening
from models.rules.facts import ApplicationFacts
from models.schemas import ApplicationCreate
from models.stages import CLOSED_STATUSES, Stage, Status
from models.tables import Application, AuditEvent, Company
from models.transitions import transition


def company_key(registration_number: str) -> str:
    return registration_number.replace("-", "").upper()


COMPANY_DETAILS = ("name", "registration_number", "country", "address", "contact_email", "signatory_name",
                   "signatory_title")


def company_details(company: Company) -> dict:
    """The company's record as the documents print it, and as a contract keeps it."""
    return {field: getattr(company, field) for field in COMPANY_DETAILS}


def may_update_company(submitter: Principal | None, company: Company) -> bool:
    resource = Resource(kind="company", key=company.id, company_id=company.id)
    return submitter is not None and authorize(submitter, Action.UPDATE_COMPANY, resource) is Verdict.ALLOWED


def submit_application(session: Session, data: ApplicationCreate, actor: str,
                       submitter: Principal | None = None) -> Application:
    """Store a submitted application (status 'submitted'); screening happens in the flow.

    A new registration number creates its company. A known one's record changes only when `submitter`
    (None: anonymous) may change it: its signed-in representative or a coordinator. Anybody else's
    differing details stay on the application, flagged for a coordinator to confirm, and neither the
    record, nor the contracts, nor the company's representatives see them."""
    key = company_key(data.company.registration_number)
    submitted = {**data.company.model_dump(), "registration_number": key}
    company = session.exec(select(Company).where(Company.registration_number == key)).first()
    pending = False
    if company is None:
        company = Company(**submitted)
        session.add(company)
        session.flush()
    elif may_update_company(submitter, company):
        for field, value in submitted.items():
            setattr(company, field, value)
    else:
        pending = submitted != company_details(company)
    application = Application(company_id=company.id, submitted_company_details=submitted,
                              company_details_pending=pending, **data.model_dump(exclude={"company"}))
    session.add(application)
    session.flush()
    detail = "application submitted"
    if pending:
        detail += "; its company details differ from the company's record and await a coordinator's confirmation"
    session.add(AuditEvent(actor=actor, application_id=application.id, to_stage=Stage.APPLICATION,
                           to_status=Status.SUBMITTED, detail=detail))
    return application


def confirm_company_details(session: Session, application: Application, accept: bool, actor: str) -> None:
    """A coordinator's answer to a flagged submission: `accept` writes its details into the company's record
    (contracts already made keep the details they print); otherwise the record stands. Either way the
    application is the company's from now on."""
    if not application.company_details_pending:
        raise StateConflict(f"application {application.id}'s company details await no confirmation")
    company = session.get(Company, application.company_id)
    if accept:
        for field, value in application.submitted_company_details.items():
            setattr(company, field, value)
    application.company_details_pending = False
    session.add(AuditEvent(actor=actor, application_id=application.id, to_stage=application.stage,
                           to_status=application.status,
                           detail="submitted company details " + ("accepted into the company's record" if accept
                                                                  else "declined: the company's record stands")))


def next_registration_number(session: Session, application: Application) -> str:
    return f"APP-{application.submitted_at.year}-{application.id:05d}"


def earlier_open_applications(session: Session, application_id: int) -> list[tuple[int, str, ApplicationFacts]]:
    """The applications submitted before this one and still open: (id, company key, facts), for the duplicate check."""
    rows = session.exec(
        select(Application, Company.registration_number)
        .join(Company, Company.id == Application.company_id)
        .where(Application.id < application_id)
        .where(Application.status.not_in([*CLOSED_STATUSES, Status.SUBMITTED]))
    ).all()
    return [(a.id, reg, application_facts(a)) for a, reg in rows]


def register_screening(session: Session, application: Application, screening: Screening, duplicate_of: int | None,
                       actor: str, flow_run_id: str | None) -> Status:
    """Store the screening's outcome: a duplicate, ineligible, or registered with its number."""
    application.screening = screening.as_dict()
    if duplicate_of is not None:
        application.duplicate_of_id = duplicate_of
        status, detail = Status.DUPLICATE, f"repeats application {duplicate_of}"
    elif not screening.eligible:
        status, detail = Status.INELIGIBLE, "; ".join(screening.reasons)
    else:
        application.registration_number = next_registration_number(session, application)
        status, detail = Status.REGISTERED, f"registered as {application.registration_number}"
    transition(session, application, Stage.APPLICATION, status, actor, flow_run_id, detail)
    return status
