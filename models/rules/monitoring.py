"""Stage 4: compare what a pilot measured and heard so far with its methodology's targets and calendar."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from models.rules.methodology import MIN_SATISFIED_SHARE
from models.rules.statistics import (
    DETRACTOR_MAX_SCORE, PROMOTER_MIN_SCORE, SATISFIED_MIN_RATING, nps_from_counts,
)

ON_TRACK_TOLERANCE = 0.25  # progress may lag the elapsed share of the pilot by this much
GAP_FACTOR = 1.5  # a KPI unmeasured for 1.5x its frequency is a data gap
FEEDBACK_FREQUENCY_DAYS = 7  # citizens' answers are expected weekly unless the feedback plan says otherwise
CHECKPOINT_WINDOW_DAYS = 3  # a measurement up to 3 days before a calendar checkpoint counts for it
CHECKPOINT_GRACE_DAYS = 3  # the site may deliver a checkpoint's data up to 3 days after its date
OVERDUE_CRITICAL_DAYS = 14  # a checkpoint still missing data this long after its grace is critical
MIN_RESPONDENTS_FOR_SATISFACTION = 10  # fewer answers say nothing about the share of satisfied citizens

# The Prefect events a deviation becomes (the pilot is the event's resource).
KPI_OFF_TRACK = "pilot.kpi.off-track"
KPI_AT_RISK = "pilot.kpi.at-risk"
DATA_GAP = "pilot.data.gap"
CHECKPOINT_OVERDUE = "pilot.checkpoint.overdue"
FEEDBACK_LOW = "pilot.feedback.low"
MIDPOINT_DUE = "pilot.midpoint.due"  # not a deviation: asks pilot-midpoint-review for the coordinator's decision
SEVERITY_ORDER = {"critical": 0, "warning": 1, "ok": 2}


# A KPI's latest (value, measured_at): a plain tuple, as the sweep makes one per pilot and KPI.
MeasuredValue = tuple[float, date]


@dataclass(frozen=True)
class FeedbackSoFar:
    """One pilot's citizen answers as counts and sums: what an SQL aggregation returns."""

    respondents: int = 0
    satisfied: int = 0  # ratings 4-5
    rating_sum: int = 0
    nps_respondents: int = 0
    promoters: int = 0
    detractors: int = 0
    sus_respondents: int = 0
    sus_sum: float = 0.0
    last_answer: date | None = None

    @classmethod
    def of_answers(cls, ratings: Sequence[int], nps_scores: Sequence[int] = (),
                   sus_scores: Sequence[float] = (), last_answer: date | None = None) -> "FeedbackSoFar":
        return cls(
            respondents=len(ratings), satisfied=sum(1 for r in ratings if r >= SATISFIED_MIN_RATING),
            rating_sum=sum(ratings), nps_respondents=len(nps_scores),
            promoters=sum(1 for s in nps_scores if s >= PROMOTER_MIN_SCORE),
            detractors=sum(1 for s in nps_scores if s <= DETRACTOR_MAX_SCORE),
            sus_respondents=len(sus_scores), sus_sum=float(sum(sus_scores)), last_answer=last_answer,
        )

    @property
    def csat_share(self) -> float | None:
        return self.satisfied / self.respondents if self.respondents else None


@dataclass(frozen=True)
class PilotPlan:
    """What a checkpoint is measured against: the adopted methodology's dates, KPIs and calendar."""

    start: date
    end: date
    kpis: Sequence[dict]
    calendar: Sequence[dict]  # [{"number", "date" (ISO), "kind"}]
    feedback_frequency_days: int = FEEDBACK_FREQUENCY_DAYS


def progress(kpi: dict, value: float) -> float:
    """Share of the way from baseline to target (1 = target reached, < 0 = worse than baseline)."""
    span = kpi["target"] - kpi["baseline"]
    if not span:
        # A target equal to its baseline (only holding the line): reached unless worse than the baseline.
        better = value <= kpi["baseline"] if kpi.get("direction") == "decrease" else value >= kpi["baseline"]
        return 1.0 if better else -1.0
    return (value - kpi["baseline"]) / span


def target_met(kpi: dict, value: float) -> bool:
    return progress(kpi, value) >= 1.0


