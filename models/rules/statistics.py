"""Small statistics used by the feedback plan, monitoring and the report."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959964  # two-sided 95 % normal quantile


def sample_size(margin: float = 0.10, population: int | None = None, proportion: float = 0.5) -> int:
    """Respondents needed to estimate a proportion within +-margin at 95 % confidence.

    Cochran's n0 = z^2 p (1 - p) / e^2, with the finite population correction
    n = n0 / (1 + (n0 - 1) / N) when the population N (e.g. the site's visitors over the pilot) is known.
    """
    if not 0 < margin < 1:
        raise ValueError("margin must be between 0 and 1")
    n0 = Z_95**2 * proportion * (1 - proportion) / margin**2
    if population:
        n0 = n0 / (1 + (n0 - 1) / population)
    return math.ceil(n0 - 1e-9)


SATISFIED_MIN_RATING = 4  # CSAT counts ratings 4 and 5 of 5 as satisfied
PROMOTER_MIN_SCORE = 9  # NPS: 9-10 promote
DETRACTOR_MAX_SCORE = 6  # NPS: 0-6 detract


def csat_share(ratings: Sequence[int]) -> float | None:
    """Share of satisfied respondents (ratings 4 and 5 of 5); None when nobody answered."""
    if not ratings:
        return None
    return sum(1 for r in ratings if r >= SATISFIED_MIN_RATING) / len(ratings)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def nps(scores: Sequence[int]) -> float | None:
    """Net Promoter Score, -100..100: % promoters (9-10) minus % detractors (0-6)."""
    promoters = sum(1 for s in scores if s >= PROMOTER_MIN_SCORE)
    detractors = sum(1 for s in scores if s <= DETRACTOR_MAX_SCORE)
    return nps_from_counts(promoters, detractors, len(scores))


def nps_from_counts(promoters: int, detractors: int, respondents: int) -> float | None:
    """NPS from the counts an SQL aggregation returns; None when nobody answered."""
    return 100.0 * (promoters - detractors) / respondents if respondents else None


def sus_score(answers: Sequence[int]) -> float:
    """System Usability Scale, 0-100 (Brooke 1996): odd items score (a - 1), even items (5 - a), sum x 2.5."""
    if len(answers) != 10 or not all(1 <= a <= 5 for a in answers):
        raise ValueError("SUS needs ten answers, each 1-5")
    return 2.5 * sum((a - 1) if i % 2 == 0 else (5 - a) for i, a in enumerate(answers))


# --- 95 % intervals for the analytical report ------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its two-sided 95 % interval (`low`/`high` are None when the data cannot give one)."""

    value: float
    low: float | None = None
    high: float | None = None

    def contains(self, point: float) -> bool:
        return self.low is not None and self.low <= point <= self.high


def wilson_interval(successes: int, n: int, z: float = Z_95) -> Estimate | None:
    """Share successes/n with the Wilson score interval (Wilson 1927), which stays inside 0..1 and
    keeps its coverage for small n and shares near 0 or 1, unlike the normal (Wald) interval."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    share = successes / n
    denominator = 1 + z**2 / n
    centre = (share + z**2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(share * (1 - share) / n + z**2 / (4 * n**2))
    return Estimate(share, max(centre - half, 0.0), min(centre + half, 1.0))


def nps_interval(scores: Sequence[int], z: float = Z_95) -> Estimate | None:
    """NPS with its normal-approximation 95 % interval.

    Each answer counts +1 (promoter, 9-10), 0 (passive) or -1 (detractor, 0-6), so NPS/100 is the
    mean of that variable and its variance is p_promoters + p_detractors - (p_promoters - p_detractors)^2;
    the interval is NPS +- z * 100 * sqrt(variance / n), clipped to -100..100. No interval for n < 2.
    """
    score = nps(scores)
    if score is None:
        return None
    n = len(scores)
    if n < 2:
        return Estimate(score)
    promoters = sum(1 for s in scores if s >= 9) / n
    detractors = sum(1 for s in scores if s <= 6) / n
    half = z * 100 * math.sqrt((promoters + detractors - (promoters - detractors) ** 2) / n)
    return Estimate(score, max(score - half, -100.0), min(score + half, 100.0))


def _continued_fraction_beta(a: float, b: float, x: float) -> float:
    """Lentz's evaluation of the continued fraction of the incomplete beta function (Numerical Recipes 6.4)."""
    tiny, epsilon = 1e-300, 1e-15
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1) < epsilon:
            break
    return result


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _continued_fraction_beta(a, b, x) / a
    return 1 - math.exp(log_front) * _continued_fraction_beta(b, a, 1 - x) / b


