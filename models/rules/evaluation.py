"""Stage 5: everything the analytical report states, from one computation, and the recommendation's rule.

`evaluate_pilot` returns plain JSON data (the flow passes it between tasks); the report's text,
tables and charts are all built from that one result, so a number never differs between them.
"""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from models.catalog import DATA_DIR
from models.rules.statistics import (
    MIN_TREND_READINGS, Estimate, linear_trend, mean, mean_interval, nps_interval, sus_grade, sus_score,
    wilson_interval,
)
from models.rules.themes import Comment, comment_themes
from models.rules.timeline import BASELINE_WINDOW_DAYS, Phase, Timeline

STOP_BELOW_SATISFIED_SHARE = 0.4  # the methodology's stop criterion on satisfaction
QUOTED_COMMENTS = 5
CHECKPOINT_MATCH_DAYS = 3  # a checkpoint recorded this close to its planned date counts as held
AGE_BANDS = ("under-18", "18-34", "35-54", "55-64", "65+")
OUTCOMES = ("roll_out", "iterate", "extend", "stop", "insufficient")


@dataclass(frozen=True)
class Response:
    """One citizen's feedback, as the evaluation needs it."""

    rating: int
    day: date
    nps: int | None = None
    sus: Sequence[int] | None = None
    age_band: str | None = None
    has_disability: bool | None = None
    comment: str | None = None


@dataclass(frozen=True)
class PilotFacts:
    """What was planned and what happened, read from the database by the flow."""

    kpis: list[dict]  # the adopted methodology's KPIs
    measurements: dict[str, list[tuple[date, float]]]  # per KPI code, in date order
    start: date  # the pilot's dates
    end: date
    planned_start: date  # the adopted methodology's dates
    planned_end: date
    as_of: date  # the evaluation day
    planned_checkpoints: list[dict]  # [{"number", "date", "kind"}]
    checkpoints: list[dict]  # monitoring records in date order: {"as_of", "kind", "severity", "deviations", "kpi_results"}
    min_respondents: int
    min_satisfied_share: float
    population: int | None = None  # the site's visitors over the pilot, from the feedback plan
    library_kpis: dict[str, dict] = field(default_factory=dict)  # the sector library's KPI by code
    # The coordinator's midpoint decisions: {"date", "decision" (continue | adjust | stop), "coordinator", "comment"}
    decisions: list[dict] = field(default_factory=list)
    critical_incident: str = ""  # reported by the coordinator in the conclusions
    early_end_reason: str = ""  # why the coordinator evaluates before the planned end (the conclusions form)
    baseline_days: int = BASELINE_WINDOW_DAYS  # the methodology's T0 window before the start

    @property
    def timeline(self) -> Timeline:
        return Timeline(self.start, self.end, self.baseline_days)


@dataclass(frozen=True)
class Recommendation:
    outcome: str  # one of OUTCOMES
    reasons: list[dict]  # [{"code": ..., **parameters}], explained by `explain`


@cache
def reference_population() -> dict:
    return json.loads((DATA_DIR / "population.json").read_text(encoding="utf-8"))


def _estimate(e: Estimate | None) -> dict | None:
    return None if e is None else {"value": e.value, "low": e.low, "high": e.high}


def kpi_direction(kpi: dict) -> int:
    """+1 when the KPI should rise, -1 when it should fall: the methodology's planned move from baseline to target."""
    if kpi["target"] != kpi["baseline"]:
        return 1 if kpi["target"] > kpi["baseline"] else -1
    return -1 if kpi.get("direction") == "decrease" else 1


def kpi_verdict(direction: int, baseline: float, target: float, level: Estimate | None) -> str:
    """met: the whole 95 % interval of the final level is at or beyond the target; improved: it clears the
    baseline only; worse: it is wholly on the wrong side of the baseline; no_change: it overlaps the baseline;
    insufficient: no trend could be fitted (fewer than three pilot-phase readings)."""
    if level is None or level.low is None:
        return "insufficient"
    worst, best = (level.low, level.high) if direction > 0 else (level.high, level.low)
    if (worst - target) * direction >= 0:
        return "met"
    if (worst - baseline) * direction > 0:
        return "improved"
    if (best - baseline) * direction < 0:
        return "worse"
    return "no_change"