def classify_kpi(kpi: dict, latest: MeasuredValue | None, elapsed: float, as_of: date, start: date) -> dict:
    """One KPI's verdict: on_track, at_risk, off_track or no_data, and whether its data is overdue (gap).

    on track: the target is reached, or progress lags the elapsed share of the pilot by at most 25 points;
    at risk: behind that, but not worse than the baseline; off track: worse than the baseline.
    """
    allowed_days = kpi["frequency_days"] * GAP_FACTOR
    if latest is None:
        return {"code": kpi["code"], "status": "no_data", "value": None, "measured_at": None, "progress": None,
                "gap": (as_of - start).days > allowed_days}
    value, measured_at = latest
    share = progress(kpi, value)
    if share >= 1.0 or share >= elapsed - ON_TRACK_TOLERANCE:
        status = "on_track"
    elif share >= 0:
        status = "at_risk"
    else:
        status = "off_track"
    # measured_at stays a date: the JSON column writes it as ISO text
    return {"code": kpi["code"], "status": status, "value": value, "measured_at": measured_at,
            "progress": round(share, 3), "gap": (as_of - measured_at).days > allowed_days}


def rating_summary(feedback: FeedbackSoFar) -> dict:
    share = feedback.csat_share
    return {
        "respondents": feedback.respondents,
        "mean_rating": round(feedback.rating_sum / feedback.respondents, 2) if feedback.respondents else None,
        "csat_share": round(share, 3) if share is not None else None,
    }


def summarise_feedback(ratings: Sequence[int]) -> dict:
    """Respondents, mean rating and CSAT share of a list of ratings (what the report prints)."""
    return rating_summary(FeedbackSoFar.of_answers(ratings))


def feedback_summary(feedback: FeedbackSoFar) -> dict:
    """Feedback so far: n, mean rating, CSAT share (4-5), NPS, SUS mean, and the day of the last answer."""
    score = nps_from_counts(feedback.promoters, feedback.detractors, feedback.nps_respondents)
    return {
        **rating_summary(feedback),
        "nps": round(score, 1) if score is not None else None,
        "nps_respondents": feedback.nps_respondents,
        "sus_mean": round(feedback.sus_sum / feedback.sus_respondents, 1) if feedback.sus_respondents else None,
        "sus_respondents": feedback.sus_respondents,
        "last_answer": feedback.last_answer.isoformat() if feedback.last_answer else None,
    }


def calendar_kind(calendar: Sequence[dict], as_of: date) -> str:
    """The kind of the calendar checkpoint falling on `as_of`, or 'interim' between checkpoints."""
    day = as_of.isoformat()
    return next((c["kind"] for c in calendar if c["date"] == day), "interim")


def midpoint_date(calendar: Sequence[dict]) -> date | None:
    return next((date.fromisoformat(c["date"]) for c in calendar if c["kind"] == "midpoint"), None)


def timeline(plan: PilotPlan, oldest_latest: date | None, elapsed: float, as_of: date) -> dict:
    """Days left, the next calendar checkpoint, and the overdue ones.

    A calendar checkpoint is overdue once its grace period has passed while some KPI has no measurement
    taken since shortly before it (`oldest_latest` is the oldest of the KPIs' latest measurements, None
    when a KPI was never measured).
    """
    overdue, upcoming = [], None
    for checkpoint in plan.calendar:
        day = date.fromisoformat(checkpoint["date"])
        if day > as_of:
            upcoming = upcoming or checkpoint
            continue
        late_by = (as_of - day).days - CHECKPOINT_GRACE_DAYS
        data_in = oldest_latest is not None and oldest_latest >= day - timedelta(days=CHECKPOINT_WINDOW_DAYS)
        if late_by > 0 and not data_in:
            overdue.append({**checkpoint, "days_overdue": late_by})
    return {
        "elapsed": round(elapsed, 3),
        "days_left": max((plan.end - as_of).days, 0),
        "next_checkpoint": upcoming,
        "overdue_checkpoints": overdue,
    }


# The lines a checkpoint record states its deviations in, by kind. The record keeps them in English (the API,
# the events and the coordinator's messages show them as they are); a document reads a line back into its
# kind and values with parse_deviation and says it in its own language.
DEVIATION_LINES = {
    "off_track": "{code}: off track ({value} {unit}, baseline {baseline}, target {target})",
    "at_risk": "at risk (behind plan): {codes}",
    "data_gap": "data gap (no recent measurement): {codes}",
    "no_feedback": "feedback: no citizen feedback yet",
    "feedback_silent": "feedback: no citizen answer since {date}",
    "feedback_low": "feedback: {share} satisfied of {respondents}, plan {plan}",
    "checkpoint_overdue": "checkpoint {number} ({checkpoint}, {date}): data overdue by {days} days",
}


