"""The program's figures for the dashboard, its artifact and the quarterly report: SQL aggregates only,
so they stay fast over tens of thousands of applications (no row is loaded into Python)."""

from datetime import UTC, date, datetime

from pydantic import BaseModel
from sqlalchemy import DateTime, Float, case, cast, func
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, select

from models.stages import PilotStatus, Status
from models.tables import Analysis, Application, AuditEvent, Feedback, Pilot, Sector, Site

TOP_SITES = 10


class Count(BaseModel):
    key: str
    label_en: str
    label_ru: str
    count: int


class CycleTime(BaseModel):
    count: int
    average_days: float | None
    longest_days: float | None


class ProgramStats(BaseModel):
    as_of: datetime
    applications: int
    by_sector: list[Count]
    by_month: list[Count]
    by_stage: list[Count]
    by_status: list[Count]
    reached_pilot: int
    reached_pilot_share: float | None
    pilots_active: int
    pilots_completed: int
    rolled_out: int
    rolled_out_share: float | None
    recommendations: list[Count]
    cycle: CycleTime  # from the application to the analytical report
    pilot_duration: CycleTime  # from the pilot's start to the analytical report
    feedback_responses: int
    sites: list[Count]


class QuarterStats(BaseModel):
    year: int
    quarter: int
    start: date
    end: date  # exclusive
    applications: int
    by_sector: list[Count]
    pilots_started: int
    pilots_completed: int
    rolled_out: int
    feedback_responses: int


def _days_between(session: Session, later: ColumnElement, earlier: ColumnElement) -> ColumnElement:
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - cast(earlier, DateTime)) / 86400.0


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _counts(rows, labels: dict[str, tuple[str, str]] | None = None) -> list[Count]:
    labels = labels or {}
    result = []
    for key, count in rows:
        key = "—" if key is None else str(key)
        en, ru = labels.get(key, (key, key))
        result.append(Count(key=key, label_en=en, label_ru=ru, count=count))
    return result


def _cycle(session: Session, start: ColumnElement, joins) -> CycleTime:
    """Days from `start` to the application's 'evaluated' audit event; none below zero (a pilot evaluated before
    its start took no pilot days)."""
    between = _days_between(session, AuditEvent.at, start)
    days = case((between < 0, 0.0), else_=between)
    query = select(func.count(), func.avg(cast(days, Float)), func.max(cast(days, Float))).select_from(AuditEvent)
    for target, condition in joins:
        query = query.join(target, condition)
    count, average, longest = session.exec(query.where(AuditEvent.to_status == Status.EVALUATED)).one()
    return CycleTime(count=count, average_days=average, longest_days=longest)


def application_sector() -> ColumnElement:
    """The declared sector, else the one the latest analysis settled on."""
    analysed = (select(Analysis.sector).where(Analysis.application_id == Application.id)
                .order_by(Analysis.id.desc()).limit(1).scalar_subquery())
    return func.coalesce(Application.sector, analysed)


def sector_labels(session: Session) -> dict[str, tuple[str, str]]:
    return {slug: (en, ru) for slug, en, ru in session.exec(select(Sector.slug, Sector.name_en, Sector.name_ru))}


