"""Charts for the analytical report and the program dashboard, as PNG bytes (matplotlib, Agg backend).

Figures are made with matplotlib's object API (no pyplot state), so charts can be drawn from several
threads or flow runs at once. DejaVu Sans, which matplotlib ships, has Cyrillic letters.
"""

import io
import textwrap
from collections.abc import Callable, Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")

from matplotlib import dates as mdates  # noqa: E402  (after the backend is chosen)
from matplotlib.figure import Figure  # noqa: E402

DPI = 100
WIDE = (7.0, 2.8)  # inches; about 16 cm wide in the report
SQUARE = (5.0, 2.8)
LINE = "#1f4e79"
TARGET = "#2e7d32"
BASELINE = "#9e9e9e"
BARS = "#4f81bd"
LIMIT = "#c62828"
LABEL_WIDTH = 30  # characters per line of a horizontal bar's label


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _figure(size: tuple[float, float], title: str, left: float = 0.08):
    # Fixed margins and legends above the plot: automatic layout and "best" legend placement would
    # triple the drawing time of a report's charts.
    figure = Figure(figsize=size)
    height = size[1]
    figure.subplots_adjust(left=left, right=0.92, top=1 - 0.45 / height, bottom=0.36 / height)
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=10, loc="left", pad=14)
    axes.tick_params(labelsize=8)
    axes.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def kpi_chart(title: str, unit: str, series: Sequence[tuple[date, float]], baseline: float, target: float,
              checkpoints: Sequence[date], labels: dict[str, str],
              trend: tuple[tuple[date, float], tuple[date, float]] | None = None, start: date | None = None,
              number: Callable[[float], str] = "{:g}".format) -> bytes:
    """A KPI's readings (T0 and pilot phase), its fitted trend, its target and baseline lines, the pilot's start
    and the checkpoint days as ticks; `number` writes the target and baseline as the document's language does."""
    figure, axes = _figure(WIDE, title)
    for day in checkpoints:
        axes.axvline(day, color="#eeeeee", linewidth=0.8, zorder=0)
    if start:
        axes.axvline(start, color=BASELINE, linewidth=0.8, zorder=0)
    if series:
        days, values = zip(*series)
        # With a fitted trend the readings are dots and the trend the line; without one, the readings are joined.
        axes.plot(days, values, color=LINE, marker="o", markersize=3, linewidth=0 if trend else 1.4,
                  label=labels["actual"])
    if trend:
        axes.plot(*zip(*trend), color=LINE, linewidth=1.4, label=labels["trend"])
    axes.axhline(target, color=TARGET, linestyle="--", linewidth=1.2, label=f"{labels['target']} {number(target)}")
    axes.axhline(baseline, color=BASELINE, linestyle=":", linewidth=1.2, label=f"{labels['baseline']} {number(baseline)}")
    axes.set_ylabel(unit, fontsize=8)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d.%m"))
    # Inside the axes where the lines leave room: above them it ran into the title.
    axes.legend(fontsize=7, loc="best", framealpha=0.9)
    return _png(figure)


def rating_chart(counts: dict[str, int], labels: dict[str, str]) -> bytes:
    """How many respondents gave each satisfaction rating, 1 to 5."""
    figure, axes = _figure(SQUARE, labels["ratings_title"])
    ratings = [str(r) for r in range(1, 6)]
    bars = axes.bar(ratings, [counts.get(r, 0) for r in ratings],
                    color=[LIMIT, "#ef6c00", BASELINE, "#7cb342", TARGET])
    axes.bar_label(bars, fontsize=7)
    axes.set_xlabel(labels["rating"], fontsize=8)
    return _png(figure)


def feedback_chart(weeks: Sequence[dict], min_respondents: int, labels: dict[str, str]) -> bytes:
    """Responses per week (bars) and their running total against the plan's minimum (line)."""
    figure, axes = _figure(WIDE, labels["feedback_title"])
    days = [date.fromisoformat(w["week"]) for w in weeks]
    axes.bar(days, [w["count"] for w in weeks], width=5, color=BARS, label=labels["per_week"])
    total = axes.twinx()
    total.plot(days, [w["cumulative"] for w in weeks], color=LINE, linewidth=1.4, label=labels["cumulative"])
    total.axhline(min_respondents, color=LIMIT, linestyle="--", linewidth=1.0,
                  label=f"{labels['minimum']} {min_respondents}")
    total.tick_params(labelsize=8)
    total.spines["top"].set_visible(False)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d.%m"))
    # Inside the axes where the lines leave room: above them it ran into the title.
    axes.legend(fontsize=7, loc="best", framealpha=0.9)
    return _png(figure)


def bar_chart(title: str, rows: Sequence[tuple[str, int]], horizontal: bool = False) -> bytes:
    """Counts by category: vertical bars (e.g. by month) or horizontal ones for long labels."""
    names = [name for name, _ in rows]
    if horizontal:  # long labels (site names) on up to three lines of LABEL_WIDTH characters, never cut off
        names = [textwrap.fill(name, LABEL_WIDTH, max_lines=3, placeholder="…") for name in names]
    longest = max((len(line) for name in names for line in name.split("\n")), default=0)
    lines = max((name.count("\n") + 1 for name in names), default=1)
    size = WIDE if not horizontal else (7.0, (0.15 + 0.15 * lines) * max(len(rows), 3) + 0.9)
    figure, axes = _figure(size, title, left=min(0.06 + 0.0125 * longest, 0.5) if horizontal else 0.08)
    counts = [count for _, count in rows]
    if horizontal:
        bars = axes.barh(names[::-1], counts[::-1], color=BARS)
        axes.grid(axis="y", visible=False)
        axes.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    else:
        bars = axes.bar(names, counts, color=BARS)
        if len(names) > 8:
            axes.tick_params(axis="x", labelrotation=60, labelsize=6)
            figure.subplots_adjust(bottom=0.7 / size[1])
    axes.bar_label(bars, fontsize=7)
    return _png(figure)
