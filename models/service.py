"""Persistence operations shared by the flows and the API: one place for each state change."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from models.catalog import load_sectors, load_sites
from models.rules.facts import ApplicationFacts, SiteFacts
from models.rules.statistics import sus_score
from models.schemas import ApplicationCreate, FeedbackCreate, MeasurementCreate
from models.settings import get_settings
from models.stages import Actor, Stage, StageSpec, Status, check_can_start, check_outcome
from models.tables import (
    Application,
    AuditEvent,
    Company,
    Feedback,
    Measurement,
    Methodology,
    Pilot,
    Sector,
    Site,
    StageRun,
    utcnow,
)


class NotFound(Exception):
    def __init__(self, what: str, key: object):
        super().__init__(f"{what} {key} not found")


class InvalidInput(ValueError):
    """Well-formed input that the domain's rules refuse (the API answers 422 with the message)."""


def get_or_404(session: Session, model: type, key: object):
    row = session.get(model, key)
    if row is None:
        raise NotFound(model.__name__.lower(), key)
    return row


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


def check_stage_start(session: Session, application_id: int, stage: Stage, actor: Actor) -> StageSpec:
    """Raise NotFound or StageNotAllowed unless `actor` may start `stage` for the application now."""
    application = get_or_404(session, Application, application_id)
    return check_can_start(stage, application.status, actor)


def transition(
    session: Session,
    application: Application,
    stage: Stage,
    to_status: Status,
    actor: str,
    flow_run_id: str | None,
    detail: str | None = None,
) -> None:
    """Move the application to `to_status` as the outcome of `stage`, and append the audit event."""
    check_outcome(stage, to_status)
    session.add(AuditEvent(
        actor=actor, application_id=application.id, from_stage=application.stage, to_stage=stage,
        from_status=application.status, to_status=to_status, flow_run_id=flow_run_id, detail=detail,
    ))
    application.status = to_status
    application.stage = stage
    application.updated_at = utcnow()
    session.add(application)


def record_stage_run(session: Session, application_id: int, stage: Stage, flow_run_id: str, actor: str) -> None:
    if session.exec(select(StageRun).where(StageRun.flow_run_id == flow_run_id)).first() is None:
        session.add(StageRun(application_id=application_id, stage=stage, flow_run_id=flow_run_id,
                             requested_by=actor))


def application_facts(application: Application) -> ApplicationFacts:
    return ApplicationFacts(
        title=application.title, description=application.description, trl=application.trl,
        target_users=application.target_users, wants_to_test=application.wants_to_test,
        sector=application.sector, setting=application.setting, needs_power=application.needs_power,
        needs_network=application.needs_network, handles_personal_data=application.handles_personal_data,
        certificates=tuple(application.certificates), desired_start=application.desired_start,
        entity_type=application.entity_type, personal_data_handling=application.personal_data_handling,
        impact_evidence=application.impact_evidence, novelty=application.novelty, team_size=application.team_size,
        team_experience_years=application.team_experience_years, route_to_purchase=application.route_to_purchase,
    )


SITE_OCCUPYING_STATUSES = ("contracting", "active")  # a pilot holds its slot at the site from approval to its end


def active_pilot_ends(session: Session) -> dict[int, tuple[date, ...]]:
    """Site id -> end dates of the pilots holding a slot there, so matching knows when one frees up."""
    ends: dict[int, list[date]] = defaultdict(list)
    rows = session.exec(select(Pilot.site_id, Pilot.end_date).where(Pilot.status.in_(SITE_OCCUPYING_STATUSES)))
    for site_id, end_date in rows:
        ends[site_id].append(end_date)
    return {site_id: tuple(sorted(dates)) for site_id, dates in ends.items()}


def site_facts(site: Site, active_pilot_ends: tuple[date, ...] = ()) -> SiteFacts:
    return SiteFacts(
        id=site.id, code=site.code, name=site.name_en, name_ru=site.name_ru, sector=site.sector,
        allowed_sectors=tuple(site.allowed_sectors), need=f"{site.need_en} {site.need_ru}",
        setting=site.setting, has_power=site.has_power, has_network=site.has_network,
        capacity=site.capacity, available_from=site.available_from,
        daily_visitors=site.daily_visitors, active_pilot_ends=active_pilot_ends,
    )