def program_stats(session: Session) -> ProgramStats:
    sectors = sector_labels(session)
    applications = session.exec(select(func.count()).select_from(Application)).one()
    sector = application_sector().label("sector")
    by_sector = session.exec(select(sector, func.count()).group_by(sector).order_by(func.count().desc(), sector)).all()
    year, month = func.extract("year", Application.submitted_at), func.extract("month", Application.submitted_at)
    by_month = session.exec(select(year, month, func.count()).group_by(year, month).order_by(year, month)).all()
    by_stage = session.exec(select(Application.stage, func.count()).group_by(Application.stage)
                            .order_by(Application.stage)).all()
    by_status = session.exec(select(Application.status, func.count()).group_by(Application.status)
                             .order_by(Application.status)).all()
    pilots = dict(session.exec(select(Pilot.status, func.count()).group_by(Pilot.status)).all())
    recommendations = session.exec(select(Pilot.recommendation, func.count()).where(Pilot.recommendation.is_not(None))
                                   .group_by(Pilot.recommendation).order_by(Pilot.recommendation)).all()
    evaluated = sum(count for _, count in recommendations)
    rolled_out = dict(recommendations).get("roll_out", 0)
    reached = sum(pilots.values())
    site_name_en, site_name_ru = Site.name_en, Site.name_ru
    used = session.exec(select(Site.code, site_name_en, site_name_ru, func.count(Pilot.id)).join(Pilot, Pilot.site_id == Site.id)
                        .group_by(Site.code, site_name_en, site_name_ru)
                        .order_by(func.count(Pilot.id).desc(), Site.code).limit(TOP_SITES)).all()
    return ProgramStats(
        as_of=datetime.now(UTC),
        applications=applications,
        by_sector=_counts(by_sector, sectors),
        by_month=[Count(key=f"{int(y)}-{int(m):02d}", label_en=f"{int(y)}-{int(m):02d}",
                        label_ru=f"{int(m):02d}.{int(y)}", count=c) for y, m, c in by_month],
        by_stage=_counts(by_stage),
        by_status=_counts(by_status),
        reached_pilot=reached,
        reached_pilot_share=_share(reached, applications),
        pilots_active=pilots.get(PilotStatus.ACTIVE, 0),
        pilots_completed=pilots.get(PilotStatus.COMPLETED, 0),
        rolled_out=rolled_out,
        rolled_out_share=_share(rolled_out, evaluated),
        recommendations=_counts(recommendations),
        cycle=_cycle(session, Application.submitted_at, [(Application, Application.id == AuditEvent.application_id)]),
        pilot_duration=_cycle(session, Pilot.start_date, [(Pilot, Pilot.application_id == AuditEvent.application_id)]),
        feedback_responses=session.exec(select(func.count()).select_from(Feedback)).one(),
        sites=[Count(key=code, label_en=en, label_ru=ru, count=count) for code, en, ru, count in used],
    )


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    if not 1 <= quarter <= 4:
        raise ValueError("quarter must be 1-4")
    start = date(year, 3 * quarter - 2, 1)
    return start, date(year + quarter // 4, 3 * quarter % 12 + 1, 1)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_stats(session: Session, year: int, quarter: int) -> QuarterStats:
    """What happened within one calendar quarter (UTC timestamps, Moscow calendar dates for pilots)."""
    start, end = quarter_bounds(year, quarter)
    since, until = datetime(start.year, start.month, 1, tzinfo=UTC), datetime(end.year, end.month, 1, tzinfo=UTC)
    received = (Application.submitted_at >= since) & (Application.submitted_at < until)
    sector = application_sector().label("sector")
    by_sector = session.exec(select(sector, func.count()).where(received).group_by(sector)
                             .order_by(func.count().desc(), sector)).all()
    evaluated = session.exec(
        select(func.count(), func.coalesce(func.sum(case((Pilot.recommendation == "roll_out", 1), else_=0)), 0))
        .select_from(AuditEvent).join(Pilot, Pilot.application_id == AuditEvent.application_id)
        .where(AuditEvent.to_status == Status.EVALUATED, AuditEvent.at >= since, AuditEvent.at < until)).one()
    return QuarterStats(
        year=year, quarter=quarter, start=start, end=end,
        applications=sum(count for _, count in by_sector),
        by_sector=_counts(by_sector, sector_labels(session)),
        pilots_started=session.exec(select(func.count()).select_from(Pilot)
                                    .where(Pilot.start_date >= start, Pilot.start_date < end)).one(),
        pilots_completed=evaluated[0],
        rolled_out=int(evaluated[1]),
        feedback_responses=session.exec(select(func.count()).select_from(Feedback)
                                        .where(Feedback.created_at >= since, Feedback.created_at < until)).one(),
    )
