"""Stage 1: eligibility screening and detection of an obvious duplicate."""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from models.rules.facts import SECTOR_SLUGS, ApplicationFacts

LIVE_PILOT_MIN_TRL = 5
DUPLICATE_SAME_COMPANY = 0.85  # text similarity that marks a resubmission by the same company
DUPLICATE_ANY_COMPANY = 0.97  # near-verbatim copy of someone else's application


@dataclass(frozen=True)
class Screening:
    eligible: bool
    reasons: list[str]  # why not eligible
    warnings: list[str]  # eligible, but the analysis must look at this

    def as_dict(self) -> dict:
        return {"eligible": self.eligible, "reasons": self.reasons, "warnings": self.warnings}


def screen(app: ApplicationFacts) -> Screening:
    reasons: list[str] = []
    warnings: list[str] = []
    if not 1 <= app.trl <= 9:
        reasons.append(f"TRL must be between 1 and 9, got {app.trl}")
    elif app.trl < LIVE_PILOT_MIN_TRL:
        warnings.append(
            f"TRL {app.trl} is below {LIVE_PILOT_MIN_TRL}: a live urban pilot needs a coordinator's override"
        )
    if app.sector is not None and app.sector not in SECTOR_SLUGS:
        reasons.append(f"unknown sector '{app.sector}'")
    if len(app.description.split()) < 5:
        reasons.append("the description is too short to assess the solution")
    if app.handles_personal_data:
        warnings.append("the solution processes citizens' personal data: a data protection annex is needed")
    return Screening(eligible=not reasons, reasons=reasons, warnings=warnings)


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def similarity(a: ApplicationFacts, b: ApplicationFacts) -> float:
    return SequenceMatcher(None, _normalise(f"{a.title} {a.description}"),
                           _normalise(f"{b.title} {b.description}")).ratio()


def find_duplicate(
    app: ApplicationFacts, company_key: str, earlier: list[tuple[int, str, ApplicationFacts]]
) -> int | None:
    """Return the id of an earlier open application that this one obviously repeats.

    `earlier` holds (application id, company key, facts); the company key is the normalised
    registration number, so a resubmission by the same company is caught at a lower threshold.
    """
    for other_id, other_company, other in earlier:
        threshold = DUPLICATE_SAME_COMPANY if other_company == company_key else DUPLICATE_ANY_COMPANY
        if _normalise(app.title) == _normalise(other.title) and other_company == company_key:
            return other_id
        if similarity(app, other) >= threshold:
            return other_id
    return None
