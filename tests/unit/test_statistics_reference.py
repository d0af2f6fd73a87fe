"""The report's statistics against independent references: scipy (a test-only dependency) and published tables."""

import random

import numpy as np
import pytest
from scipy import stats

from models.rules.statistics import (
    linear_trend, mean_interval, nps, nps_interval, sample_size, student_t_quantile, sus_grade, sus_score,
    wilson_interval,
)


@pytest.mark.parametrize(("successes", "n"), [(0, 10), (1, 10), (8, 10), (10, 10), (81, 263), (412, 500), (3, 4)])
def test_wilson_interval_matches_scipy(successes, n):
    reference = stats.binomtest(successes, n).proportion_ci(confidence_level=0.95, method="wilson")
    estimate = wilson_interval(successes, n)
    assert estimate.value == successes / n
    assert estimate.low == pytest.approx(reference.low, abs=1e-6)
    assert estimate.high == pytest.approx(reference.high, abs=1e-6)


def test_wilson_interval_needs_respondents():
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 9, 19, 29, 60, 120, 1000, 4999])
@pytest.mark.parametrize("probability", [0.975, 0.95, 0.5, 0.025, 0.995])
def test_student_t_quantile_matches_scipy(df, probability):
    assert student_t_quantile(probability, df) == pytest.approx(stats.t.ppf(probability, df), abs=1e-8)


@pytest.mark.parametrize("values", [[1.0, 2.0, 3.0, 4.0, 10.0], [12.5, 11.0], [70.0, 72.5, 85.0, 40.0, 92.5, 65.0]])
def test_mean_interval_matches_scipy(values):
    low, high = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    estimate = mean_interval(values)
    assert estimate.value == pytest.approx(np.mean(values))
    assert (estimate.low, estimate.high) == pytest.approx((low, high), abs=1e-8)


def test_mean_interval_of_one_value_has_none():
    estimate = mean_interval([4.0])
    assert estimate.value == 4.0 and estimate.low is None and mean_interval([]) is None


def test_nps_interval_matches_the_coded_variable_computed_with_numpy():
    rng = random.Random(7)
    scores = [rng.randrange(11) for _ in range(300)]
    coded = np.array([1 if s >= 9 else -1 if s <= 6 else 0 for s in scores])
    half = stats.norm.ppf(0.975) * 100 * np.sqrt(coded.var(ddof=0) / len(coded))
    estimate = nps_interval(scores)
    assert estimate.value == pytest.approx(100 * coded.mean()) == pytest.approx(nps(scores))
    assert (estimate.low, estimate.high) == pytest.approx((100 * coded.mean() - half, 100 * coded.mean() + half),
                                                         abs=1e-4)


def test_nps_interval_is_clipped_and_needs_two_answers():
    assert nps_interval([10, 10, 10]).high == 100.0
    assert nps_interval([9]).low is None and nps_interval([]) is None


def test_sus_score_matches_a_vectorised_reference():
    rng = np.random.default_rng(3)
    answers = rng.integers(1, 6, size=(200, 10))
    odd, even = answers[:, 0::2] - 1, 5 - answers[:, 1::2]
    reference = 2.5 * (odd.sum(axis=1) + even.sum(axis=1))
    assert [sus_score(list(row)) for row in answers] == list(reference)


@pytest.mark.parametrize(("score", "grade"), [(100, "A+"), (84.1, "A+"), (84.0, "A"), (80.8, "A"), (78.9, "A-"),
                                              (77.2, "B+"), (74.1, "B"), (72.6, "B-"), (71.1, "C+"), (68.0, "C"),
                                              (62.7, "C-"), (51.7, "D"), (51.6, "F"), (0, "F")])
def test_sus_grade_follows_the_sauro_lewis_curved_scale(score, grade):
    assert sus_grade(score) == grade


@pytest.mark.parametrize(("margin", "population", "expected"), [
    (0.05, None, 385),  # the textbook figure: 384.16 rounded up
    (0.05, 1000, 278),  # Krejcie & Morgan's table (1970) for N = 1000
    (0.05, 100, 80),  # ... for N = 100
    (0.10, None, 97),
])
def test_sample_size_matches_published_tables(margin, population, expected):
    assert sample_size(margin, population) == expected


@pytest.mark.parametrize("margin", [0.03, 0.05, 0.1])
@pytest.mark.parametrize("population", [None, 500, 20_000])
def test_sample_size_matches_cochran_with_scipy_quantile(margin, population):
    n0 = stats.norm.ppf(0.975) ** 2 * 0.25 / margin**2
    n = n0 / (1 + (n0 - 1) / population) if population else n0
    assert sample_size(margin, population) == int(np.ceil(n - 1e-6))


@pytest.mark.parametrize("points", [
    [(0, 20.0), (14, 17.5), (28, 15.2), (42, 13.9), (56, 11.0)],
    [(0, 100.0), (7, 130.0), (21, 125.0)],
    [(3, 5.0), (10, 5.5), (17, 4.8), (24, 5.1), (31, 5.3), (38, 4.9)],
])
def test_linear_trend_matches_scipy(points):
    xs, ys = zip(*points)
    fit = stats.linregress(xs, ys)
    df = len(points) - 2
    t = stats.t.ppf(0.975, df)
    trend = linear_trend(points)
    assert trend.slope.value == pytest.approx(fit.slope)
    assert (trend.slope.low, trend.slope.high) == pytest.approx((fit.slope - t * fit.stderr,
                                                                 fit.slope + t * fit.stderr), abs=1e-8)
    # the mean response at the last x: statsmodels' get_prediction(...).conf_int() by hand
    residual = np.sqrt(np.sum((np.array(ys) - fit.intercept - fit.slope * np.array(xs)) ** 2) / df)
    last = max(xs)
    half = t * residual * np.sqrt(1 / len(xs) + (last - np.mean(xs)) ** 2 / np.sum((np.array(xs) - np.mean(xs)) ** 2))
    level = fit.intercept + fit.slope * last
    assert (trend.level.value, trend.level.low, trend.level.high) == pytest.approx((level, level - half, level + half))


def test_no_trend_from_two_readings_or_one_day():
    assert linear_trend([(0, 1.0), (7, 2.0)]) is None
    assert linear_trend([(5, 1.0), (5, 2.0), (5, 3.0)]) is None