def _line_pattern(line: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", line)  # literal text and field names, alternately
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)))


_DEVIATION_PATTERNS = {kind: _line_pattern(line) for kind, line in DEVIATION_LINES.items()}


def deviation_line(kind: str, **values) -> str:
    return DEVIATION_LINES[kind].format(**values)


def parse_deviation(line: str) -> dict | None:
    """A stored deviation line as {"kind", **its values (text)}; None for a line of no known kind."""
    for kind, pattern in _DEVIATION_PATTERNS.items():
        match = pattern.fullmatch(line)
        if match:
            return {"kind": kind, **match.groupdict()}
    return None


def _off_track_line(kpi: dict, result: dict) -> str:
    return deviation_line("off_track", code=kpi["code"], value=f"{result['value']:g}", unit=kpi["unit"],
                          baseline=f"{kpi['baseline']:g}", target=f"{kpi['target']:g}")


def evaluate_checkpoint(plan: PilotPlan, latest: dict[str, MeasuredValue], feedback: FeedbackSoFar,
                        as_of: date) -> dict:
    """The checkpoint record: KPI verdicts, feedback so far, timeline, deviations, their signals and a severity.

    `deviations` are the lines a person reads (each KPI off track with its figures; the KPIs at risk and those
    with a data gap one line each; feedback; overdue checkpoints); `signals` maps each kind of deviation (the
    Prefect event it becomes) to its severity and details.
    Critical: a primary KPI off track, or a calendar checkpoint overdue by more than two weeks.
    """
    total_days = max((plan.end - plan.start).days, 1)
    elapsed = min(max((as_of - plan.start).days / total_days, 0.0), 1.0)
    results, deviations = [], []
    off_track, at_risk, gaps = [], [], []
    oldest_latest: date | None = as_of
    primary_off_track = False
    for kpi in plan.kpis:
        measured = latest.get(kpi["code"])
        result = classify_kpi(kpi, measured, elapsed, as_of, plan.start)
        results.append(result)
        status = result["status"]
        if status == "off_track":
            off_track.append(kpi["code"])
            primary_off_track = primary_off_track or kpi["primary"]
            deviations.append(_off_track_line(kpi, result))
        elif status == "at_risk":
            at_risk.append(kpi["code"])
        if result["gap"]:
            gaps.append(kpi["code"])
        if measured is None:
            oldest_latest = None
        elif oldest_latest is not None and result["measured_at"] < oldest_latest:
            oldest_latest = result["measured_at"]
    if at_risk:
        deviations.append(deviation_line("at_risk", codes=", ".join(at_risk)))
    if gaps:
        deviations.append(deviation_line("data_gap", codes=", ".join(gaps)))

    feedback_due_days = plan.feedback_frequency_days * GAP_FACTOR
    feedback_gap = (as_of - (feedback.last_answer or plan.start)).days > feedback_due_days
    if feedback.respondents == 0 and as_of > plan.start:
        deviations.append(deviation_line("no_feedback"))
    elif feedback_gap:
        deviations.append(deviation_line("feedback_silent", date=feedback.last_answer.isoformat()))
    share = feedback.csat_share
    low_satisfaction = (feedback.respondents >= MIN_RESPONDENTS_FOR_SATISFACTION
                        and share is not None and share < MIN_SATISFIED_SHARE)
    if low_satisfaction:
        deviations.append(deviation_line("feedback_low", share=f"{share:.0%}", respondents=feedback.respondents,
                                         plan=f"{MIN_SATISFIED_SHARE:.0%}"))

    schedule = timeline(plan, oldest_latest, elapsed, as_of)
    overdue = schedule["overdue_checkpoints"]
    for checkpoint in overdue:
        deviations.append(deviation_line("checkpoint_overdue", number=checkpoint["number"], checkpoint=checkpoint["kind"],
                                         date=checkpoint["date"], days=checkpoint["days_overdue"]))

    signals: dict[str, dict] = {}
    if off_track:
        signals[KPI_OFF_TRACK] = {"severity": "critical" if primary_off_track else "warning", "kpis": off_track}
    if at_risk:
        signals[KPI_AT_RISK] = {"severity": "warning", "kpis": at_risk}
    if gaps or feedback_gap:
        signals[DATA_GAP] = {"severity": "warning", "kpis": gaps, "feedback": feedback_gap}
    if overdue:
        worst = max(c["days_overdue"] for c in overdue)
        signals[CHECKPOINT_OVERDUE] = {"severity": "critical" if worst > OVERDUE_CRITICAL_DAYS else "warning",
                                       "checkpoints": [c["number"] for c in overdue]}
    if low_satisfaction:
        signals[FEEDBACK_LOW] = {"severity": "warning", "csat_share": round(share, 3)}
    severities = {s["severity"] for s in signals.values()}
    severity = "critical" if "critical" in severities else "warning" if deviations else "ok"
    return {
        "kind": calendar_kind(plan.calendar, as_of),
        "kpi_results": results,
        "feedback_summary": feedback_summary(feedback),
        "timeline": schedule,
        "deviations": deviations,
        "signals": signals,
        "severity": severity,
    }


