"""The analytical report's and the quarterly program report's contexts: every sentence, table row and
chart is made here from one evaluation result (models/rules/evaluation.py) or one set of program
figures (models/stats.py), localized, so the templates hold no logic and no number differs between
the text, the tables and the charts."""

from collections import defaultdict
from datetime import date, timedelta

from documents import charts
from documents.builders import CHECKPOINT_KINDS, format_date, format_number, site_address, site_name, site_owner
from documents.contexts import (
    BandRow, ChartBlock, CheckpointSummaryRow, FigureRow, KpiResultRow, Picture, ProgramReportContext, ReportContext,
    ThemeRow,
)
from models.catalog import kpi_text
from models.rules.evaluation import explain, reference_population
from models.rules.monitoring import parse_deviation
from models.settings import local_date
from models.stats import ProgramStats, QuarterStats
from models.tables import Application, Company, Methodology, Pilot, Site

SEVERITIES = {
    "en": {"ok": "on track", "warning": "warning", "critical": "critical"},
    "ru": {"ok": "в норме", "warning": "внимание", "critical": "критично"},
}
RECOMMENDATIONS = {
    "en": {"roll_out": "Roll out", "iterate": "Iterate and re-test", "extend": "Extend the pilot",
           "stop": "Stop", "insufficient": "Insufficient evidence"},
    "ru": {"roll_out": "Рекомендовать к тиражированию", "iterate": "Доработать и повторить тестирование",
           "extend": "Продлить тестирование", "stop": "Прекратить", "insufficient": "Недостаточно данных для вывода"},
}
# models.rules.evaluation.kpi_verdict's verdicts as the KPI table says them.
VERDICTS = {
    "en": {"met": "target met", "improved": "improved, target not shown", "no_change": "no change shown",
           "worse": "worse than baseline", "insufficient": "insufficient evidence"},
    "ru": {"met": "цель достигнута", "improved": "улучшение есть, цель не доказана", "no_change": "изменение не доказано",
           "worse": "хуже базового значения", "insufficient": "недостаточно данных"},
}
AGE_BANDS = {
    "en": {"under-18": "under 18", "18-34": "18–34", "35-54": "35–54", "55-64": "55–64", "65+": "65 or older"},
    "ru": {"under-18": "младше 18", "18-34": "18–34", "35-54": "35–54", "55-64": "55–64", "65+": "65 и старше"},
}
STATUSES = {
    "en": {"submitted": "Submitted", "registered": "Registered", "ineligible": "Ineligible", "duplicate": "Duplicate",
           "analysed": "Analysed", "rejected": "Rejected", "contracting": "Contracting", "piloting": "Piloting",
           "evaluated": "Evaluated"},
    "ru": {"submitted": "Подана", "registered": "Зарегистрирована", "ineligible": "Не соответствует условиям",
           "duplicate": "Дубликат", "analysed": "Проанализирована", "rejected": "Отклонена",
           "contracting": "Подписание договора", "piloting": "Идёт пилот", "evaluated": "Оценена"},
}
# A monitoring record's deviation lines (models.rules.monitoring.DEVIATION_LINES) as the report says them.
CHECKPOINT_DEVIATIONS = {
    "en": {
        "off_track": "{kpi}: off track ({value} {unit}; baseline {baseline}, target {target})",
        "at_risk": "behind plan: {kpis}",
        "data_gap": "no recent measurement: {kpis}",
        "no_feedback": "no citizen feedback yet",
        "feedback_silent": "no citizen answer since {date}",
        "feedback_low": "{share} of {respondents} respondents satisfied, plan {plan}",
        "checkpoint_overdue": "checkpoint {number} ({checkpoint}, {date}): data overdue by {days} days",
    },
    "ru": {
        "off_track": "{kpi}: хуже базового значения ({value} {unit}; база {baseline}, цель {target})",
        "at_risk": "отстают от плана: {kpis}",
        "data_gap": "нет свежих замеров: {kpis}",
        "no_feedback": "отзывов жителей пока нет",
        "feedback_silent": "нет отзывов жителей с {date}",
        "feedback_low": "удовлетворены {share} из {respondents} опрошенных, по плану — {plan}",
        "checkpoint_overdue": "контрольная точка № {number} ({checkpoint}, {date}): данные просрочены на {days} дн.",
    },
}
RULE = {
    "en": [
        "Roll out: the pilot phase is over (or the coordinator stated why it ended early); every primary KPI met its "
        "target, the whole 95 % interval of its final level clear of it; the planned sample reached; satisfaction "
        "meets the plan; no critical incident.",
        "Iterate and re-test: some primary KPI met its target or improved on its baseline (its interval clear of the "
        "baseline), but not all met theirs.",
        "Extend: the pilot phase is not over and no reason to end it early was given.",
        "Insufficient evidence: a primary KPI has fewer than three pilot-phase readings, or the planned sample was "
        "not reached.",
        "Stop: a critical incident, a primary KPI worse than its baseline (its whole 95 % interval), satisfaction "
        "clearly below the stop level of the methodology, or no primary KPI improved.",
    ],
    "ru": [
        "Тиражировать: период пилота завершён (или координатор указал причину досрочной оценки); каждый основной KPI "
        "достиг цели — весь 95 % интервал итогового уровня за целью; план опроса выполнен; удовлетворённость не ниже "
        "плана; критических инцидентов нет.",
        "Доработать и повторить: часть основных KPI достигла цели или улучшилась относительно базы (интервал не "
        "перекрывает базовое значение), но не все достигли цели.",
        "Продлить: период пилота не завершён, причина досрочной оценки не указана.",
        "Недостаточно данных: по основному KPI меньше трёх замеров за период пилота или план опроса не выполнен.",
        "Прекратить: критический инцидент, основной KPI хуже базового значения (весь 95 % интервал), "
        "удовлетворённость явно ниже порога остановки по методике, либо ни один основной KPI не улучшился.",
    ],
}
TEXT = {
    "en": {
        "none": "None recorded.",
        "no_deviations": "No deviations from the adopted methodology were recorded.",
        "kpis_met": "Primary KPIs: {met} of {total} met their target.",
        "feedback_summary": "Citizens' feedback: {n} respondents (plan: at least {min}); satisfied (rating 4–5): {csat}.",
        "monitoring_summary": "Monitoring: {checkpoints} checkpoint records, {critical} critical; {gaps} data gaps.",
        "incident_summary": "Critical incident reported: {text}",
        "adopted": "The methodology was adopted by {who} on {day}.",
        "adopted_comment": "Decision comment: {comment}",
        "period": "Planned period: {start} – {end} ({weeks} weeks), {checkpoints} checkpoints, {kpis} KPIs "
                  "({primary} primary).",
        "plan": "Feedback plan: at least {min} respondents (±{margin} at 95 % confidence{population}).",
        "plan_population": ", of about {population} visitors over the pilot",
        "dates_changed": "Testing period changed: planned {planned_start} – {planned_end}, actual {start} – {end}.",
        "evaluated_early": "Evaluated {days} days before the planned end of the pilot; the coordinator's reason: "
                           "{reason}",
        "no_reason": "none given (the recommendation cannot be to roll out).",
        "baseline_assumed": "{kpi}: no T0 measurement at the site; the sector's baseline is assumed.",
        "timeline": "Timeline: baseline window (T0) {baseline_start} – {baseline_end}; pilot phase {start} – {end}; "
                    "evaluated on {as_of}: {state}.",
        "phase_complete": "the pilot phase is complete",
        "phase_open": "{days} days before the end of the pilot phase",
        "target_changed": "{kpi}: baseline {baseline} and target {target} adopted instead of the KPI library's "
                          "{standard_baseline} and {standard_target}.",
        "checkpoint_missed": "The checkpoint of {date} ({checkpoint}) was not recorded.",
        "kpi_not_measured": "{kpi} was never measured.",
        "stop_criterion": "{kpi} was worse than its baseline at two consecutive checkpoints (on {date}): "
                          "the methodology's stop criterion.",
        "midpoint_decision": "{date}: at the midpoint review {coordinator} decided to {decision}.{comment}",
        "midpoint_decisions": {"continue": "continue as planned", "adjust": "adjust the pilot",
                               "stop": "stop the pilot early"},
        "midpoint_comment": " Comment: “{comment}”",
        "kpi_method": "Baseline: the mean of the site's T0 readings (in the window before the start); where none "
                      "were taken, the sector's value, marked assumed. Final level: the least-squares trend of the "
                      "pilot-phase readings at the last reading's day, with its 95 % interval (Student t, n − 2 "
                      "degrees of freedom); fewer than three readings give no trend (the latest reading is shown "
                      "alone). A target counts as met only when the whole interval is at or beyond it; improved when "
                      "it only clears the baseline. Change: final level minus baseline.",
        "assumed": "{value} (assumed)",
        "measured": "{value} (T0, {n} readings)",
        "readings": "{verdict}; {n} readings, trend {slope} per week",
        "few_readings": "{verdict}; {n} readings",
        "respondents": "{n} citizens answered; the plan required at least {min}.",
        "share_of_visitors": "That is {share} of the about {population} visitors over the pilot.",
        "mean_rating": "Mean satisfaction rating: {mean} of 5.",
        "csat": "Satisfied (rating 4 or 5): {csat} (95 % Wilson interval {interval}); plan: {plan}.",
        "nps": "Net Promoter Score: {nps} (95 % interval {interval}) from {n} answers.",
        "no_nps": "The likelihood to recommend (NPS) was not asked.",
        "sus": "System Usability Scale: {sus} (95 % t interval {interval}) from {n} questionnaires: grade {grade} on "
               "the Sauro–Lewis curved scale, where 68 is average.",
        "no_sus": "The System Usability Scale was not collected.",
        "disability": "Respondents with a disability: {count} of {answered} who answered ({share}; city reference "
                      "{reference}).",
        "bands_note": "{answered} of {n} respondents gave their age band. Reference: {source}.",
        "themes_note": "{comments} comments. Themes are found by keywords in Russian and English "
                       "(models/data/themes.json); a comment may touch several themes; {unclassified} touch none. "
                       "The mean rating shows whether a theme is praise or complaint.",
        "no_comments": "No comments were left.",
        "incident": "{date}: {text}",
        "reported_incident": "Reported in the conclusions: {text}",
        "gap": "{kpi}: no recent measurement at {count} checkpoint records ({first} – {last}).",
        "ratings_title": "Satisfaction ratings", "rating": "rating (1 = very poor, 5 = excellent)",
        "feedback_title": "Feedback per week", "per_week": "responses per week", "cumulative": "total",
        "minimum": "plan minimum", "actual": "measured", "target": "target", "baseline": "baseline",
        "trend": "trend",
    },
    "ru": {
        "none": "Не зафиксировано.",
        "no_deviations": "Отклонений от принятой методики не зафиксировано.",
        "kpis_met": "Основные KPI: цели достигли {met} из {total}.",
        "feedback_summary": "Обратная связь жителей: {n} респондентов (план — не менее {min}); удовлетворены "
                            "(оценка 4–5): {csat}.",
        "monitoring_summary": "Мониторинг: записей контрольных точек — {checkpoints}, критичных — {critical}; "
                              "пропусков данных — {gaps}.",
        "incident_summary": "Зафиксирован критический инцидент: {text}",
        "adopted": "Методика принята: {who}, {day}.",
        "adopted_comment": "Комментарий к решению: {comment}",
        "period": "Плановый период: {start} – {end} ({weeks} нед.), контрольных точек — {checkpoints}, KPI — {kpis} "
                  "(основных — {primary}).",
        "plan": "План опроса: не менее {min} респондентов (±{margin} при доверительной вероятности 95 %{population}).",
        "plan_population": ", из примерно {population} посетителей за период пилота",
        "dates_changed": "Изменён период тестирования: по плану {planned_start} – {planned_end}, фактически "
                         "{start} – {end}.",
        "evaluated_early": "Оценка проведена за {days} дн. до планового окончания пилота; причина, указанная "
                           "координатором: {reason}",
        "no_reason": "не указана (рекомендация к тиражированию невозможна).",
        "baseline_assumed": "{kpi}: замер T0 на площадке не проводился; базовое значение принято по умолчанию "
                            "для отрасли.",
        "timeline": "График: базовый период (T0) {baseline_start} – {baseline_end}; период пилота {start} – {end}; "
                    "оценка на {as_of}: {state}.",
        "phase_complete": "период пилота завершён",
        "phase_open": "за {days} дн. до окончания периода пилота",
        "target_changed": "{kpi}: приняты базовое значение {baseline} и цель {target} вместо {standard_baseline} и "
                          "{standard_target} по библиотеке KPI.",
        "checkpoint_missed": "Контрольная точка {date} ({checkpoint}) не проведена.",
        "kpi_not_measured": "{kpi}: замеры не проводились.",
        "stop_criterion": "{kpi}: хуже базового значения в двух контрольных точках подряд ({date}) — критерий "
                          "остановки по методике.",
        "midpoint_decision": "{date}: на промежуточном анализе {coordinator} принял(а) решение {decision}.{comment}",
        "midpoint_decisions": {"continue": "продолжить пилот по плану", "adjust": "скорректировать пилот",
                               "stop": "досрочно остановить пилот"},
        "midpoint_comment": " Комментарий: «{comment}»",
        "kpi_method": "Базовое значение — среднее замеров T0 на площадке (до начала пилота); если их нет — "
                      "отраслевое значение, принятое по умолчанию. Итоговый уровень — линейный тренд (метод "
                      "наименьших квадратов) по замерам периода пилота на дату последнего замера, в скобках — 95 % "
                      "интервал (t-распределение Стьюдента, степеней свободы на две меньше, чем замеров); при менее "
                      "чем трёх замерах тренда нет (показан последний замер). Цель достигнута, только если весь "
                      "интервал за целью; улучшение — если интервал лишь не перекрывает базовое значение. "
                      "Изменение — итоговый уровень минус базовое значение.",
        "assumed": "{value} (принято по умолчанию)",
        "measured": "{value} (T0, замеров: {n})",
        "readings": "{verdict}; замеров: {n}, тренд {slope} в неделю",
        "few_readings": "{verdict}; замеров: {n}",
        "respondents": "Ответили {n} жителей; по плану требовалось не менее {min}.",
        "share_of_visitors": "Это {share} из примерно {population} посетителей за период пилота.",
        "mean_rating": "Средняя оценка удовлетворённости: {mean} из 5.",
        "csat": "Удовлетворены (оценка 4 или 5): {csat} (95 % интервал Уилсона {interval}); план — {plan}.",
        "nps": "Индекс потребительской лояльности (NPS): {nps} (95 % интервал {interval}), ответов — {n}.",
        "no_nps": "Готовность рекомендовать (NPS) не опрашивалась.",
        "sus": "Шкала удобства SUS: {sus} (95 % t-интервал {interval}), анкет — {n}; оценка {grade} по шкале "
               "Sauro–Lewis (68 — средний уровень).",
        "no_sus": "Шкала удобства SUS не собиралась.",
        "disability": "Респонденты с инвалидностью: {count} из {answered} ответивших ({share}; по городу {reference}).",
        "bands_note": "Возрастную группу указали {answered} из {n} респондентов. Сравнение: {source}.",
        "themes_note": "Отзывов с комментарием — {comments}. Темы определены по ключевым словам на русском и "
                       "английском (models/data/themes.json); отзыв может относиться к нескольким темам; "
                       "без темы — {unclassified}. Средняя оценка показывает, похвала это или жалоба.",
        "no_comments": "Комментариев не оставлено.",
        "incident": "{date}: {text}",
        "reported_incident": "Указано в выводах: {text}",
        "gap": "{kpi}: нет свежих замеров в {count} записях контрольных точек ({first} – {last}).",
        "ratings_title": "Оценки удовлетворённости", "rating": "оценка (1 — очень плохо, 5 — отлично)",
        "feedback_title": "Отзывы по неделям", "per_week": "отзывов за неделю", "cumulative": "всего",
        "minimum": "минимум по плану", "actual": "замеры", "target": "цель", "baseline": "база",
        "trend": "тренд",
    },
}
SHOWN_CHECKPOINT_KINDS = {"baseline", "regular", "midpoint", "final"}  # daily "interim" records only when not ok