def kpi_result(kpi: dict, series: Sequence[tuple[date, float]], timeline: Timeline) -> dict:
    """A KPI's verdict from its readings: the baseline is the mean of the site's T0 readings (the methodology's
    value, marked assumed, when none were taken); the pilot phase's readings give a least-squares trend and the
    final level on the last reading's day, each with its 95 % interval, when there are at least three."""
    by_phase: dict[Phase, list[tuple[date, float]]] = {phase: [] for phase in Phase}
    for day, value in series:
        phase = timeline.phase_of(day)
        if phase is not None:
            by_phase[phase].append((day, value))
    measured_baseline = mean_interval([v for _, v in by_phase[Phase.BASELINE]])
    baseline = measured_baseline.value if measured_baseline else kpi["baseline"]
    pilot_readings = by_phase[Phase.PILOT]
    trend = linear_trend([((d - timeline.start).days, v) for d, v in pilot_readings])
    actual = trend.level if trend else (Estimate(pilot_readings[-1][1]) if pilot_readings else None)
    verdict = kpi_verdict(kpi_direction(kpi), baseline, kpi["target"], trend.level if trend else None)
    row = {key: kpi[key] for key in ("code", "name_en", "name_ru", "unit", "target", "primary")}
    row.update(
        baseline=baseline, baseline_source="measured" if measured_baseline else "assumed",
        baseline_readings=len(by_phase[Phase.BASELINE]), assumed_baseline=kpi["baseline"],
        series=[[d.isoformat(), v, str(timeline.phase_of(d))] for d, v in series if timeline.phase_of(d)],
        readings=len(pilot_readings), after_readings=len(by_phase[Phase.AFTER]),
        actual=_estimate(actual), slope_per_week=_estimate(trend and Estimate(
            trend.slope.value * 7, trend.slope.low * 7, trend.slope.high * 7)),
        change=None if actual is None else _estimate(Estimate(
            actual.value - baseline, None if actual.low is None else actual.low - baseline,
            None if actual.high is None else actual.high - baseline)),
        verdict=verdict, met=verdict == "met", worse=verdict == "worse",
    )
    return row


def feedback_result(responses: Sequence[Response], facts: PilotFacts) -> dict:
    n = len(responses)
    ratings = [r.rating for r in responses]
    nps_scores = [r.nps for r in responses if r.nps is not None]
    sus_scores = [sus_score(r.sus) for r in responses if r.sus]
    sus = mean_interval(sus_scores)
    reference = reference_population()
    bands = Counter(r.age_band for r in responses if r.age_band)
    answered_band = sum(bands.values())
    disability = [r.has_disability for r in responses if r.has_disability is not None]
    comments = [Comment(r.comment, r.rating) for r in responses if r.comment]
    themes = comment_themes(comments)
    return {
        "respondents": n,
        "min_respondents": facts.min_respondents,
        "enough": n >= facts.min_respondents,
        "population": facts.population,
        "mean_rating": mean(ratings),
        "rating_counts": {str(k): ratings.count(k) for k in range(1, 6)},
        "csat": _estimate(wilson_interval(sum(1 for r in ratings if r >= 4), n)),
        "min_satisfied_share": facts.min_satisfied_share,
        "nps": _estimate(nps_interval(nps_scores)),
        "nps_respondents": len(nps_scores),
        "sus": _estimate(sus),
        "sus_respondents": len(sus_scores),
        "sus_grade": sus_grade(sus.value) if sus else None,
        "age_bands": [{"band": band, "count": bands[band],
                       "share": bands[band] / answered_band if answered_band else None,
                       "reference_share": reference["age_bands"][band]} for band in AGE_BANDS],
        "age_answered": answered_band,
        "disability": {"count": sum(disability), "answered": len(disability),
                       "share": sum(disability) / len(disability) if disability else None,
                       "reference_share": reference["disability_share"]},
        "weekly": weekly_counts([r.day for r in responses], facts.start, facts.as_of),
        "themes": themes["themes"],
        "comments": themes["comments"],
        "unclassified": themes["unclassified"],
        "quotes": quotes(themes["themes"], [c.text for c in comments]),
    }


