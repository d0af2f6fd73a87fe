"""Stage 4's sweep of one batch of active pilots: SQL aggregation, the pure rules, one write.

The pilot-monitoring flow runs `monitor_batch` in one task per batch, and bench/monitoring.py times the
same function. The database aggregates (the latest value per pilot and KPI, feedback counts and sums per
pilot), so Python sees one row per pilot and KPI and one per pilot, never the measurements or answers
themselves: memory grows with the batch size, not with the data.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, and_, bindparam, case, delete, func, insert, select
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from models.db import get_required
from models.errors import InvalidInput
from models.rules.monitoring import (
    FEEDBACK_FREQUENCY_DAYS,
    MIDPOINT_DUE,
    SEVERITY_ORDER,
    FeedbackSoFar,
    MeasuredValue,
    PilotPlan,
    evaluate_checkpoint,
    midpoint_date,
    midpoint_review_description,
    new_signals,
)
from models.rules.statistics import DETRACTOR_MAX_SCORE, PROMOTER_MIN_SCORE, SATISFIED_MIN_RATING, sus_score
from models.rules.timeline import Timeline, measurement_refusal
from models.schemas import FeedbackCreate, MeasurementCreate, MidpointDecision
from models.settings import get_settings, local_date
from models.stages import PilotStatus, ReviewStatus, Stage, Status
from models.tables import Application, Checkpoint, Feedback, Measurement, Methodology, MidpointReview, Pilot, utcnow
from models.transitions import transition


def pilot_timeline(pilot: Pilot, methodology: Methodology) -> Timeline:
    return Timeline(pilot.start_date, pilot.end_date, methodology.baseline_days)


def add_measurement(session: Session, pilot: Pilot, data: MeasurementCreate) -> Measurement:
    """Store a measurement of one of the methodology's KPIs dated in one of the pilot's windows (T0, the pilot
    phase, after it); InvalidInput names the windows when it falls in none."""
    methodology = session.get(Methodology, pilot.methodology_id)
    kpis = [k["code"] for k in methodology.kpis]
    if data.kpi_code not in kpis:
        raise InvalidInput(f"kpi_code '{data.kpi_code}' is not a KPI of this pilot's methodology: {kpis}")
    refusal = measurement_refusal(pilot_timeline(pilot, methodology), data.measured_at)
    if refusal:
        raise InvalidInput(refusal)
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
                 repeat_window: timedelta | None = None, answered_on: date | None = None) -> Feedback:
    """Store an answer (for the pilot, or the pilot of that id) with its SUS score, given now or, for a paper
    questionnaire, on `answered_on` (at noon in the program's time zone); with `client_hash` and `repeat_window`,
    refuse a repeat from the same client within the window (RepeatedFeedback)."""
    pilot_id = pilot if isinstance(pilot, int) else pilot.id
    if client_hash and repeat_window:
        session.flush()  # as an ORM query would (autoflush); nothing to do, and no I/O, when nothing is pending
        if pilot_id in session.connection().execute(_RECENT_ANSWERS_OF_CLIENT, {
                "client_hash": client_hash, "since": utcnow() - repeat_window}).scalars().all():
            raise RepeatedFeedback(f"an answer from this device was received less than "
                                   f"{repeat_window.total_seconds() / 60:g} minutes ago")
    row = Feedback(pilot_id=pilot_id, **data.model_dump(include=set(FeedbackCreate.model_fields)),
                   client_hash=client_hash, sus_score=sus_score(data.sus) if data.sus else None)
    if answered_on is not None:
        row.created_at = datetime.combine(answered_on, time(12), ZoneInfo(get_settings().timezone)).astimezone(UTC)
    session.add(row)
    return row


@dataclass(frozen=True)
class PilotEvent:
    """A Prefect event to emit once the batch is committed; the pilot is its resource."""

    event: str
    pilot_id: int
    contract_number: str
    severity: str
    as_of: date
    details: dict


@dataclass(frozen=True)
class BatchOutcome:
    summaries: list[dict]  # one row per pilot for the run's table artifact
    events: list[PilotEvent]


def active_pilot_ids(session: Session) -> list[int]:
    """Only pilots that are running: not stopped, not completed, not waiting for anything else."""
    return list(session.execute(select(Pilot.id).where(Pilot.status == PilotStatus.ACTIVE).order_by(Pilot.id)).scalars())


def end_of_day_utc(day: date) -> datetime:
    """The first instant after `day` in the program's time zone: feedback 'so far' on that day is before it."""
    zone = ZoneInfo(get_settings().timezone)
    return datetime.combine(day + timedelta(days=1), time(), zone)


def latest_measurements_query(pilot_ids: Sequence[int], as_of: date) -> Select:
    """Each pilot's latest value of each KPI measured up to `as_of` (one row per pilot and KPI)."""
    ranked = select(
        Measurement.pilot_id, Measurement.kpi_code, Measurement.value, Measurement.measured_at,
        func.row_number().over(
            partition_by=(Measurement.pilot_id, Measurement.kpi_code),
            order_by=(col(Measurement.measured_at).desc(), col(Measurement.id).desc()),
        ).label("recency"),
    ).where(col(Measurement.pilot_id).in_(pilot_ids), Measurement.measured_at <= as_of).subquery()
    return select(ranked.c.pilot_id, ranked.c.kpi_code, ranked.c.value, ranked.c.measured_at).where(
        ranked.c.recency == 1)


def _count_where(condition) -> object:
    return func.sum(case((condition, 1), else_=0))


def feedback_aggregates_query(pilot_ids: Sequence[int], until: datetime) -> Select:
    """Per pilot: answers, satisfied (4-5), rating sum, NPS answers, promoters, detractors, SUS answers and sum,
    and the last answer's time, over the answers given before `until`."""
    return select(
        Feedback.pilot_id, func.count(), _count_where(Feedback.rating >= SATISFIED_MIN_RATING),
        func.sum(Feedback.rating), func.count(Feedback.nps), _count_where(Feedback.nps >= PROMOTER_MIN_SCORE),
        _count_where(Feedback.nps <= DETRACTOR_MAX_SCORE), func.count(Feedback.sus_score),
        func.sum(Feedback.sus_score), func.max(Feedback.created_at),
    ).where(col(Feedback.pilot_id).in_(pilot_ids), Feedback.created_at < until).group_by(Feedback.pilot_id)


def previous_signals_query(pilot_ids: Sequence[int], as_of: date) -> Select:
    """Each pilot's signals at its last checkpoint before `as_of`."""
    last = select(Checkpoint.pilot_id, func.max(Checkpoint.as_of).label("as_of")).where(
        col(Checkpoint.pilot_id).in_(pilot_ids), Checkpoint.as_of < as_of).group_by(Checkpoint.pilot_id).subquery()
    return select(Checkpoint.pilot_id, Checkpoint.signals).join(
        last, and_(Checkpoint.pilot_id == last.c.pilot_id, Checkpoint.as_of == last.c.as_of))


def plans_query(pilot_ids: Sequence[int]) -> Select:
    return select(
        Pilot.id, Pilot.contract_number, Pilot.start_date, Pilot.end_date, Methodology.kpis,
        Methodology.checkpoints, Methodology.feedback_plan, MidpointReview.status, MidpointReview.requested_at,
    ).join(Methodology, Methodology.id == Pilot.methodology_id).outerjoin(
        MidpointReview, MidpointReview.pilot_id == Pilot.id,
    ).where(col(Pilot.id).in_(pilot_ids), Pilot.status == PilotStatus.ACTIVE).order_by(Pilot.id)


def load_latest(connection: Connection, pilot_ids: Sequence[int], as_of: date) -> dict[int, dict[str, MeasuredValue]]:
    latest: dict[int, dict[str, MeasuredValue]] = {pilot_id: {} for pilot_id in pilot_ids}
    for pilot_id, code, value, measured_at in connection.execute(latest_measurements_query(pilot_ids, as_of)).all():
        latest[pilot_id][code] = (value, measured_at)
    return latest


def load_feedback(connection: Connection, pilot_ids: Sequence[int], as_of: date) -> dict[int, FeedbackSoFar]:
    feedback = {}
    for row in connection.execute(feedback_aggregates_query(pilot_ids, end_of_day_utc(as_of))):
        pilot_id, n, satisfied, rating_sum, nps_n, promoters, detractors, sus_n, sus_sum, last = row
        feedback[pilot_id] = FeedbackSoFar(n, satisfied, rating_sum, nps_n, promoters, detractors, sus_n,
                                           sus_sum or 0.0, local_date(last))
    return feedback


def midpoint_review_due(plan: PilotPlan, review_status: str | None, requested_at: datetime | None,
                        as_of: date) -> bool:
    """The midpoint has come and nobody is deciding: no review yet, or one left unanswered past its timeout."""
    midpoint = midpoint_date(plan.calendar)
    if midpoint is None or midpoint > as_of:
        return False
    return review_status is None or (review_status == "awaiting" and review_expired(requested_at))


def review_expired(requested_at: datetime) -> bool:
    """A midpoint review left unanswered this long is asked again."""
    return requested_at < utcnow() - timedelta(days=get_settings().midpoint_review_timeout_days)


def monitor_batch(session: Session, pilot_ids: Sequence[int], as_of: date, flow_run_id: str | None) -> BatchOutcome:
    """Record the `as_of` checkpoint of each active pilot in `pilot_ids`, replacing that day's earlier record.

    Returns a summary per pilot and the events to emit: deviations new since each pilot's previous
    checkpoint, and midpoint reviews that are due.
    """
    connection = session.connection()  # Core rows: the ORM would only add work per row
    latest = load_latest(connection, pilot_ids, as_of)
    feedback = load_feedback(connection, pilot_ids, as_of)
    previous = dict(connection.execute(previous_signals_query(pilot_ids, as_of)).all())
    no_feedback = FeedbackSoFar()
    records, summaries, events = [], [], []
    created_at = utcnow()
    for (pilot_id, contract, start, end, kpis, calendar, feedback_plan, review_status,
         requested_at) in connection.execute(plans_query(pilot_ids)):
        plan = PilotPlan(start, end, kpis, calendar,
                         feedback_plan.get("frequency_days", FEEDBACK_FREQUENCY_DAYS))
        result = evaluate_checkpoint(plan, latest[pilot_id], feedback.get(pilot_id, no_feedback), as_of)
        records.append({
            "pilot_id": pilot_id, "as_of": as_of, "kind": result["kind"], "kpi_results": result["kpi_results"],
            "feedback_summary": result["feedback_summary"], "deviations": result["deviations"],
            "severity": result["severity"], "timeline": result["timeline"], "signals": result["signals"],
            "flow_run_id": flow_run_id, "created_at": created_at,
        })
        for event, signal in new_signals(result["signals"], previous.get(pilot_id) or {}).items():
            events.append(PilotEvent(event, pilot_id, contract, signal["severity"], as_of, signal))
        if midpoint_review_due(plan, review_status, requested_at, as_of):
            events.append(PilotEvent(MIDPOINT_DUE, pilot_id, contract, "info", as_of,
                                     {"midpoint": midpoint_date(plan.calendar).isoformat()}))
        summaries.append({
            "pilot": pilot_id, "contract": contract, "severity": result["severity"],
            "days_left": result["timeline"]["days_left"],
            "overdue_checkpoints": len(result["timeline"]["overdue_checkpoints"]),
            "respondents": result["feedback_summary"]["respondents"], "deviations": len(result["deviations"]),
        })
    if records:
        recorded = [record["pilot_id"] for record in records]
        connection.execute(delete(Checkpoint).where(col(Checkpoint.pilot_id).in_(recorded), Checkpoint.as_of == as_of))
        connection.execute(insert(Checkpoint), records)
    return BatchOutcome(summaries, events)


def worst_first(summaries: list[dict]) -> list[dict]:
    return sorted(summaries, key=lambda s: (SEVERITY_ORDER[s["severity"]], -s["deviations"], s["pilot"]))


def claim_review(session: Session, pilot_id: int, run_id: str | None) -> dict | None:
    """Make `run_id` the run that waits for the pilot's midpoint decision, and return its form's coordinator and
    description; None when the pilot is not active, the decision is taken, or another run waits for it already
    (IntegrityError when a concurrent run creates the review first)."""
    pilot = get_required(session, Pilot, pilot_id)
    if pilot.status != PilotStatus.ACTIVE:
        return None
    review = session.exec(orm_select(MidpointReview).where(MidpointReview.pilot_id == pilot_id)).first()
    if review is None:
        review = MidpointReview(pilot_id=pilot_id, flow_run_id=run_id)
    elif review.status == ReviewStatus.DECIDED:
        return None
    elif review.flow_run_id != run_id:
        if not review_expired(review.requested_at):
            return None
        review.flow_run_id, review.requested_at = run_id, utcnow()  # the earlier request expired
    session.add(review)
    methodology = session.get(Methodology, pilot.methodology_id)
    checkpoint = session.exec(orm_select(Checkpoint).where(Checkpoint.pilot_id == pilot_id)
                              .order_by(Checkpoint.as_of.desc())).first()
    return {"coordinator": methodology.adopted_by or "coordinator",
            "description": midpoint_review_description(
                pilot.contract_number, checkpoint.model_dump(mode="json") if checkpoint else None)}


def record_review_decision(session: Session, pilot_id: int, decision: MidpointDecision, decided_by: str,
                           run_id: str | None) -> None:
    """Store the midpoint decision, audited as done by `decided_by` (the coordinator's name goes in the detail);
    'stop' ends the pilot's monitoring and data collection."""
    review = session.exec(orm_select(MidpointReview).where(MidpointReview.pilot_id == pilot_id)).one()
    review.status, review.decision, review.decided_at = ReviewStatus.DECIDED, decision.decision, utcnow()
    review.coordinator, review.comment = decision.coordinator, decision.comment
    session.add(review)
    pilot = session.get(Pilot, pilot_id)
    if decision.decision == "stop":
        pilot.status = PilotStatus.STOPPED
        session.add(pilot)
    detail = f"midpoint decision for pilot {pilot.contract_number}: {decision.decision} by {decision.coordinator}"
    transition(session, session.get(Application, pilot.application_id), Stage.MONITORING, Status.PILOTING,
               decided_by, run_id, detail + (f": {decision.comment}" if decision.comment else ""))