def share(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2%}" if 0 < value < 0.01 else f"{value:.0%}"  # a small share is not shown as 0 %


def interval(low: float | None, high: float | None, language: str, formatter=format_number) -> str:
    if low is None:
        return "—"
    separator = " до " if language == "ru" else " to "
    return f"{formatter(low, language)}{separator}{formatter(high, language)}"


def signed(value: float, language: str) -> str:
    return ("+" if value > 0 else "") + format_number(value, language)


def with_interval(estimate: dict | None, language: str, formatter=format_number) -> str:
    if estimate is None:
        return "—"
    text = formatter(estimate["value"], language)
    if estimate["low"] is None:
        return text
    return f"{text} ({interval(estimate['low'], estimate['high'], language, formatter)})"


def _share_formatter(value: float, _language: str) -> str:
    return share(value)


def kpi_rows(evaluation: dict, language: str) -> list[KpiResultRow]:
    text = TEXT[language]
    rows = []
    for r in evaluation["kpis"]:
        verdict = VERDICTS[language][r["verdict"]]
        slope = r["slope_per_week"]
        verdict = (text["readings"].format(verdict=verdict, n=r["readings"], slope=with_interval(slope, language, signed))
                   if slope else text["few_readings"].format(verdict=verdict, n=r["readings"]))
        baseline = format_number(r["baseline"], language)
        rows.append(KpiResultRow(
            name=r[f"name_{language}"], unit=kpi_text(r, "unit", language),
            baseline=(text["measured"].format(value=baseline, n=r["baseline_readings"])
                      if r["baseline_source"] == "measured" else text["assumed"].format(value=baseline)),
            target=format_number(r["target"], language), actual=with_interval(r["actual"], language),
            change=with_interval(r["change"], language, signed), met=verdict,
        ))
    return rows


