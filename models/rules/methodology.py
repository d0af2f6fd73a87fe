"""Stage 2: draft the piloting methodology for the chosen site (adopted in stage 3)."""

from dataclasses import dataclass
from datetime import date, timedelta

from models.rules.statistics import sample_size
from models.rules.timeline import BASELINE_WINDOW_DAYS

MAX_WEEKS = 26  # a pilot cycle lasts up to six months
MIN_WEEKS = 4  # shorter than a month leaves no room for a checkpoint between baseline and final
WEEKS_BY_TRL = {9: 8, 8: 10, 7: 12, 6: 16}  # more mature technology needs a shorter pilot
DEFAULT_WEEKS = 20
FEEDBACK_MARGIN = 0.10
MIN_SATISFIED_SHARE = 0.7


@dataclass(frozen=True)
class DraftMethodology:
    duration_weeks: int
    start_date: date
    end_date: date
    hypotheses: list[str]
    kpis: list[dict]
    checkpoints: list[dict]
    feedback_plan: dict
    success_criteria: list[str]
    stop_criteria: list[str]
    baseline_days: int = BASELINE_WINDOW_DAYS  # the T0 window before the start


def duration_for(trl: int) -> int:
    return min(WEEKS_BY_TRL.get(trl, DEFAULT_WEEKS), MAX_WEEKS)


def feedback_population(daily_visitors: int, weeks: int) -> int:
    """Visits to the site over the pilot: the population the feedback sample is drawn from."""
    return daily_visitors * weeks * 7


def feedback_sample_size(daily_visitors: int, weeks: int) -> int:
    """Respondents for a +-10 point margin at 95 % confidence, corrected for the site's visitors."""
    return sample_size(FEEDBACK_MARGIN, feedback_population(daily_visitors, weeks))


def checkpoint_calendar(start: date, weeks: int) -> list[dict]:
    """Baseline at T0, a checkpoint every 4 weeks (2 for short pilots), a midpoint review, the final lock."""
    end = start + timedelta(weeks=weeks)
    step = 2 if weeks <= 10 else 4
    midpoint = start + timedelta(days=weeks * 7 // 2)
    dates = {start: "baseline", midpoint: "midpoint", end: "final"}
    for week in range(step, weeks, step):
        dates.setdefault(start + timedelta(weeks=week), "regular")
    return [
        {"number": number, "date": day.isoformat(), "kind": dates[day]}
        for number, day in enumerate(sorted(dates), start=1)
    ]


def _number(value: float, language: str) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if language == "ru" else text


def draft_methodology(
    *,
    title: str,
    trl: int,
    site_name: str,
    daily_visitors: int,
    kpi_library: list[dict],
    questions: list[str],
    start: date,
    language: str,
    weeks: int | None = None,
    target_users: str = "",
    handles_personal_data: bool = False,
) -> DraftMethodology:
    """`weeks` overrides the duration the TRL suggests (the coordinator may adjust it on adoption)."""
    weeks = weeks or duration_for(trl)
    end = start + timedelta(weeks=weeks)
    kpis = [dict(k) for k in kpi_library]
    name_key = f"name_{language}"
    hypotheses = []
    for kpi in (k for k in kpis if k["primary"]):
        baseline, target = _number(kpi["baseline"], language), _number(kpi["target"], language)
        unit = (kpi.get("unit_ru") or kpi["unit"]) if language == "ru" else kpi["unit"]  # the library's KPIs have both
        if language == "ru":
            hypotheses.append(
                f"Если «{title}» будет внедрено на площадке «{site_name}», показатель «{kpi[name_key]}» "
                f"изменится с {baseline} до {target} {unit} за {weeks} нед."
            )
        else:
            hypotheses.append(
                f"If '{title}' is deployed at {site_name}, {kpi[name_key]} moves from "
                f"{baseline} to {target} {unit} within {weeks} weeks."
            )
    population = feedback_population(daily_visitors, weeks)
    respondents = feedback_sample_size(daily_visitors, weeks)
    if language == "ru":
        who = "жители, воспользовавшиеся решением на площадке" + (f" ({target_users})" if target_users else "")
    else:
        who = "citizens who used the solution at the site" + (f" ({target_users})" if target_users else "")
    feedback_plan = {
        "who": who,
        "min_respondents": respondents,
        "margin": FEEDBACK_MARGIN,
        "confidence": 0.95,
        "population": population,
        "questions": questions,
    }
    if language == "ru":
        success = [
            "Каждый основной KPI достиг целевого значения",
            f"Не менее {MIN_SATISFIED_SHARE:.0%} опрошенных удовлетворены (оценка 4-5)",
            f"Опрошено не менее {respondents} жителей",
        ]
        stop = [
            "Основной KPI хуже базового значения на двух контрольных точках подряд",
            "Инцидент, угрожающий безопасности жителей",
            "Менее 40% опрошенных удовлетворены после промежуточной точки",
        ]
        if handles_personal_data:
            stop.append("Утечка или неправомерная обработка персональных данных жителей")
    else:
        success = [
            "Every primary KPI reaches its target",
            f"At least {MIN_SATISFIED_SHARE:.0%} of respondents satisfied (rating 4-5)",
            f"At least {respondents} citizens surveyed",
        ]
        stop = [
            "A primary KPI worse than its baseline at two consecutive checkpoints",
            "An incident that endangers citizens' safety",
            "Fewer than 40% of respondents satisfied after the midpoint",
        ]
        if handles_personal_data:
            stop.append("A leak or unlawful processing of citizens' personal data")
    return DraftMethodology(weeks, start, end, hypotheses, kpis, checkpoint_calendar(start, weeks),
                            feedback_plan, success, stop)
