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
from models.rules.monitoring import progress
from models.rules.statistics import Estimate, mean, mean_interval, nps_interval, sus_grade, sus_score, wilson_interval
from models.rules.themes import Comment, comment_themes

STOP_BELOW_SATISFIED_SHARE = 0.4  # the methodology's stop criterion on satisfaction
QUOTED_COMMENTS = 5
CHECKPOINT_MATCH_DAYS = 3  # a checkpoint recorded this close to its planned date counts as held
AGE_BANDS = ("under-18", "18-34", "35-54", "55-64", "65+")
OUTCOMES = ("roll_out", "iterate", "extend", "stop")


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


@dataclass(frozen=True)
class Recommendation:
    outcome: str  # roll_out | iterate | extend | stop
    reasons: list[dict]  # [{"code": ..., **parameters}], explained by `explain`


@cache
def reference_population() -> dict:
    return json.loads((DATA_DIR / "population.json").read_text(encoding="utf-8"))


def _estimate(e: Estimate | None) -> dict | None:
    return None if e is None else {"value": e.value, "low": e.low, "high": e.high}


def kpi_result(kpi: dict, series: Sequence[tuple[date, float]], start: date, end: date) -> dict:
    """A KPI's actual value: the mean of its measurements in the second half of the pilot, with a Student t
    95 % interval when there are two or more; the latest measurement alone when none fall in that half."""
    midpoint = start + (end - start) / 2
    final = [v for d, v in series if d >= midpoint] or [v for _, v in series[-1:]]
    actual = mean_interval(final)
    row = {key: kpi[key] for key in ("code", "name_en", "name_ru", "unit", "baseline", "target", "primary")}
    row.update(series=[[d.isoformat(), v] for d, v in series], final_values=len(final), actual=_estimate(actual),
               change=None, met=None, straddles=False, worse=False)
    if actual is None:
        return row
    baseline, target = kpi["baseline"], kpi["target"]
    has_interval = actual.low is not None
    row["change"] = _estimate(Estimate(actual.value - baseline,
                                       actual.low - baseline if has_interval else None,
                                       actual.high - baseline if has_interval else None))
    row["met"] = progress(kpi, actual.value) >= 1.0
    row["straddles"] = actual.contains(target)
    # Worse than baseline only when the whole interval (or the single value) is on the worse side.
    ends = (actual.low, actual.high) if has_interval else (actual.value,)
    row["worse"] = all(progress(kpi, v) < 0 for v in ends)
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
        found.append({"kind": "evaluated_early", "days": (facts.end - facts.as_of).days})
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


def recommend(kpi_rows: list[dict], feedback: dict, critical_incident: str = "") -> Recommendation:
    """The rule, in this order:
    stop: a critical incident, a primary KPI worse than its baseline, or satisfaction clearly below
      the methodology's stop level (even the upper end of its 95 % interval);
    extend: too few respondents, or a primary KPI never measured, to conclude;
    roll out: every primary KPI met, satisfaction meets the plan, no critical incident;
    iterate and re-test: at least half of the primary KPIs met, or an unmet one's interval includes its target;
    stop: otherwise (most primary KPIs clearly missed)."""
    primary = [r for r in kpi_rows if r["primary"]]
    csat = feedback["csat"]
    plan = feedback["min_satisfied_share"]
    if critical_incident:
        return Recommendation("stop", [{"code": "incident", "text": critical_incident}])
    worse = [r["code"] for r in primary if r["worse"]]
    if worse:
        return Recommendation("stop", [{"code": "kpi_worse", "kpis": worse}])
    if csat and csat["high"] < STOP_BELOW_SATISFIED_SHARE:
        return Recommendation("stop", [{"code": "dissatisfied", "share": csat["value"], "high": csat["high"],
                                        "stop": STOP_BELOW_SATISFIED_SHARE}])
    missing = [r["code"] for r in primary if r["actual"] is None]
    if not feedback["enough"] or missing:
        reasons = []
        if not feedback["enough"]:
            reasons.append({"code": "too_few_respondents", "n": feedback["respondents"],
                            "min": feedback["min_respondents"]})
        if missing:
            reasons.append({"code": "kpi_no_data", "kpis": missing})
        return Recommendation("extend", reasons)
    met = [r["code"] for r in primary if r["met"]]
    unmet = [r["code"] for r in primary if not r["met"]]
    satisfied = csat is not None and csat["value"] >= plan
    satisfaction = ({"code": "satisfaction_met" if satisfied else "satisfaction_below", "share": csat["value"],
                     "plan": plan, "n": feedback["respondents"]} if csat else
                    {"code": "satisfaction_below", "share": 0.0, "plan": plan, "n": 0})
    if not unmet and satisfied:
        return Recommendation("roll_out", [{"code": "all_met", "met": len(met), "total": len(primary)}, satisfaction])
    straddling = [r["code"] for r in primary if not r["met"] and r["straddles"]]
    if 2 * len(met) >= len(primary) or straddling:
        reasons = [{"code": "half_met", "met": len(met), "total": len(primary)}]
        if unmet:
            reasons.append({"code": "kpi_unmet", "kpis": unmet})
        if straddling:
            reasons.append({"code": "straddles", "kpis": straddling})
        if not satisfied:
            reasons.append(satisfaction)
        return Recommendation("iterate", reasons)
    return Recommendation("stop", [{"code": "most_missed", "met": len(met), "total": len(primary)}])


