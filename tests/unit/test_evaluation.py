"""Stage 5's one computation and the recommendation's rule, on constructed pilots for each outcome."""

import io
from datetime import date, timedelta

import pytest
from docx import Document as WordDocument

from documents.render import render_docx
from documents.reports import report_context
from models.rules.evaluation import PilotFacts, Response, evaluate_pilot, explain, kpi_result, weekly_counts
from models.rules.timeline import Timeline
from models.rules.themes import Comment, comment_themes
from models.schemas import EvaluationInput
from models.tables import Application, Company, Methodology, Pilot, Site

START = date(2027, 1, 4)
END = START + timedelta(weeks=12)
QUEUE = {"code": "queue_min", "name_en": "Queue time", "name_ru": "Время ожидания", "unit": "min",
         "baseline": 20.0, "target": 10.0, "primary": True}
USERS = {"code": "users", "name_en": "Daily users", "name_ru": "Пользователи", "unit": "people",
         "baseline": 100.0, "target": 200.0, "primary": True}
SPEED = {"code": "speed", "name_en": "Speed", "name_ru": "Скорость", "unit": "s", "baseline": 5.0, "target": 2.0,
         "primary": False}


def series(values: list[float], first_week: int = 0) -> list[tuple[date, float]]:
    """Fortnightly readings of the pilot phase from week `first_week`."""
    return [(START + timedelta(weeks=first_week + 2 * i), v) for i, v in enumerate(values)]


def t0(*values: float) -> list[tuple[date, float]]:
    """Readings in the baseline window, the days before the start."""
    return [(START - timedelta(days=10 - 3 * i), v) for i, v in enumerate(values)]


def responses(n: int, rating: int = 5, **fields) -> list[Response]:
    return [Response(rating=rating, day=START + timedelta(days=i % 80), **fields) for i in range(n)]


def pilot(measurements: dict, answers: list[Response], kpis=(QUEUE, USERS, SPEED), **changes) -> dict:
    facts = dict(kpis=list(kpis), measurements=measurements, start=START, end=END, planned_start=START,
                 planned_end=END, as_of=END, planned_checkpoints=[], checkpoints=[], min_respondents=97,
                 min_satisfied_share=0.7, population=50_000)
    return evaluate_pilot(PilotFacts(**{**facts, **changes}), answers)


# Five checkpoints with noise around a clear trend, each KPI's final level well past its target.
MET = {"queue_min": series([17.8, 15.1, 12.6, 9.4, 7.2, 5.1]), "users": series([120.0, 150.0, 178.0, 215.0, 240.0, 268.0])}
# The demo's old case: one reading per KPI, at its target, taken 136 days before the planned end.
ONE_READING = {"queue_min": series([10.0]), "users": series([200.0])}


def verdicts(result: dict) -> dict[str, str]:
    return {r["code"]: r["verdict"] for r in result["kpis"]}


