"""Stage 5's one computation and the recommendation's rule, on constructed pilots for each outcome."""

import io
from datetime import date, timedelta

import pytest
from docx import Document as WordDocument

from documents.render import render_docx
from documents.reports import report_context
from models.rules.evaluation import PilotFacts, Response, evaluate_pilot, explain, kpi_result, weekly_counts
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


def series(values: list[float]) -> list[tuple[date, float]]:
    """Weekly measurements from the pilot's start."""
    return [(START + timedelta(weeks=i), v) for i, v in enumerate(values)]


def final(values: list[float]) -> list[tuple[date, float]]:
    """Early measurements near the baseline, then `values` in the second half of the pilot."""
    return series([19.0, 18.0]) + [(START + timedelta(weeks=7 + i), v) for i, v in enumerate(values)]


def responses(n: int, rating: int = 5, **fields) -> list[Response]:
    return [Response(rating=rating, day=START + timedelta(days=i % 80), **fields) for i in range(n)]


def pilot(measurements: dict, answers: list[Response], kpis=(QUEUE, USERS, SPEED), **changes) -> dict:
    facts = dict(kpis=list(kpis), measurements=measurements, start=START, end=END, planned_start=START,
                 planned_end=END, as_of=END, planned_checkpoints=[], checkpoints=[], min_respondents=97,
                 min_satisfied_share=0.7, population=50_000)
    return evaluate_pilot(PilotFacts(**{**facts, **changes}), answers)


MET = {"queue_min": final([9.0, 9.5, 9.2]), "users": final([210.0, 230.0, 220.0])}


class TestRule:
    def test_roll_out_when_every_primary_kpi_met_and_satisfaction_meets_the_plan(self):
        result = pilot(MET, responses(120))
        assert result["recommendation"] == "roll_out"
        assert result["reason"].startswith("Every primary KPI met its target (2 of 2)")

    def test_iterate_when_half_of_the_primary_kpis_met(self):
        result = pilot({**MET, "users": final([150.0, 152.0, 151.0])}, responses(120))
        assert result["recommendation"] == "iterate"
        assert [r["code"] for r in result["reasons"]] == ["half_met", "kpi_unmet"]

    def test_iterate_when_an_interval_straddles_the_target(self):
        result = pilot({"queue_min": final([8.0, 14.0, 11.0]), "users": final([150.0, 152.0, 151.0])},
                       responses(120))
        assert result["kpis"][0]["straddles"] and result["recommendation"] == "iterate"
        assert {"code": "straddles", "kpis": ["queue_min"]} in result["reasons"]

    def test_iterate_when_satisfaction_is_below_the_plan(self):
        result = pilot(MET, responses(60, rating=5) + responses(60, rating=3))
        assert result["recommendation"] == "iterate"
        assert result["reasons"][-1]["code"] == "satisfaction_below"

    def test_extend_when_too_few_respondents_to_conclude(self):
        result = pilot(MET, responses(40))
        assert result["recommendation"] == "extend"
        assert "40 respondents of the 97 planned" in result["reason"]

    def test_extend_when_a_primary_kpi_was_never_measured(self):
        result = pilot({"queue_min": MET["queue_min"]}, responses(120))
        assert result["recommendation"] == "extend" and result["reasons"] == [{"code": "kpi_no_data", "kpis": ["users"]}]

    def test_stop_when_a_primary_kpi_is_worse_than_its_baseline(self):
        result = pilot({**MET, "queue_min": final([23.0, 24.0, 23.5])}, responses(120))
        assert result["recommendation"] == "stop" and result["reasons"] == [{"code": "kpi_worse", "kpis": ["queue_min"]}]

    def test_not_worse_when_the_interval_reaches_back_over_the_baseline(self):
        row = kpi_result(QUEUE, final([18.0, 26.0, 22.0]), START, END)
        assert row["actual"]["value"] == 22.0 and row["actual"]["low"] < 20.0 and not row["worse"]

    def test_stop_on_a_critical_incident(self):
        result = pilot(MET, responses(120), critical_incident="A passenger fell at the stop")
        assert result["recommendation"] == "stop" and "A passenger fell" in result["reason"]

    def test_stop_when_citizens_are_clearly_dissatisfied(self):
        result = pilot(MET, responses(120, rating=2))
        assert result["recommendation"] == "stop" and result["reasons"][0]["code"] == "dissatisfied"

    def test_stop_when_most_primary_kpis_clearly_missed(self):
        result = pilot({"queue_min": final([15.0, 15.2, 15.1]), "users": final([150.0, 152.0, 151.0])},
                       responses(120))
        assert result["recommendation"] == "stop" and result["reasons"][0]["code"] == "most_missed"

    def test_reasons_read_in_russian_with_the_kpi_names(self):
        result = pilot({**MET, "queue_min": final([23.0, 24.0, 23.5])}, responses(120))
        assert explain(result["reasons"], "ru", {"queue_min": "Время ожидания"}) == (
            "Основной KPI хуже базового значения: Время ожидания")


class TestComputation:
    def test_actual_is_the_mean_of_the_second_half_with_a_t_interval(self):
        row = kpi_result(QUEUE, final([9.0, 10.0, 11.0]), START, END)
        assert row["final_values"] == 3 and row["actual"]["value"] == 10.0
        # t(0.975, 2) = 4.3027, s = 1, n = 3: half width 2.484
        assert row["actual"]["high"] - 10.0 == pytest.approx(4.302653 / 3 ** 0.5, abs=1e-5)
        assert row["change"]["value"] == -10.0 and row["change"]["low"] == pytest.approx(row["actual"]["low"] - 20)

    def test_latest_measurement_alone_when_none_in_the_second_half(self):
        row = kpi_result(QUEUE, series([19.0, 15.0]), START, END)
        assert row["actual"] == {"value": 15.0, "low": None, "high": None} and row["met"] is False

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
                         "stop_criterion", "midpoint_decision"]
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