def timeline_line(evaluation: dict, language: str) -> str:
    """Where the evaluation stands on the pilot's timeline: the T0 window, the pilot phase, the evaluation day."""
    timeline, text = evaluation["timeline"], TEXT[language]
    baseline_end = date.fromisoformat(timeline["start"]) - timedelta(days=1)
    state = (text["phase_complete"] if timeline["complete"] else text["phase_open"].format(days=timeline["days_left"]))
    return text["timeline"].format(
        baseline_start=format_date(timeline["baseline_start"], language),
        baseline_end=format_date(baseline_end, language), start=format_date(timeline["start"], language),
        end=format_date(timeline["end"], language), as_of=format_date(evaluation["as_of"], language), state=state)


def deviation_lines(evaluation: dict, names: dict[str, str], language: str) -> list[str]:
    text = TEXT[language]
    lines = []
    for d in evaluation["deviations"]:
        values = dict(d)
        for key in ("planned_start", "planned_end", "start", "end", "date"):
            if key in values:
                values[key] = format_date(values[key][:10], language)
        for key in ("baseline", "target", "standard_baseline", "standard_target"):
            if key in values:
                values[key] = format_number(values[key], language)
        if "code" in values:
            values["kpi"] = names.get(values["code"], values["code"])
        if "checkpoint" in values:
            values["checkpoint"] = CHECKPOINT_KINDS[language].get(values["checkpoint"], values["checkpoint"])
        if d["kind"] == "evaluated_early":
            values["reason"] = d["reason"] or text["no_reason"]
        if d["kind"] == "midpoint_decision":
            values["decision"] = text["midpoint_decisions"][d["decision"]]
            values["comment"] = text["midpoint_comment"].format(comment=d["comment"]) if d["comment"] else ""
        lines.append(text[d["kind"]].format(**values))
    return lines or [text["no_deviations"]]


