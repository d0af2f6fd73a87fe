"""Stage 1 persistence: storing a submission, and registering it once screened."""

import numpy as np
from sqlmodel import Session, select

from models.facts import application_facts
from models.rules.application import Screening, duplicate_text
from models.rules.embedding import DIMENSIONS, embed
from models.rules.facts import ApplicationFacts
from models.schemas import ApplicationCreate
from models.stages import CLOSED_STATUSES, Stage, Status
from models.tables import Application, AuditEvent, Company
from models.transitions import transition


def company_key(registration_number: str) -> str:
    return registration_number.replace("-", "").upper()


def submit_application(session: Session, data: ApplicationCreate, actor: str) -> Application:
    """Store a submitted application (status 'submitted'); screening happens in the flow."""
    key = company_key(data.company.registration_number)
    company = session.exec(select(Company).where(Company.registration_number == key)).first()
    if company is None:
        company = Company(**data.company.model_dump(exclude={"registration_number"}), registration_number=key)
        session.add(company)
    else:  # the latest contact details win
        for field, value in data.company.model_dump(exclude={"registration_number"}).items():
            setattr(company, field, value)
    session.flush()
    application = Application(company_id=company.id, **data.model_dump(exclude={"company"}))
    session.add(application)
    session.flush()
    session.add(AuditEvent(actor=actor, application_id=application.id, to_stage=Stage.APPLICATION,
                           to_status=Status.SUBMITTED, detail="application submitted"))
    return application


def next_registration_number(session: Session, application: Application) -> str:
    return f"APP-{application.submitted_at.year}-{application.id:05d}"


def text_vector(application: Application) -> np.ndarray:
    """The stored embedding of the application's text, or one computed now (a row screened before it was stored)."""
    if application.text_vector is not None:
        return np.frombuffer(application.text_vector, dtype=np.float32)
    return embed([duplicate_text(application_facts(application))])[0]


def earlier_open_applications(session: Session, application_id: int
                              ) -> tuple[list[tuple[int, str, ApplicationFacts]], np.ndarray]:
    """The applications submitted before this one and still open: (id, company key, facts), and their embeddings,
    for the duplicate check. One submitted a moment earlier and not screened yet counts too: of two identical
    applications submitted at once, the second is the duplicate."""
    rows = session.exec(
        select(Application, Company.registration_number)
        .join(Company, Company.id == Application.company_id)
        .where(Application.id < application_id)
        .where(Application.status.not_in(CLOSED_STATUSES))
        .order_by(Application.id)
    ).all()
    vectors = np.zeros((len(rows), DIMENSIONS), dtype=np.float32)
    unembedded = [position for position, (a, _) in enumerate(rows) if a.text_vector is None]
    if unembedded:
        vectors[unembedded] = embed([duplicate_text(application_facts(rows[p][0])) for p in unembedded])
    for position, (a, _) in enumerate(rows):
        if a.text_vector is not None:
            vectors[position] = np.frombuffer(a.text_vector, dtype=np.float32)
    return [(a.id, reg, application_facts(a)) for a, reg in rows], vectors


def register_screening(session: Session, application: Application, screening: Screening, duplicate_of: int | None,
                       actor: str, flow_run_id: str | None, vector: np.ndarray | None = None) -> Status:
    """Store the screening's outcome: a duplicate, ineligible, or registered with its number; and the text's
    embedding (`vector`) for the duplicate checks to come."""
    application.screening = screening.as_dict()
    if vector is not None:
        application.text_vector = np.asarray(vector, dtype=np.float32).tobytes()
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