REASON_TEXT = {
    "en": {
        "incident": "critical incident reported: {text}",
        "kpi_worse": "primary KPI worse than its baseline: {kpis}",
        "dissatisfied": "only {share} of respondents satisfied (95 % interval up to {high}), below the stop level of {stop}",
        "too_few_respondents": "{n} respondents of the {min} planned: too few to conclude",
        "kpi_no_data": "no measurement of the primary KPI: {kpis}",
        "all_met": "every primary KPI met its target ({met} of {total})",
        "half_met": "{met} of {total} primary KPIs met their target",
        "kpi_unmet": "target not met: {kpis}",
        "straddles": "the 95 % interval includes the target: {kpis}",
        "satisfaction_met": "{share} of {n} respondents satisfied (plan {plan})",
        "satisfaction_below": "{share} of {n} respondents satisfied, below the plan of {plan}",
        "most_missed": "only {met} of {total} primary KPIs met their target and no interval reaches it",
    },
    "ru": {
        "incident": "зафиксирован критический инцидент: {text}",
        "kpi_worse": "основной KPI хуже базового значения: {kpis}",
        "dissatisfied": "удовлетворены лишь {share} опрошенных (верхняя граница 95 % интервала {high}), "
                        "ниже порога остановки {stop}",
        "too_few_respondents": "опрошено {n} из {min} запланированных жителей: данных недостаточно для вывода",
        "kpi_no_data": "нет замеров основного KPI: {kpis}",
        "all_met": "все основные KPI достигли целевых значений ({met} из {total})",
        "half_met": "целевых значений достигли {met} из {total} основных KPI",
        "kpi_unmet": "целевое значение не достигнуто: {kpis}",
        "straddles": "95 % интервал включает целевое значение: {kpis}",
        "satisfaction_met": "удовлетворены {share} из {n} опрошенных (план {plan})",
        "satisfaction_below": "удовлетворены {share} из {n} опрошенных, ниже плана {plan}",
        "most_missed": "целевых значений достигли лишь {met} из {total} основных KPI, и ни один интервал их не достигает",
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
    kpi_rows = [kpi_result(k, facts.measurements.get(k["code"], []), facts.start, facts.end) for k in facts.kpis]
    feedback = feedback_result(responses, facts)
    verdict = recommend(kpi_rows, feedback, facts.critical_incident)
    names = {r["code"]: r["name_en"] for r in kpi_rows}
    return {
        "as_of": facts.as_of.isoformat(),
        "kpis": kpi_rows,
        "feedback": feedback,
        "monitoring": monitoring_result(facts),
        "deviations": deviations(facts, kpi_rows),
        "critical_incident": facts.critical_incident,
        "recommendation": verdict.outcome,
        "reasons": verdict.reasons,
        "reason": explain(verdict.reasons, "en", names),
    }