def checkpoint_deviations(lines: list[str], evaluation: dict, language: str) -> str:
    """A monitoring record's deviations (stored in English) as one sentence in `language`, the KPIs named as
    in the evaluation. A line of no known kind is quoted as it is."""
    kpis = {r["code"]: r for r in evaluation["kpis"]}
    said = []
    for line in lines:
        values = parse_deviation(line)
        if values is None:
            said.append(line)
            continue
        kind = values.pop("kind")
        for key in ("value", "baseline", "target"):
            if key in values:
                values[key] = format_number(float(values[key]), language)
        if "date" in values:
            values["date"] = format_date(values["date"], language)
        if "checkpoint" in values:
            values["checkpoint"] = CHECKPOINT_KINDS[language].get(values["checkpoint"], values["checkpoint"])
        if "code" in values:
            kpi = kpis.get(values["code"])
            values["kpi"] = kpi[f"name_{language}"] if kpi else values["code"]
            values["unit"] = kpi_text(kpi, "unit", language) if kpi else values["unit"]
        if "codes" in values:
            values["kpis"] = ", ".join(kpis[code][f"name_{language}"] if code in kpis else code
                                       for code in values["codes"].split(", "))
        said.append(CHECKPOINT_DEVIATIONS[language][kind].format(**values))
    return "; ".join(said)