def weekly_counts(days: Sequence[date], start: date, as_of: date) -> list[dict]:
    """Responses per week (weeks start on Monday) from the pilot's first week, with the running total."""
    if not days:
        return []
    first = min(min(days), start)
    first -= timedelta(days=first.weekday())
    last = max(max(days), min(as_of, max(days) + timedelta(weeks=1)))
    per_week = Counter((d - first).days // 7 for d in days)
    rows, total = [], 0
    for week in range((last - first).days // 7 + 1):
        total += per_week[week]
        rows.append({"week": (first + timedelta(weeks=week)).isoformat(), "count": per_week[week], "cumulative": total})
    return rows


def quotes(themes: list[dict], comments: Sequence[str]) -> list[str]:
    """A few comments to quote: the latest example of each main theme, then the latest comments."""
    chosen: list[str] = []
    for theme in themes:
        if theme["example"] not in chosen:
            chosen.append(theme["example"])
    for text in reversed(comments):
        if text not in chosen:
            chosen.append(text)
    return chosen[:QUOTED_COMMENTS]


def monitoring_result(facts: PilotFacts) -> dict:
    """Incidents (critical checkpoints) and data gaps from the monitoring records."""
    incidents, gaps = [], []
    for checkpoint in facts.checkpoints:
        if checkpoint["severity"] == "critical":
            incidents.append({"date": checkpoint["as_of"], "deviations": checkpoint["deviations"]})
        for kpi in checkpoint["kpi_results"]:
            if kpi.get("gap"):
                gaps.append({"date": checkpoint["as_of"], "code": kpi["code"]})
    return {"checkpoints": facts.checkpoints, "incidents": incidents, "data_gaps": gaps}


def deviations(facts: PilotFacts, kpi_rows: list[dict]) -> list[dict]:
    """Departures from the adopted methodology, each as {"kind", ...facts}."""
    found = []
    if (facts.start, facts.end) != (facts.planned_start, facts.planned_end):
        found.append({"kind": "dates_changed", "planned_start": facts.planned_start.isoformat(),
                      "planned_end": facts.planned_end.isoformat(), "start": facts.start.isoformat(),
                      "end": facts.end.isoformat()})
    if facts.as_of < facts.end:
        found.append({"kind": "evaluated_early", "days": (facts.end - facts.as_of).days,
                      "reason": facts.early_end_reason})
    for kpi in facts.kpis:
        standard = facts.library_kpis.get(kpi["code"])
        if standard and (standard["baseline"], standard["target"]) != (kpi["baseline"], kpi["target"]):
            found.append({"kind": "target_changed", "code": kpi["code"], "standard_baseline": standard["baseline"],
                          "standard_target": standard["target"], "baseline": kpi["baseline"], "target": kpi["target"]})
    held = [date.fromisoformat(c["as_of"]) for c in facts.checkpoints]
    for planned in facts.planned_checkpoints:
        day = date.fromisoformat(planned["date"])
        if day <= facts.as_of and not any(abs((h - day).days) <= CHECKPOINT_MATCH_DAYS for h in held):
            found.append({"kind": "checkpoint_missed", "date": planned["date"], "checkpoint": planned["kind"]})
    found += [{"kind": "kpi_not_measured", "code": r["code"]} for r in kpi_rows if r["actual"] is None]
    found += [{"kind": "baseline_assumed", "code": r["code"]} for r in kpi_rows if r["baseline_source"] == "assumed"]
    found += stop_criterion_hits(facts)
    found += [{"kind": "midpoint_decision", **d} for d in facts.decisions]
    return found


def stop_criterion_hits(facts: PilotFacts) -> list[dict]:
    """The methodology's stop criterion: a primary KPI off track (worse than baseline) at two consecutive checkpoints."""
    primary = {k["code"] for k in facts.kpis if k["primary"]}
    hits, previous_off = [], set()
    for checkpoint in facts.checkpoints:
        off = {r["code"] for r in checkpoint["kpi_results"] if r.get("status") == "off_track" and r["code"] in primary}
        hits += [{"kind": "stop_criterion", "code": code, "date": checkpoint["as_of"]}
                 for code in sorted(off & previous_off)]
        previous_off = off
    return hits


@dataclass(frozen=True)
class Timing:
    """Where the evaluation stands on the pilot's timeline."""

    complete: bool  # the pilot phase is over
    end: date  # its planned end
    days_left: int
    early_end_reason: str = ""  # the coordinator's reason for evaluating before the end


def recommend(kpi_rows: list[dict], feedback: dict, timing: Timing, critical_incident: str = "") -> Recommendation:
    """The rule, in this order:
    stop: a critical incident, a primary KPI worse than its baseline (its whole interval), or satisfaction
      clearly below the methodology's stop level (even the upper end of its 95 % interval);
    extend: the pilot phase is not over and the coordinator gave no reason to end it early;
    insufficient evidence: a primary KPI with fewer than three pilot-phase readings, or the planned sample not
      reached;
    roll out: every primary KPI met (its interval clears the target) and satisfaction meets the plan;
    iterate and re-test: some primary KPI met or improved on its baseline;
    stop: otherwise (no primary KPI shows an improvement)."""
    primary = [r for r in kpi_rows if r["primary"]]
    csat = feedback["csat"]
    plan = feedback["min_satisfied_share"]
    if critical_incident:
        return Recommendation("stop", [{"code": "incident", "text": critical_incident}])
    worse = [r["code"] for r in primary if r["verdict"] == "worse"]
    if worse:
        return Recommendation("stop", [{"code": "kpi_worse", "kpis": worse}])
    if csat and csat["high"] < STOP_BELOW_SATISFIED_SHARE:
        return Recommendation("stop", [{"code": "dissatisfied", "share": csat["value"], "high": csat["high"],
                                        "stop": STOP_BELOW_SATISFIED_SHARE}])
    gaps = []
    thin = [r["code"] for r in primary if r["verdict"] == "insufficient"]
    if thin:
        gaps.append({"code": "kpi_few_readings", "kpis": thin, "min": MIN_TREND_READINGS})
    if not feedback["enough"]:
        gaps.append({"code": "too_few_respondents", "n": feedback["respondents"], "min": feedback["min_respondents"]})
    if not timing.complete and not timing.early_end_reason:
        return Recommendation("extend", [{"code": "phase_incomplete", "end": timing.end.isoformat(),
                                          "days": timing.days_left}, *gaps])
    early = ([{"code": "ended_early", "days": timing.days_left, "text": timing.early_end_reason}]
             if not timing.complete else [])
    if gaps:
        return Recommendation("insufficient", [*gaps, *early])
    met = [r["code"] for r in primary if r["verdict"] == "met"]
    improved = [r["code"] for r in primary if r["verdict"] == "improved"]
    unchanged = [r["code"] for r in primary if r["verdict"] == "no_change"]
    satisfied = csat is not None and csat["value"] >= plan
    satisfaction = ({"code": "satisfaction_met" if satisfied else "satisfaction_below", "share": csat["value"],
                     "plan": plan, "n": feedback["respondents"]} if csat else
                    {"code": "satisfaction_below", "share": 0.0, "plan": plan, "n": 0})
    if len(met) == len(primary) and satisfied:
        return Recommendation("roll_out", [{"code": "all_met", "met": len(met), "total": len(primary)},
                                           satisfaction, *early])
    if met or improved:
        reasons = [{"code": "some_met", "met": len(met), "total": len(primary)}]
        if improved:
            reasons.append({"code": "kpi_improved", "kpis": improved})
        if unchanged:
            reasons.append({"code": "kpi_unchanged", "kpis": unchanged})
        if not satisfied:
            reasons.append(satisfaction)
        return Recommendation("iterate", reasons + early)
    return Recommendation("stop", [{"code": "none_improved", "total": len(primary)}, *early])


REASON_TEXT = {
    "en": {
        "incident": "critical incident reported: {text}",
        "kpi_worse": "primary KPI worse than its baseline: {kpis}",
        "dissatisfied": "only {share} of respondents satisfied (95 % interval up to {high}), below the stop level of {stop}",
        "too_few_respondents": "{n} respondents of the {min} planned: too few to conclude",
        "kpi_few_readings": "fewer than {min} pilot-phase readings, no trend to judge: {kpis}",
        "phase_incomplete": "the pilot phase runs until {end} ({days} days left) and no reason to end it early "
                            "was given",
        "ended_early": "evaluated {days} days before the planned end because: {text}",
        "all_met": "every primary KPI met its target, its 95 % interval clear of it ({met} of {total})",
        "some_met": "{met} of {total} primary KPIs met their target",
        "kpi_improved": "improved on the baseline, target not shown: {kpis}",
        "kpi_unchanged": "no change shown (the 95 % interval overlaps the baseline): {kpis}",
        "satisfaction_met": "{share} of {n} respondents satisfied (plan {plan})",
        "satisfaction_below": "{share} of {n} respondents satisfied, below the plan of {plan}",
        "none_improved": "none of the {total} primary KPIs shows an improvement on its baseline",
    },
    "ru": {
        "incident": "зафиксирован критический инцидент: {text}",
        "kpi_worse": "основной KPI хуже базового значения: {kpis}",
        "dissatisfied": "удовлетворены лишь {share} опрошенных (верхняя граница 95 % интервала {high}), "
                        "ниже порога остановки {stop}",
        "too_few_respondents": "опрошено {n} из {min} запланированных жителей: данных недостаточно для вывода",
        "kpi_few_readings": "меньше {min} замеров за период пилота, тренд не оценить: {kpis}",
        "phase_incomplete": "период пилота продолжается до {end} (осталось {days} дн.), причина досрочной оценки "
                            "не указана",
        "ended_early": "оценка проведена за {days} дн. до планового окончания по причине: {text}",
        "all_met": "все основные KPI достигли целевых значений с учётом 95 % интервала ({met} из {total})",
        "some_met": "целевых значений достигли {met} из {total} основных KPI",
        "kpi_improved": "улучшение относительно базы есть, достижение цели не доказано: {kpis}",
        "kpi_unchanged": "изменение не доказано (95 % интервал перекрывает базовое значение): {kpis}",
        "satisfaction_met": "удовлетворены {share} из {n} опрошенных (план {plan})",
        "satisfaction_below": "удовлетворены {share} из {n} опрошенных, ниже плана {plan}",
        "none_improved": "ни один из {total} основных KPI не показал улучшения относительно базового значения",
    },
}


def explain(reasons: list[dict], language: str, kpi_names: dict[str, str]) -> str:
    """The rule's reasons as one sentence in `language`; `kpi_names` maps KPI codes to their names."""
    parts = []
    for reason in reasons:
        values = {k: (f"{v:.0%}" if k in ("share", "high", "stop", "plan") else
                      ", ".join(kpi_names.get(c, c) for c in v) if k == "kpis" else v)
                  for k, v in reason.items() if k != "code"}
        parts.append(REASON_TEXT[language][reason["code"]].format(**values))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def evaluate_pilot(facts: PilotFacts, responses: Sequence[Response]) -> dict:
    """Everything the report states: KPI results, feedback statistics, monitoring, deviations and the verdict."""
    timeline = facts.timeline
    kpi_rows = [kpi_result(k, facts.measurements.get(k["code"], []), timeline) for k in facts.kpis]
    feedback = feedback_result(responses, facts)
    timing = Timing(timeline.complete(facts.as_of), facts.end, timeline.days_left(facts.as_of),
                    facts.early_end_reason)
    verdict = recommend(kpi_rows, feedback, timing, facts.critical_incident)
    names = {r["code"]: r["name_en"] for r in kpi_rows}
    return {
        "as_of": facts.as_of.isoformat(),
        "kpis": kpi_rows,
        "feedback": feedback,
        "monitoring": monitoring_result(facts),
        "deviations": deviations(facts, kpi_rows),
        "critical_incident": facts.critical_incident,
        "timeline": {"baseline_start": timeline.baseline_start.isoformat(), "start": facts.start.isoformat(),
                     "end": facts.end.isoformat(), "complete": timing.complete, "days_left": timing.days_left,
                     "early_end_reason": facts.early_end_reason},
        "recommendation": verdict.outcome,
        "reasons": verdict.reasons,
        "reason": explain(verdict.reasons, "en", names),
    }
