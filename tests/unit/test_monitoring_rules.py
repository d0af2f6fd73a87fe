"""Stage 4's pure rules against hand-computed cases: KPI verdicts, feedback figures, timeline, severity."""

from datetime import date

import pytest

from flows import notifications
from models.measurement_csv import CsvRejected, parse_measurements_csv
from models.rules.methodology import checkpoint_calendar
from models.rules.monitoring import (
    CHECKPOINT_OVERDUE, DATA_GAP, FEEDBACK_LOW, KPI_OFF_TRACK, FeedbackSoFar, PilotPlan,
    classify_kpi, evaluate_checkpoint, midpoint_review_description, new_signals, notification_message,
    summarise_feedback,
)
from models.settings import Settings
from tests.pilots import QUEUE, USERS

START = date(2027, 1, 4)  # 10 weeks: checkpoints 01-04, 01-18, 02-01, 02-08 (midpoint), 02-15, 03-01, 03-15
PLAN = PilotPlan(START, date(2027, 3, 15), [QUEUE, USERS], checkpoint_calendar(START, 10))
MIDPOINT = date(2027, 2, 8)  # 35 of 70 days: elapsed 0.5


class TestKpiVerdicts:
    def test_decreasing_kpi_on_track_at_risk_off_track(self):
        day = date(2027, 2, 1)
        # baseline 20, target 10: 14 is 60 % of the way (on track at 50 % elapsed), 19 is 10 % (at risk at 80 %)
        assert classify_kpi(QUEUE, (14.0, day), 0.5, day, START)["status"] == "on_track"
        assert classify_kpi(QUEUE, (19.0, day), 0.8, day, START)["status"] == "at_risk"
        assert classify_kpi(QUEUE, (22.0, day), 0.3, day, START)["status"] == "off_track"  # -20 %

    def test_increasing_kpi_and_the_25_point_tolerance(self):
        day = date(2027, 2, 1)
        # baseline 100, target 200: 150 is 50 %; on track up to 75 % elapsed, at risk after
        assert classify_kpi(USERS, (150.0, day), 0.75, day, START)["status"] == "on_track"
        assert classify_kpi(USERS, (150.0, day), 0.76, day, START)["status"] == "at_risk"
        assert classify_kpi(USERS, (210.0, day), 1.0, day, START)["progress"] == 1.1

    def test_data_gap_after_one_and_a_half_times_the_frequency(self):
        # weekly KPI: a gap after 10.5 days without a measurement
        measured = (190.0, date(2027, 1, 1))
        assert not classify_kpi(USERS, measured, 0.5, date(2027, 1, 11), START)["gap"]  # 10 days
        assert classify_kpi(USERS, measured, 0.5, date(2027, 1, 12), START)["gap"]  # 11 days
        assert not classify_kpi(USERS, None, 0.1, date(2027, 1, 14), START)["gap"]  # never measured, 10 days in
        unmeasured = classify_kpi(USERS, None, 0.1, date(2027, 1, 15), START)
        assert unmeasured["status"] == "no_data" and unmeasured["gap"]


class TestFeedbackFigures:
    def test_counts_give_csat_nps_and_sus(self):
        feedback = FeedbackSoFar.of_answers([5, 4, 4, 3, 2, 5, 4, 4, 1, 5], nps_scores=[10, 9, 8, 7, 6, 0, 10, 3],
                                            sus_scores=[72.5, 85.0], last_answer=date(2027, 2, 7))
        result = evaluate_checkpoint(PLAN, {}, feedback, MIDPOINT)["feedback_summary"]
        # 7 of 10 rated 4-5; mean 37/10; promoters 3 and detractors 3 of 8; SUS (72.5 + 85) / 2
        assert result == {"respondents": 10, "mean_rating": 3.7, "csat_share": 0.7, "nps": 0.0,
                          "nps_respondents": 8, "sus_mean": 78.8, "sus_respondents": 2, "last_answer": "2027-02-07"}

    def test_the_report_keeps_its_three_figures(self):
        assert summarise_feedback([5, 4]) == {"respondents": 2, "mean_rating": 4.5, "csat_share": 1.0}
        assert summarise_feedback([]) == {"respondents": 0, "mean_rating": None, "csat_share": None}