def feedback_lines(feedback: dict, language: str) -> list[str]:
    text = TEXT[language]
    lines = [text["respondents"].format(n=feedback["respondents"], min=feedback["min_respondents"])]
    if feedback["population"]:
        lines.append(text["share_of_visitors"].format(
            share=share(feedback["respondents"] / feedback["population"]),
            population=format_number(feedback["population"], language)))
    if feedback["mean_rating"] is not None:
        lines.append(text["mean_rating"].format(mean=format_number(feedback["mean_rating"], language)))
    csat = feedback["csat"]
    if csat:
        lines.append(text["csat"].format(csat=share(csat["value"]),
                                         interval=interval(csat["low"], csat["high"], language, _share_formatter),
                                         plan=share(feedback["min_satisfied_share"])))
    nps = feedback["nps"]
    lines.append(text["nps"].format(nps=signed(nps["value"], language), n=feedback["nps_respondents"],
                                    interval=interval(nps["low"], nps["high"], language, signed))
                 if nps else text["no_nps"])
    sus = feedback["sus"]
    lines.append(text["sus"].format(sus=format_number(sus["value"], language), n=feedback["sus_respondents"],
                                    interval=interval(sus["low"], sus["high"], language), grade=feedback["sus_grade"])
                 if sus else text["no_sus"])
    disability = feedback["disability"]
    if disability["answered"]:
        lines.append(text["disability"].format(count=disability["count"], answered=disability["answered"],
                                               share=share(disability["share"]),
                                               reference=share(disability["reference_share"])))
    return lines