def new_signals(current: dict[str, dict], previous: dict[str, dict]) -> dict[str, dict]:
    """The deviations that were not there at the previous checkpoint, or have become critical since:
    only these become events, so a coordinator hears of a lasting problem once, and again if it worsens."""
    return {
        event: signal for event, signal in current.items()
        if event not in previous
        or SEVERITY_ORDER[signal["severity"]] < SEVERITY_ORDER[previous[event]["severity"]]
    }


EVENT_LABELS = {  # (ru, en)
    KPI_OFF_TRACK: ("показатель хуже базового значения", "a KPI is worse than its baseline"),
    KPI_AT_RISK: ("показатель отстаёт от плана", "a KPI lags behind plan"),
    DATA_GAP: ("нет свежих данных", "data is missing"),
    CHECKPOINT_OVERDUE: ("просрочена контрольная точка", "a checkpoint is overdue"),
    FEEDBACK_LOW: ("жители недовольны", "citizens are dissatisfied"),
}
LISTED_DEVIATIONS = 20  # a message lists at most this many; the checkpoint record has them all


def _deviation_lines(deviations: Sequence[str]) -> list[str]:
    lines = [f"- {d}" for d in deviations[:LISTED_DEVIATIONS]]
    if len(deviations) > LISTED_DEVIATIONS:
        lines.append(f"- … +{len(deviations) - LISTED_DEVIATIONS}")
    return lines


def notification_message(contract_number: str, title: str, coordinator: str, event: str, severity: str,
                         as_of: date, deviations: Sequence[str]) -> tuple[str, str]:
    """The coordinator's message (subject, body) about a severe deviation, in Russian and English."""
    label_ru, label_en = EVENT_LABELS.get(event, (event, event))
    subject = f"Пилот {contract_number}: {label_ru} / Pilot {contract_number}: {label_en}"
    body = "\n".join([
        f"{coordinator},",
        "",
        f"Пилот {contract_number} «{title}»: {label_ru} (контрольная точка {as_of.isoformat()}, "
        f"уровень: {severity}).",
        f"Pilot {contract_number} '{title}': {label_en} (checkpoint {as_of.isoformat()}, severity: {severity}).",
        "",
        "Отклонения / Deviations:",
        *(_deviation_lines(deviations) or ["- —"]),
        "",
        f"Событие / event: {event}",
    ])
    return subject, body


def midpoint_review_description(contract_number: str, checkpoint: dict | None) -> str:
    """The text above the coordinator's midpoint form in the Prefect UI (Markdown, Russian and English)."""
    lines = [f"### Пилот {contract_number}: промежуточная точка / Pilot {contract_number}: midpoint review", ""]
    if checkpoint is None:
        lines.append("Контрольных точек ещё нет. / No checkpoint recorded yet.")
    else:
        feedback = checkpoint["feedback_summary"]
        lines += [
            f"Последняя контрольная точка / last checkpoint **{checkpoint['as_of']}**: **{checkpoint['severity']}**",
            "",
            *(_deviation_lines(checkpoint["deviations"]) or ["- отклонений нет / no deviations"]),
            "",
            f"Отзывы / feedback: n = {feedback.get('respondents')}, CSAT = {feedback.get('csat_share')}, "
            f"NPS = {feedback.get('nps')}, SUS = {feedback.get('sus_mean')}",
        ]
    lines += ["", "Решение: продолжить (continue), скорректировать (adjust: что именно — в комментарии) или "
                  "остановить пилот (stop).",
              "Decide: continue, adjust (say what in the comment) or stop the pilot."]
    return "\n".join(lines)