class TestCheckpoint:
    def test_hand_computed_midpoint(self):
        latest = {"QUEUE_MIN": (22.0, date(2027, 2, 5)),
                  "DAILY_USERS": (160.0, date(2027, 1, 18))}
        feedback = FeedbackSoFar.of_answers([5, 4, 4, 3, 5, 4, 4, 5, 2, 5], last_answer=date(2027, 2, 7))
        result = evaluate_checkpoint(PLAN, latest, feedback, MIDPOINT)
        assert result["kind"] == "midpoint"
        queue, users = result["kpi_results"]
        assert (queue["status"], queue["progress"], queue["gap"]) == ("off_track", -0.2, False)
        assert (users["status"], users["progress"], users["gap"]) == ("on_track", 0.6, True)  # 21 days > 10.5
        # the oldest latest measurement is 01-18: checkpoint 3 (02-01) has no data, 7 - 3 grace days = 4 late;
        # checkpoints 1 and 2 are covered, 4 (today) is within its grace
        assert result["timeline"] == {
            "elapsed": 0.5, "days_left": 35, "next_checkpoint": {"number": 5, "date": "2027-02-15", "kind": "regular"},
            "overdue_checkpoints": [{"number": 3, "date": "2027-02-01", "kind": "regular", "days_overdue": 4}]}
        assert result["signals"] == {
            KPI_OFF_TRACK: {"severity": "critical", "kpis": ["QUEUE_MIN"]},  # a primary KPI
            DATA_GAP: {"severity": "warning", "kpis": ["DAILY_USERS"], "feedback": False},
            CHECKPOINT_OVERDUE: {"severity": "warning", "checkpoints": [3]},
        }
        assert result["severity"] == "critical"
        assert result["deviations"] == ["QUEUE_MIN: off track (22 min, baseline 20, target 10)",
                                        "data gap (no recent measurement): DAILY_USERS",
                                        "checkpoint 3 (regular, 2027-02-01): data overdue by 4 days"]

    def test_nothing_delivered_is_critical_by_the_overdue_calendar(self):
        result = evaluate_checkpoint(PLAN, {}, FeedbackSoFar(), MIDPOINT)
        overdue = result["timeline"]["overdue_checkpoints"]
        assert [(c["number"], c["days_overdue"]) for c in overdue] == [(1, 32), (2, 18), (3, 4)]
        assert result["signals"][CHECKPOINT_OVERDUE]["severity"] == "critical"  # 32 > 14 days
        assert result["signals"][DATA_GAP] == {"severity": "warning", "kpis": ["QUEUE_MIN", "DAILY_USERS"],
                                               "feedback": True}
        assert "feedback: no citizen feedback yet" in result["deviations"]
        assert result["severity"] == "critical"

    def test_on_plan_is_ok(self):
        day = date(2027, 1, 18)  # 14 of 70 days: elapsed 0.2
        latest = {"QUEUE_MIN": (18.0, day), "DAILY_USERS": (120.0, day)}
        result = evaluate_checkpoint(PLAN, latest, FeedbackSoFar.of_answers([5, 4], last_answer=day), day)
        assert result["severity"] == "ok" and result["deviations"] == [] and result["signals"] == {}
        assert result["kind"] == "regular" and result["timeline"]["overdue_checkpoints"] == []

    def test_low_satisfaction_needs_enough_answers(self):
        day = date(2027, 1, 18)
        latest = {"QUEUE_MIN": (18.0, day), "DAILY_USERS": (120.0, day)}
        unhappy = FeedbackSoFar.of_answers([5] * 6 + [2] * 4, last_answer=day)  # 60 % < 70 %
        assert evaluate_checkpoint(PLAN, latest, unhappy, day)["signals"] == {
            FEEDBACK_LOW: {"severity": "warning", "csat_share": 0.6}}
        few = FeedbackSoFar.of_answers([2] * 9, last_answer=day)
        assert evaluate_checkpoint(PLAN, latest, few, day)["signals"] == {}