def monitoring_lines(evaluation: dict, names: dict[str, str], language: str) -> tuple[list[str], list[str]]:
    """Incidents (critical checkpoints and a reported incident) and data gaps grouped by KPI."""
    text = TEXT[language]
    monitoring = evaluation["monitoring"]
    incidents = [text["incident"].format(date=format_date(i["date"], language),
                                         text=checkpoint_deviations(i["deviations"], evaluation, language))
                 for i in monitoring["incidents"]]
    if evaluation["critical_incident"]:
        incidents.append(text["reported_incident"].format(text=evaluation["critical_incident"]))
    by_kpi: dict[str, list[str]] = defaultdict(list)
    for gap in monitoring["data_gaps"]:
        by_kpi[gap["code"]].append(gap["date"])
    gaps = [text["gap"].format(kpi=names.get(code, code), count=len(days), first=format_date(min(days), language),
                               last=format_date(max(days), language))
            for code, days in by_kpi.items()]
    return incidents or [text["none"]], gaps or [text["none"]]


def trend_line(kpi: dict) -> tuple[tuple[date, float], tuple[date, float]] | None:
    """The fitted trend's two ends, from the first pilot-phase reading to the last, for the KPI's chart."""
    if kpi["slope_per_week"] is None:
        return None
    days = [date.fromisoformat(d) for d, _, phase in kpi["series"] if phase == "pilot"]
    first, last = min(days), max(days)
    level = kpi["actual"]["value"]
    return (first, level - kpi["slope_per_week"]["value"] * (last - first).days / 7), (last, level)


def report_charts(evaluation: dict, methodology: Methodology, language: str) -> tuple[list[ChartBlock], Picture, Picture]:
    labels = TEXT[language]
    checkpoint_days = [date.fromisoformat(c["date"]) for c in methodology.checkpoints]
    kpi_charts = []
    for r in evaluation["kpis"]:
        if not r["series"]:
            continue
        name, unit = r[f"name_{language}"], kpi_text(r, "unit", language)
        kpi_charts.append(ChartBlock(title=f"{name}, {unit}", image=Picture(png=charts.kpi_chart(
            name, unit, [(date.fromisoformat(d), v) for d, v, _ in r["series"]], r["baseline"], r["target"],
            checkpoint_days, labels, trend_line(r), date.fromisoformat(evaluation["timeline"]["start"]),
            number=lambda value: format_number(value, language)))))
    feedback = evaluation["feedback"]
    ratings = Picture(png=charts.rating_chart(feedback["rating_counts"], labels), width_mm=115)
    weekly = Picture(png=charts.feedback_chart(feedback["weekly"], feedback["min_respondents"], labels))
    return kpi_charts, ratings, weekly