def student_t_cdf(t: float, df: int) -> float:
    tail = 0.5 * regularized_incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def student_t_quantile(probability: float, df: int) -> float:
    """The t value below which `probability` of Student's t distribution with `df` degrees of freedom lies
    (bisection on the exact CDF: the standard library has no t distribution, and scipy is a test-only tool)."""
    if not 0 < probability < 1 or df < 1:
        raise ValueError("probability must be in (0, 1) and df at least 1")
    if probability < 0.5:
        return -student_t_quantile(1 - probability, df)
    low, high = 0.0, 1.0
    while student_t_cdf(high, df) < probability:
        low, high = high, high * 2
    for _ in range(100):
        middle = (low + high) / 2
        if student_t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> Estimate | None:
    """Mean with the Student t interval: mean +- t(1 - alpha/2, n - 1) * s / sqrt(n). No interval for n < 2."""
    if not values:
        return None
    n = len(values)
    average = sum(values) / n
    if n < 2:
        return Estimate(average)
    deviation = math.sqrt(sum((v - average) ** 2 for v in values) / (n - 1))
    half = student_t_quantile(1 - (1 - confidence) / 2, n - 1) * deviation / math.sqrt(n)
    return Estimate(average, average - half, average + half)


MIN_TREND_READINGS = 3  # a line through two points has no residual left to say how sure it is


@dataclass(frozen=True)
class Trend:
    """A least-squares line through a KPI's readings: its slope per day and its level on the last reading's day,
    each with its Student t 95 % interval (n - 2 degrees of freedom)."""

    slope: Estimate
    level: Estimate
    readings: int


def linear_trend(points: Sequence[tuple[float, float]], confidence: float = 0.95) -> Trend | None:
    """Ordinary least squares y = a + b x over (x, y) points; None for fewer than three points or a single x.

    slope b = Sxy / Sxx, residual variance s^2 = SSE / (n - 2), se(b) = s / sqrt(Sxx); the level at the last x,
    x1, is a + b x1 with se = s * sqrt(1/n + (x1 - mean x)^2 / Sxx) (the interval of the mean response there).
    """
    n = len(points)
    if n < MIN_TREND_READINGS:
        return None
    xs, ys = [x for x, _ in points], [y for _, y in points]
    x_mean, y_mean = sum(xs) / n, sum(ys) / n
    sxx = sum((x - x_mean) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - x_mean) * (y - y_mean) for x, y in points) / sxx
    intercept = y_mean - slope * x_mean
    sse = sum((y - intercept - slope * x) ** 2 for x, y in points)
    s = math.sqrt(sse / (n - 2))
    t = student_t_quantile(1 - (1 - confidence) / 2, n - 2)
    last = max(xs)
    level = intercept + slope * last
    slope_half = t * s / math.sqrt(sxx)
    level_half = t * s * math.sqrt(1 / n + (last - x_mean) ** 2 / sxx)
    return Trend(Estimate(slope, slope - slope_half, slope + slope_half),
                 Estimate(level, level - level_half, level + level_half), n)


# Sauro & Lewis's curved grading scale for SUS (Quantifying the User Experience, 2nd ed., 2016, table 8.5):
# the lowest score of each grade; 68 is the average of their 446 studies.
SUS_GRADES = ((84.1, "A+"), (80.8, "A"), (78.9, "A-"), (77.2, "B+"), (74.1, "B"), (72.6, "B-"),
              (71.1, "C+"), (65.0, "C"), (62.7, "C-"), (51.7, "D"), (0.0, "F"))


def sus_grade(score: float) -> str:
    return next(grade for lowest, grade in SUS_GRADES if score >= lowest)
