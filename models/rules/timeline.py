"""A pilot's timeline as data: the baseline window (T0, before the start), the pilot phase (start to planned end)
and what comes after. Every measurement and citizen answer belongs to one phase by its date; a verdict compares
the pilot phase with the site's own T0."""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

BASELINE_WINDOW_DAYS = 14  # the T0 window the methodology sets when the coordinator does not change it


class Phase(StrEnum):
    BASELINE = "baseline"
    PILOT = "pilot"
    AFTER = "after"


@dataclass(frozen=True)
class Timeline:
    start: date  # the pilot's first day
    end: date  # its planned last day
    baseline_days: int = BASELINE_WINDOW_DAYS

    @property
    def baseline_start(self) -> date:
        return self.start - timedelta(days=self.baseline_days)

    @property
    def duration_days(self) -> int:
        return max((self.end - self.start).days, 0)

    def phase_of(self, day: date) -> Phase | None:
        """The phase `day` falls in; None before the baseline window opens."""
        if day < self.baseline_start:
            return None
        if day < self.start:
            return Phase.BASELINE
        return Phase.PILOT if day <= self.end else Phase.AFTER

    def complete(self, as_of: date) -> bool:
        return as_of >= self.end

    def days_left(self, as_of: date) -> int:
        return max((self.end - as_of).days, 0)

    def windows(self) -> dict[str, str]:
        """Each phase's dates as text, for refusals and the report."""
        last_baseline_day = self.start - timedelta(days=1)
        return {Phase.BASELINE: f"{self.baseline_start.isoformat()} – {last_baseline_day.isoformat()}",
                Phase.PILOT: f"{self.start.isoformat()} – {self.end.isoformat()}",
                Phase.AFTER: f"from {(self.end + timedelta(days=1)).isoformat()}"}


def measurement_refusal(timeline: Timeline, day: date) -> str | None:
    """Why a measurement dated `day` cannot be taken (it falls in no window), or None when it can."""
    if timeline.phase_of(day) is not None:
        return None
    windows = timeline.windows()
    return (f"measured_at {day.isoformat()} is before the baseline window (T0) {windows[Phase.BASELINE]}; "
            f"the pilot phase is {windows[Phase.PILOT]}: a measurement must fall in one of them")


def answer_refusal(start: date, day: date) -> str | None:
    """Why a citizen's answer given on `day` cannot be taken (the pilot has not started yet), or None."""
    if day >= start:
        return None
    return (f"Пилот ещё не начался: отзывы принимаются с {start:%d.%m.%Y}. / "
            f"The pilot has not started yet: answers are taken from {start.isoformat()}.")