def report_context(
    application: Application, company: Company, site: Site, pilot: Pilot, methodology: Methodology,
    evaluation: dict, report_date: date, conclusions,
) -> ReportContext:
    """`evaluation` is models.rules.evaluation.evaluate_pilot's result; `conclusions` the coordinator's form."""
    lang = application.language
    text = TEXT[lang]
    names = {r["code"]: r[f"name_{lang}"] for r in evaluation["kpis"]}
    feedback = evaluation["feedback"]
    primary = [r for r in evaluation["kpis"] if r["primary"]]
    incidents, gaps = monitoring_lines(evaluation, names, lang)
    checkpoints = evaluation["monitoring"]["checkpoints"]
    summary = [
        timeline_line(evaluation, lang),
        text["kpis_met"].format(met=sum(1 for r in primary if r["met"]), total=len(primary)),
        text["feedback_summary"].format(n=feedback["respondents"], min=feedback["min_respondents"],
                                        csat=with_interval(feedback["csat"], lang, _share_formatter)),
        text["monitoring_summary"].format(checkpoints=len(checkpoints),
                                          critical=len(evaluation["monitoring"]["incidents"]),
                                          gaps=len(evaluation["monitoring"]["data_gaps"])),
    ]
    if evaluation["critical_incident"]:
        summary.append(text["incident_summary"].format(text=evaluation["critical_incident"]))
    plan = methodology.feedback_plan
    methodology_lines = []
    if methodology.adopted_by:
        adopted_on = format_date(local_date(methodology.adopted_at), lang) if methodology.adopted_at else "—"
        methodology_lines.append(text["adopted"].format(who=methodology.adopted_by, day=adopted_on))
    if methodology.decision_comment:
        methodology_lines.append(text["adopted_comment"].format(comment=methodology.decision_comment))
    methodology_lines += [
        text["period"].format(start=format_date(methodology.start_date, lang), end=format_date(methodology.end_date, lang),
                              weeks=methodology.duration_weeks, checkpoints=len(methodology.checkpoints),
                              kpis=len(methodology.kpis), primary=len(primary)),
        text["plan"].format(min=plan["min_respondents"], margin=share(plan.get("margin")),
                            population=text["plan_population"].format(
                                population=format_number(plan["population"], lang)) if plan.get("population") else ""),
    ]
    kpi_charts, rating_picture, weekly_picture = report_charts(evaluation, methodology, lang)
    reference = reference_population()
    themes_note = (text["themes_note"].format(comments=feedback["comments"], unclassified=feedback["unclassified"])
                   if feedback["comments"] else text["no_comments"])
    return ReportContext(
        language=lang,
        report_number=f"{pilot.contract_number}-R",
        report_date=format_date(report_date, lang),
        application_number=application.registration_number or str(application.id),
        solution_title=application.title,
        solution_description=application.description,
        company_name=company.name,
        site_name=site_name(site, lang),
        site_address=site_address(site, lang),
        site_owner=site_owner(site, lang),
        pilot_start=format_date(pilot.start_date, lang),
        pilot_end=format_date(pilot.end_date, lang),
        recommendation=RECOMMENDATIONS[lang][evaluation["recommendation"]],
        recommendation_reason=explain(evaluation["reasons"], lang, names),
        recommendation_rule=RULE[lang],
        summary=summary,
        methodology=methodology_lines,
        hypotheses=methodology.hypotheses,
        deviations=deviation_lines(evaluation, names, lang),
        kpi_results=kpi_rows(evaluation, lang),
        kpi_method=text["kpi_method"],
        kpi_charts=kpi_charts,
        respondents=feedback["respondents"],
        min_respondents=feedback["min_respondents"],
        feedback=feedback_lines(feedback, lang),
        rating_chart=rating_picture,
        feedback_chart=weekly_picture,
        bands=[BandRow(band=AGE_BANDS[lang].get(b["band"], b["band"]), count=str(b["count"]), share=share(b["share"]),
                       reference=share(b["reference_share"])) for b in feedback["age_bands"]],
        bands_note=text["bands_note"].format(answered=feedback["age_answered"], n=feedback["respondents"],
                                             source=reference[f"source_{lang}"]),
        themes=[ThemeRow(name=t[f"name_{lang}"], count=str(t["count"]), share=share(t["share"]),
                         mean_rating=format_number(t["mean_rating"], lang)) for t in feedback["themes"]],
        themes_note=themes_note,
        comments=feedback["quotes"],
        checkpoints=[CheckpointSummaryRow(date=format_date(c["as_of"], lang), severity=SEVERITIES[lang][c["severity"]],
                                          summary=checkpoint_deviations(c["deviations"], evaluation, lang) or "—")
                     for c in checkpoints if c["kind"] in SHOWN_CHECKPOINT_KINDS or c["severity"] != "ok"],
        incidents=incidents,
        data_gaps=gaps,
        coordinator=conclusions.coordinator,
        conclusions=conclusions.conclusions or "—",
        expert=conclusions.expert or "—",
        expert_conclusions=conclusions.expert_conclusions or "—",
    )


# --- the quarterly program report -------------------------------------------------------------