def test_only_new_or_worse_deviations_become_events():
    previous = {KPI_OFF_TRACK: {"severity": "warning"}, DATA_GAP: {"severity": "warning"}}
    current = {KPI_OFF_TRACK: {"severity": "critical"}, DATA_GAP: {"severity": "warning"},
               FEEDBACK_LOW: {"severity": "warning"}}
    assert set(new_signals(current, previous)) == {KPI_OFF_TRACK, FEEDBACK_LOW}
    assert new_signals(current, current) == {}


def test_messages_to_the_coordinator_are_bilingual():
    subject, body = notification_message("PF-2027-0001", "Kiosk", "Сидорова Анна", KPI_OFF_TRACK, "critical",
                                         MIDPOINT, ["QUEUE_MIN: off track"])
    assert "Пилот PF-2027-0001" in subject and "Pilot PF-2027-0001" in subject
    assert "Сидорова Анна," in body and "- QUEUE_MIN: off track" in body and "2027-02-08" in body
    text = midpoint_review_description("PF-2027-0001", None)
    assert "continue" in text and "остановить" in text


class TestMeasurementCsv:
    def test_rows_parse_with_decimal_commas_and_optional_source(self):
        text = 'kpi,value,measured_at\nQUEUE_MIN,"12,5",2026-01-10\nDAILY_USERS,140,2026-01-10\n'
        rows = parse_measurements_csv(text, {"QUEUE_MIN", "DAILY_USERS"})
        assert [(r.kpi_code, r.value, r.source) for r in rows] == [("QUEUE_MIN", 12.5, ""), ("DAILY_USERS", 140.0, "")]

    def test_a_russian_spreadsheet_uses_semicolons(self):
        rows = parse_measurements_csv("kpi;value;measured_at;source\nQUEUE_MIN;12,5;2026-01-10;журнал\n", {"QUEUE_MIN"})
        assert [(r.kpi_code, r.value, r.source) for r in rows] == [("QUEUE_MIN", 12.5, "журнал")]

    def test_every_bad_line_is_named(self):
        text = ("kpi,value,measured_at,source\n"
                "QUEUE_MIN,12,2026-01-10,log\n"
                "QUEUE_MIN,twelve,2026-01-10,log\n"
                "NOPE,1,2026-01-10,log\n"
                "QUEUE_MIN,3,2026-02-30,log\n"
                "QUEUE_MIN,3\n")
        with pytest.raises(CsvRejected) as rejected:
            parse_measurements_csv(text, {"QUEUE_MIN"})
        assert [(e["line"], e["field"]) for e in rejected.value.errors] == [
            (3, "value"), (4, "kpi"), (5, "measured_at"), (6, None)]

    def test_a_wrong_header_is_line_1(self):
        with pytest.raises(CsvRejected) as rejected:
            parse_measurements_csv("code,value,date\nQUEUE_MIN,1,2026-01-01\n", {"QUEUE_MIN"})
        error = rejected.value.errors[0]
        assert error["line"] == 1 and "kpi,value,measured_at,source" in error["msg"]


def test_the_coordinator_is_mailed_through_the_configured_smtp_server(monkeypatch):
    sent = []

    class RecordingSmtp:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *_):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            sent.append(("send", message["To"], message["Subject"], message.get_content()))

    monkeypatch.setattr(notifications.smtplib, "SMTP", RecordingSmtp)
    settings = Settings(smtp_host="mail.example.org", smtp_username="robot", smtp_password="secret",
                        coordinator_emails={"Сидорова Анна": "sidorova@example.org"},
                        coordinators_mailbox="pilots@example.org")
    assert notifications.recipient(settings, "Сидорова Анна") == "sidorova@example.org"
    assert notifications.recipient(settings, "Someone else") == "pilots@example.org"
    notifications.send_email(settings, "sidorova@example.org", "Пилот PF-1 / Pilot PF-1", "Текст / text")
    assert sent == [("connect", "mail.example.org", 587), ("starttls",), ("login", "robot", "secret"),
                    ("send", "sidorova@example.org", "Пилот PF-1 / Pilot PF-1", "Текст / text\n")]