class TestRule:
    def test_roll_out_when_every_primary_kpi_met_and_satisfaction_meets_the_plan(self):
        result = pilot(MET, responses(120))
        assert verdicts(result)["queue_min"] == verdicts(result)["users"] == "met"
        assert result["recommendation"] == "roll_out"
        assert result["reason"].startswith("Every primary KPI met its target, its 95 % interval clear of it (2 of 2)")

    def test_not_roll_out_when_evaluated_early_on_one_reading_each(self):
        # The demo's old report: «Рекомендовать к тиражированию» 136 days before the end on one reading per KPI.
        result = pilot(ONE_READING, responses(120), as_of=END - timedelta(days=136))
        assert result["recommendation"] == "extend"
        assert [r["code"] for r in result["reasons"]] == ["phase_incomplete", "kpi_few_readings"]
        assert verdicts(result) == {"queue_min": "insufficient", "users": "insufficient", "speed": "insufficient"}
        assert not any(r["met"] for r in result["kpis"])

    def test_insufficient_evidence_when_ended_early_with_a_reason_but_one_reading_each(self):
        result = pilot(ONE_READING, responses(120), as_of=END - timedelta(days=20),
                       early_end_reason="the site closes for repairs")
        assert result["recommendation"] == "insufficient"
        assert result["reasons"][0] == {"code": "kpi_few_readings", "kpis": ["queue_min", "users"], "min": 3}
        assert "the site closes for repairs" in result["reason"]

    def test_extend_while_the_pilot_phase_runs_even_when_the_data_looks_good(self):
        result = pilot(MET, responses(120), as_of=END - timedelta(days=10))
        assert result["recommendation"] == "extend"
        assert result["reasons"] == [{"code": "phase_incomplete", "end": END.isoformat(), "days": 10}]

    def test_roll_out_when_ended_early_for_a_stated_reason_and_the_report_says_it(self):
        result = pilot(MET, responses(120), as_of=END - timedelta(days=10), early_end_reason="targets met, site asks")
        assert result["recommendation"] == "roll_out"
        assert result["reasons"][-1] == {"code": "ended_early", "days": 10, "text": "targets met, site asks"}
        assert {"kind": "evaluated_early", "days": 10, "reason": "targets met, site asks"} in result["deviations"]

    def test_improved_but_not_met_when_the_interval_reaches_back_over_the_target(self):
        # The fitted final level (about 9) is past the target of 10, but its interval is not.
        noisy = series([17.0, 12.0, 15.0, 8.0, 12.5, 7.5])
        result = pilot({**MET, "queue_min": noisy}, responses(120))
        row = result["kpis"][0]
        assert row["actual"]["value"] < 10.0 < row["actual"]["high"] < 20.0
        assert row["verdict"] == "improved" and not row["met"]
        assert result["recommendation"] == "iterate"
        assert {"code": "kpi_improved", "kpis": ["queue_min"]} in result["reasons"]

    def test_no_change_when_the_interval_overlaps_the_baseline(self):
        flat = {"queue_min": series([21.0, 18.0, 22.0, 17.5, 20.5, 18.5]),
                "users": series([95.0, 110.0, 90.0, 108.0, 97.0, 104.0])}
        result = pilot(flat, responses(120))
        assert verdicts(result)["queue_min"] == verdicts(result)["users"] == "no_change"
        assert result["recommendation"] == "stop" and result["reasons"][0]["code"] == "none_improved"

    def test_insufficient_evidence_with_two_readings(self):
        result = pilot({**MET, "users": series([210.0, 230.0])}, responses(120))
        assert verdicts(result)["users"] == "insufficient"
        assert result["recommendation"] == "insufficient"
        assert result["reasons"] == [{"code": "kpi_few_readings", "kpis": ["users"], "min": 3}]

    def test_insufficient_evidence_when_the_planned_sample_is_not_reached(self):
        result = pilot(MET, responses(40))
        assert result["recommendation"] == "insufficient"
        assert "40 respondents of the 97 planned" in result["reason"]

    def test_iterate_when_satisfaction_is_below_the_plan(self):
        result = pilot(MET, responses(60, rating=5) + responses(60, rating=3))
        assert result["recommendation"] == "iterate"
        assert result["reasons"][-1]["code"] == "satisfaction_below"

    def test_stop_when_a_primary_kpi_is_worse_than_its_baseline(self):
        result = pilot({**MET, "queue_min": series([21.0, 22.5, 23.0, 24.2, 25.0])}, responses(120))
        assert result["recommendation"] == "stop" and result["reasons"] == [{"code": "kpi_worse", "kpis": ["queue_min"]}]

    def test_stop_on_a_critical_incident(self):
        result = pilot(MET, responses(120), critical_incident="A passenger fell at the stop")
        assert result["recommendation"] == "stop" and "A passenger fell" in result["reason"]

    def test_stop_when_citizens_are_clearly_dissatisfied(self):
        result = pilot(MET, responses(120, rating=2))
        assert result["recommendation"] == "stop" and result["reasons"][0]["code"] == "dissatisfied"

    def test_reasons_read_in_russian_with_the_kpi_names(self):
        result = pilot({**MET, "queue_min": series([21.0, 22.5, 23.0, 24.2, 25.0])}, responses(120))
        assert explain(result["reasons"], "ru", {"queue_min": "Время ожидания"}) == (
            "Основной KPI хуже базового значения: Время ожидания")


TIMELINE = Timeline(START, END)