PROGRAM_TEXT = {
    "en": {
        "applications": "Applications received", "reached": "Reached a pilot", "active": "Pilots active",
        "completed": "Pilots completed", "rolled_out": "Recommended for roll-out", "cycle": "Cycle time, "
        "application to report: average / longest (days)", "pilot": "Pilot duration, start to report: average / "
        "longest (days)", "feedback": "Citizens' feedback responses", "started": "Pilots started",
        "by_month": "Applications by month", "by_sector": "Applications by sector", "sites": "Most used test sites",
        "period": "Q{quarter} {year}",
    },
    "ru": {
        "applications": "Получено заявок", "reached": "Дошли до пилота", "active": "Пилотов идёт",
        "completed": "Пилотов завершено", "rolled_out": "Рекомендовано к тиражированию", "cycle": "Длительность "
        "цикла от заявки до отчёта: средняя / наибольшая (дней)", "pilot": "Длительность пилота от начала до "
        "отчёта: средняя / наибольшая (дней)", "feedback": "Отзывов жителей", "started": "Начато пилотов",
        "by_month": "Заявки по месяцам", "by_sector": "Заявки по отраслям", "sites": "Самые востребованные площадки",
        "period": "{quarter} квартал {year} г.",
    },
}


def count_with_share(count: int, share_value: float | None) -> str:
    return str(count) if share_value is None else f"{count} ({share(share_value)})"


def days_pair(cycle, language: str) -> str:
    if not cycle.count:
        return "—"
    return f"{format_number(round(cycle.average_days, 1), language)} / {format_number(round(cycle.longest_days, 1), language)}"


def program_figures(stats: ProgramStats, language: str) -> list[FigureRow]:
    text = PROGRAM_TEXT[language]
    return [
        FigureRow(name=text["applications"], value=str(stats.applications)),
        FigureRow(name=text["reached"], value=count_with_share(stats.reached_pilot, stats.reached_pilot_share)),
        FigureRow(name=text["active"], value=str(stats.pilots_active)),
        FigureRow(name=text["completed"], value=str(stats.pilots_completed)),
        FigureRow(name=text["rolled_out"], value=count_with_share(stats.rolled_out, stats.rolled_out_share)),
        FigureRow(name=text["cycle"], value=days_pair(stats.cycle, language)),
        FigureRow(name=text["pilot"], value=days_pair(stats.pilot_duration, language)),
        FigureRow(name=text["feedback"], value=str(stats.feedback_responses)),
    ]


def program_charts(stats: ProgramStats, language: str) -> dict[str, bytes]:
    """The dashboard's charts as PNG, by name (also served by GET /stats/charts/{name}.png)."""
    text = PROGRAM_TEXT[language]
    label = f"label_{language}"
    return {
        "by_month": charts.bar_chart(text["by_month"], [(getattr(c, label), c.count) for c in stats.by_month]),
        "by_sector": charts.bar_chart(text["by_sector"], [(getattr(c, label), c.count) for c in stats.by_sector],
                                      horizontal=True),
        "sites": charts.bar_chart(text["sites"], [(f"{c.key} {getattr(c, label)}", c.count) for c in stats.sites],
                                  horizontal=True),
    }


def program_report_context(stats: ProgramStats, quarter: QuarterStats, agency_name: str, report_date: date,
                           language: str) -> ProgramReportContext:
    text = PROGRAM_TEXT[language]
    label = f"label_{language}"
    images = program_charts(stats, language)
    return ProgramReportContext(
        language=language,
        period=text["period"].format(quarter=quarter.quarter, year=quarter.year),
        report_date=format_date(report_date, language),
        agency_name=agency_name,
        figures=program_figures(stats, language),
        quarter_figures=[
            FigureRow(name=text["applications"], value=str(quarter.applications)),
            FigureRow(name=text["started"], value=str(quarter.pilots_started)),
            FigureRow(name=text["completed"], value=str(quarter.pilots_completed)),
            FigureRow(name=text["rolled_out"], value=str(quarter.rolled_out)),
            FigureRow(name=text["feedback"], value=str(quarter.feedback_responses)),
        ],
        by_sector=[FigureRow(name=getattr(c, label), value=str(c.count)) for c in stats.by_sector],
        by_stage=[FigureRow(name=STATUSES[language].get(c.key, c.key), value=str(c.count)) for c in stats.by_status],
        sites=[FigureRow(name=f"{c.key} {getattr(c, label)}", value=str(c.count)) for c in stats.sites],
        charts=[ChartBlock(title=text[name], image=Picture(png=png)) for name, png in images.items()],
    )
