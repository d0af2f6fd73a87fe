"""The pure domain rules, checked against hand-computed cases."""

from datetime import date

import pytest

from models.rules.application import find_duplicate, screen
from models.rules.facts import ApplicationFacts
from models.rules.methodology import checkpoint_calendar, draft_methodology, duration_for
from models.rules.statistics import csat_share, nps, sample_size, sus_score

DECREASE = {"code": "queue_min", "name_en": "Queue time", "name_ru": "Время ожидания", "unit": "min",
            "baseline": 20.0, "target": 10.0, "minimum_acceptable": 15.0, "direction": "decrease",
            "frequency_days": 14, "primary": True}
INCREASE = {"code": "usage", "name_en": "Daily users", "name_ru": "Пользователи", "unit": "people",
            "baseline": 100.0, "target": 200.0, "minimum_acceptable": 150.0, "direction": "increase",
            "frequency_days": 7, "primary": False}


def facts(**changes) -> ApplicationFacts:
    base = dict(title="Queue analytics", description="Sensors count visitors and predict the waiting time at centres",
                trl=8, target_users="visitors", wants_to_test="queue time")
    return ApplicationFacts(**{**base, **changes})


class TestScreening:
    def test_eligible_with_warning_below_live_pilot_trl(self):
        result = screen(facts(trl=4))
        assert result.eligible and "TRL 4 is below 5" in result.warnings[0]

    @pytest.mark.parametrize(("changes", "reason"), [
        ({"trl": 0}, "TRL must be between 1 and 9"),
        ({"trl": 10}, "TRL must be between 1 and 9"),
        ({"sector": "space"}, "unknown sector 'space'"),
        ({"description": "Too short"}, "too short"),
    ])
    def test_ineligible(self, changes, reason):
        result = screen(facts(**changes))
        assert not result.eligible and any(reason in r for r in result.reasons)

    def test_duplicate_same_company_same_title(self):
        earlier = [(1, "7707083893", facts(description="Completely different wording of the same product idea"))]
        assert find_duplicate(facts(), "7707083893", earlier) == 1

    def test_not_duplicate_for_other_company_with_other_text(self):
        other = facts(title="Smart benches", description="Solar benches that charge phones in parks and squares")
        assert find_duplicate(facts(), "7707083893", [(1, "5000000000", other)]) is None

    def test_near_verbatim_copy_by_another_company_is_a_duplicate(self):
        assert find_duplicate(facts(), "7707083893", [(7, "5000000000", facts())]) == 7


class TestStatistics:
    def test_sample_size_infinite_population(self):
        # 1.96^2 * 0.25 / 0.1^2 = 96.04 -> 97
        assert sample_size(0.10) == 97

    def test_sample_size_finite_population_correction(self):
        # n0 = 96.04; n = 96.04 / (1 + 95.04 / 500) = 80.70 -> 81
        assert sample_size(0.10, population=500) == 81

    def test_csat_share(self):
        assert csat_share([5, 4, 3, 2]) == 0.5
        assert csat_share([]) is None


class TestMethodology:
    def test_duration_shorter_for_mature_technology_and_capped(self):
        assert duration_for(9) < duration_for(6) < duration_for(4) <= 26

    def test_calendar_has_baseline_midpoint_final(self):
        calendar = checkpoint_calendar(date(2027, 1, 4), 12)
        kinds = [c["kind"] for c in calendar]
        assert kinds[0] == "baseline" and kinds[-1] == "final" and "midpoint" in kinds
        assert calendar[-1]["date"] == "2027-03-29"
        assert [c["number"] for c in calendar] == list(range(1, len(calendar) + 1))
        assert [c["date"] for c in calendar] == sorted(c["date"] for c in calendar)

    def test_draft_hypotheses_and_feedback_plan(self):
        draft = draft_methodology(title="Queue analytics", trl=8, site_name="MFC Tverskoy", daily_visitors=10,
                                  kpi_library=[DECREASE, INCREASE], questions=["Q1"], start=date(2027, 1, 4),
                                  language="en")
        assert draft.duration_weeks == 10 and draft.end_date == date(2027, 3, 15)
        assert draft.hypotheses == ["If 'Queue analytics' is deployed at MFC Tverskoy, Queue time moves from 20 to 10 "
                                    "min within 10 weeks."]
        # population 10 a day * 70 days = 700: 96.04 / (1 + 95.04 / 700) = 84.56 -> 85
        assert draft.feedback_plan["min_respondents"] == 85


class TestFeedbackScores:
    def test_nps(self):
        # 3 promoters, 1 passive, 2 detractors of 6: (3 - 2) / 6 = 16.7
        assert nps([10, 9, 9, 8, 6, 0]) == pytest.approx(16.6667, abs=1e-3)
        assert nps([]) is None

    def test_sus_worked_example(self):
        # Brooke's scoring: odd items (a-1) = 4+4+4+4+4, even items (5-a) = 4+4+4+4+4 -> 40 * 2.5 = 100
        assert sus_score([5, 1] * 5) == 100.0
        assert sus_score([3] * 10) == 50.0
        # odd (a-1): 3,2,3,3,2 = 13; even (5-a): 3,4,3,2,4 = 16 -> 29 * 2.5 = 72.5
        assert sus_score([4, 2, 3, 1, 4, 2, 4, 3, 3, 1]) == 72.5
        with pytest.raises(ValueError):
            sus_score([3] * 9)