class TestComputation:
    def test_final_level_is_the_trend_at_the_last_reading_with_a_t_interval(self):
        row = kpi_result(QUEUE, series([18.0, 16.0, 14.0, 12.0]), TIMELINE)
        assert row["readings"] == 4 and row["actual"] == {"value": pytest.approx(12.0), "low": pytest.approx(12.0),
                                                           "high": pytest.approx(12.0)}
        assert row["slope_per_week"]["value"] == pytest.approx(-1.0)
        assert row["change"]["value"] == pytest.approx(-8.0) and row["verdict"] == "improved"

    def test_baseline_is_the_sites_t0_measurement_when_recorded(self):
        row = kpi_result(QUEUE, t0(25.0, 24.0, 26.0) + series([18.0, 16.0, 14.0]), TIMELINE)
        assert (row["baseline"], row["baseline_source"], row["baseline_readings"]) == (25.0, "measured", 3)
        assert row["assumed_baseline"] == 20.0 and row["readings"] == 3
        assert [phase for _, _, phase in row["series"]] == ["baseline"] * 3 + ["pilot"] * 3

    def test_baseline_is_the_sectors_value_marked_assumed_without_t0(self):
        row = kpi_result(QUEUE, series([18.0, 16.0, 14.0]), TIMELINE)
        assert (row["baseline"], row["baseline_source"]) == (20.0, "assumed")

    def test_readings_before_the_baseline_window_and_after_the_end_make_no_verdict(self):
        early = [(START - timedelta(days=60), 5.0)]
        late = [(END + timedelta(days=3), 1.0)]
        row = kpi_result(QUEUE, early + series([18.0, 16.0]) + late, TIMELINE)
        assert row["readings"] == 2 and row["after_readings"] == 1 and row["verdict"] == "insufficient"
        assert row["actual"] == {"value": 16.0, "low": None, "high": None}
        assert len(row["series"]) == 3  # the reading in no window is left out

    def test_feedback_statistics(self):
        answers = (responses(30, rating=5, nps=10, sus=[5, 1] * 5, age_band="65+", has_disability=True,
                             comment="Удобно и громко")
                   + responses(10, rating=2, nps=3, age_band="18-34", has_disability=False,
                               comment="Долго ждал, экран не работает"))
        feedback = pilot(MET, answers)["feedback"]
        assert feedback["respondents"] == 40 and feedback["rating_counts"] == {"1": 0, "2": 10, "3": 0, "4": 0, "5": 30}
        assert feedback["csat"]["value"] == 0.75 and feedback["nps"]["value"] == 50.0
        assert feedback["sus"]["value"] == 100.0 and feedback["sus_grade"] == "A+" and feedback["sus_respondents"] == 30
        bands = {b["band"]: b for b in feedback["age_bands"]}
        assert bands["65+"]["share"] == 0.75 and bands["65+"]["reference_share"] == 0.18
        assert feedback["disability"] == {"count": 30, "answered": 40, "share": 0.75, "reference_share": 0.08}
        assert sum(w["count"] for w in feedback["weekly"]) == 40 and feedback["weekly"][-1]["cumulative"] == 40
        themes = {t["code"]: t["count"] for t in feedback["themes"]}
        assert themes == {"ease_of_use": 30, "sound": 30, "speed": 10, "reliability": 10, "information": 10}
        assert feedback["quotes"] == ["Удобно и громко", "Долго ждал, экран не работает"]

    def test_weekly_counts_start_on_monday_and_run_to_the_last_answer(self):
        weeks = weekly_counts([date(2027, 1, 6), date(2027, 1, 7), date(2027, 1, 20)], date(2027, 1, 6),
                              date(2027, 3, 1))
        assert [(w["week"], w["count"], w["cumulative"]) for w in weeks] == [
            ("2027-01-04", 2, 2), ("2027-01-11", 0, 2), ("2027-01-18", 1, 3), ("2027-01-25", 0, 3)]

    def test_deviations_from_the_methodology(self):
        off = {"code": "queue_min", "status": "off_track"}
        checkpoints = [{"as_of": d, "kind": "regular", "severity": "critical", "deviations": ["queue off track"],
                        "kpi_results": [off, {"code": "users", "status": "on_track", "gap": True}]}
                       for d in ("2027-02-01", "2027-02-15")]
        result = pilot(MET, responses(120), start=START + timedelta(days=7), as_of=END - timedelta(days=10),
                       planned_checkpoints=[{"number": 1, "date": "2027-01-04", "kind": "baseline"},
                                            {"number": 2, "date": "2027-02-01", "kind": "regular"}],
                       checkpoints=checkpoints, library_kpis={"queue_min": {**QUEUE, "target": 12.0}},
                       decisions=[{"date": "2027-02-20", "decision": "continue", "coordinator": "A", "comment": ""}])
        kinds = [d["kind"] for d in result["deviations"]]
        assert kinds == ["dates_changed", "evaluated_early", "target_changed", "checkpoint_missed", "kpi_not_measured",
                         "baseline_assumed", "stop_criterion", "midpoint_decision"]
        # the pilot started a week late, so the first readings fell in its T0 window: only speed keeps an assumed one
        assert [d["code"] for d in result["deviations"] if d["kind"] == "baseline_assumed"] == ["speed"]
        assert result["monitoring"]["incidents"][0]["date"] == "2027-02-01"
        assert [g["code"] for g in result["monitoring"]["data_gaps"]] == ["users", "users"]