def catalog_facts(session: Session) -> list[SiteFacts]:
    ends = active_pilot_ends(session)
    return [site_facts(s, ends.get(s.id, ())) for s in session.exec(select(Site).order_by(Site.id))]


def add_measurement(session: Session, pilot: Pilot, data: MeasurementCreate) -> Measurement:
    kpis = [k["code"] for k in session.get(Methodology, pilot.methodology_id).kpis]
    if data.kpi_code not in kpis:
        raise InvalidInput(f"kpi_code '{data.kpi_code}' is not a KPI of this pilot's methodology: {kpis}")
    row = Measurement(pilot_id=pilot.id, **data.model_dump())
    session.add(row)
    return row


class RepeatedFeedback(Exception):
    """The same client answered for this pilot moments ago (the API answers 429)."""


# The pilots a client (its hash) answered for since a moment: built once, not per answer. Looked up by the
# hash alone, whose index finds a handful of rows; with the pilot in the query, SQLite (no statistics) took
# the (pilot_id, created_at) index instead and read every answer of the pilot within the window.
_RECENT_ANSWERS_OF_CLIENT = select(Feedback.pilot_id).where(Feedback.client_hash == bindparam("client_hash"),
                                                            Feedback.created_at >= bindparam("since"))


def add_feedback(session: Session, pilot: Pilot | int, data: FeedbackCreate, client_hash: str | None = None,
                 repeat_window: timedelta | None = None) -> Feedback:
    """Store an answer (for the pilot, or the pilot of that id) with its SUS score; with `client_hash` and
    `repeat_window`, refuse a repeat from the same client within the window (RepeatedFeedback)."""
    pilot_id = pilot if isinstance(pilot, int) else pilot.id
    if client_hash and repeat_window:
        session.flush()  # as an ORM query would (autoflush); nothing to do, and no I/O, when nothing is pending
        if pilot_id in session.connection().execute(_RECENT_ANSWERS_OF_CLIENT, {
                "client_hash": client_hash, "since": utcnow() - repeat_window}).scalars().all():
            raise RepeatedFeedback(f"an answer from this device was received less than "
                                   f"{repeat_window.total_seconds() / 60:g} minutes ago")
    row = Feedback(pilot_id=pilot_id, **data.model_dump(), client_hash=client_hash,
                   sus_score=sus_score(data.sus) if data.sus else None)
    session.add(row)
    return row


def next_contract_number(session: Session, day: date) -> str:
    """A readable sequence per year: PF-2026-0001, PF-2026-0002, ..."""
    prefix = f"PF-{day.year}-"
    count = session.exec(select(func.count()).select_from(Pilot).where(Pilot.contract_number.startswith(prefix))).one()
    return f"{prefix}{count + 1:04d}"


def next_registration_number(session: Session, application: Application) -> str:
    return f"APP-{application.submitted_at.year}-{application.id:05d}"


# Site columns added after sites were first seeded (migration 0003 leaves them empty on the rows already there).
SITE_FIELDS_ADDED_LATER = ("owner_name_en", "signatory_name_en", "signatory_title_en")


def seed_catalog(session: Session) -> int:
    """Insert the sectors and the synthetic site catalog; existing rows are left as they are, except that a
    stored site gets the catalog's value for a field added later that it holds empty."""
    for sector in load_sectors():
        if session.get(Sector, sector.slug) is None:
            session.add(Sector(slug=sector.slug, name_en=sector.name_en, name_ru=sector.name_ru))
    session.flush()
    known = {site.code: site for site in session.exec(select(Site)).all()}
    added = 0
    for seed in load_sites():
        site = known.get(seed.code)
        if site is None:
            session.add(Site(**seed.model_dump()))
            added += 1
        else:
            for field in SITE_FIELDS_ADDED_LATER:
                if not getattr(site, field):
                    setattr(site, field, getattr(seed, field))
    return added


def latest_draft(session: Session, application_id: int) -> Methodology | None:
    return session.exec(
        select(Methodology).where(Methodology.application_id == application_id, Methodology.status == "draft")
        .order_by(Methodology.id.desc())
    ).first()