def test_themes_in_both_languages_with_counts_and_examples():
    result = comment_themes([Comment("Very convenient, but too loud", 4), Comment("Неудобно, долго ждать", 2),
                             Comment("ok", 5)])
    assert {t["code"]: (t["count"], t["mean_rating"]) for t in result["themes"]} == {
        "ease_of_use": (2, 3.0), "sound": (1, 4.0), "speed": (1, 2.0)}
    assert result["unclassified"] == 1 and result["themes"][0]["example"] == "Неудобно, долго ждать"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_report_states_the_numbers_of_the_one_computation(language):
    answers = responses(80, rating=5, nps=9, comment="Удобно") + responses(20, rating=3, nps=5)
    evaluation = pilot(MET, answers)
    application = Application(id=7, company_id=1, title="Talking City", description="Audio navigation at stops",
                              trl=7, language=language, registration_number="APP-2027-00007")
    site = Site(id=3, code="TR-001", name_en="Bus stop", name_ru="Остановка", sector="transport", owner_type="public",
                owner_name="ГУП «Мосгортранс»", owner_name_en="Mosgortrans", district="Presnensky",
                address_en="1 Street", address_ru="ул. 1", need_en="n", need_ru="n", setting="outdoor", has_power=True,
                has_network=True, capacity=2, available_from=START, daily_visitors=500, signatory_name="С",
                signatory_name_en="S", signatory_title="Д", signatory_title_en="D")
    methodology = Methodology(id=1, application_id=7, analysis_id=1, site_id=3, duration_weeks=12, start_date=START,
                              end_date=END, hypotheses=["Queues get shorter"], kpis=[QUEUE, USERS, SPEED],
                              checkpoints=[{"number": 1, "date": START.isoformat(), "kind": "baseline"}],
                              feedback_plan={"min_respondents": 97, "margin": 0.1, "population": 50_000})
    context = report_context(application, Company(name="Talking City LLC"), site,
                             Pilot(contract_number="PF-2027-0001", start_date=START, end_date=END), methodology,
                             evaluation, END, EvaluationInput(coordinator="A. Sidorova", expert="Prof. Ivanov"))
    word = WordDocument(io.BytesIO(render_docx(f"report_{language}.docx", context).content))
    text = "\n".join([p.text for p in word.paragraphs]
                     + [c.text for t in word.tables for row in t.rows for c in row.cells])
    assert evaluation["feedback"]["csat"]["value"] == 0.8 and text.count("80%") >= 2  # summary and feedback section
    assert context.recommendation in text and context.recommendation_reason in text
    assert len(word.inline_shapes) == 2 + 2  # two KPI charts, the ratings and the weekly feedback
    assert "Prof. Ivanov" in text and "A. Sidorova" in text and "{{" not in text
    # the table says what the rule decided: measured without T0, so each baseline is the sector's, marked assumed
    assert text.count("принято по умолчанию" if language == "ru" else "(assumed)") >= 3
    assert ("цель достигнута" if language == "ru" else "target met") in text
    assert ("период пилота завершён" if language == "ru" else "the pilot phase is complete") in text
