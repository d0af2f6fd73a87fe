"""Stage 1: eligibility screening and detection of an obvious duplicate."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from models.rules.embedding import DIMENSIONS, embed
from models.rules.facts import SECTOR_SLUGS, ApplicationFacts
from models.rules.text import text_language

LIVE_PILOT_MIN_TRL = 5
DUPLICATE_SAME_COMPANY = 0.85  # text similarity that marks a resubmission by the same company
DUPLICATE_ANY_COMPANY = 0.97  # near-verbatim copy of someone else's application
# Cosine similarity of the embeddings that marks the same company's paraphrase of its own English application.
# Chosen on the development set: paraphrases of one concept (its terse, marketing and technical texts) score
# 0.82 and up in 95 % of pairs, different concepts at most 0.61. The model was trained on English: Russian texts
# of different concepts score up to 0.93, so Russian resubmissions are caught by title and wording only.
DUPLICATE_SAME_COMPANY_MEANING = 0.75


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


def duplicate_text(app: ApplicationFacts) -> str:
    """What the duplicate check embeds: the title and the description."""
    return f"{app.title}\n{app.description}"


@dataclass(frozen=True)
class DuplicateIndex:
    """The earlier open applications, indexed once per check: a submission is compared with all of them in one
    matrix product, and by text only with its own company's and with the few that mean nearly the same."""

    ids: tuple[int, ...]
    companies: tuple[str, ...]
    facts: tuple[ApplicationFacts, ...]
    vectors: np.ndarray  # (n, DIMENSIONS) unit vectors of duplicate_text()
    by_company: dict[str, tuple[int, ...]]  # company key -> positions

    @classmethod
    def build(cls, earlier: Sequence[tuple[int, str, ApplicationFacts]],
              vectors: np.ndarray | None = None) -> DuplicateIndex:
        """`earlier` holds (application id, company key, facts) in submission order; `vectors` their stored
        embeddings (computed here when not given)."""
        if vectors is None:
            vectors = embed([duplicate_text(facts) for _, _, facts in earlier])
        by_company: dict[str, list[int]] = defaultdict(list)
        for position, (_, company, _) in enumerate(earlier):
            by_company[company].append(position)
        return cls(tuple(i for i, _, _ in earlier), tuple(c for _, c, _ in earlier),
                   tuple(f for _, _, f in earlier), vectors.reshape(len(earlier), DIMENSIONS),
                   {company: tuple(positions) for company, positions in by_company.items()})

    def find(self, app: ApplicationFacts, company_key: str, vector: np.ndarray | None = None) -> int | None:
        """The id of the earliest application this one obviously repeats, else None.

        A resubmission by the same company is caught by its title, by its wording (a lower threshold than for
        another company's) or by its meaning; someone else's application only when copied nearly verbatim.
        """
        if not self.ids:
            return None
        if vector is None:
            vector = embed([duplicate_text(app)])[0]
        similarities = self.vectors @ vector
        title = _normalise(app.title)
        english = text_language(duplicate_text(app)) == "en"
        own = self.by_company.get(company_key, ())
        # Near-verbatim copies mean the same: only the applications close in meaning need the slow text comparison.
        close = np.flatnonzero(similarities >= DUPLICATE_ANY_COMPANY - 0.1)
        for position in sorted({*own, *close.tolist()}):
            other = self.facts[position]
            if self.companies[position] == company_key:
                same_meaning = english and similarities[position] >= DUPLICATE_SAME_COMPANY_MEANING \
                    and text_language(duplicate_text(other)) == "en"
                if _normalise(other.title) == title or same_meaning or similarity(app, other) >= DUPLICATE_SAME_COMPANY:
                    return self.ids[position]
            elif similarity(app, other) >= DUPLICATE_ANY_COMPANY:
                return self.ids[position]
        return None


def find_duplicate(app: ApplicationFacts, company_key: str, earlier: Sequence[tuple[int, str, ApplicationFacts]],
                   vectors: np.ndarray | None = None, vector: np.ndarray | None = None) -> int | None:
    """The id of an earlier open application that this one obviously repeats (DuplicateIndex.find), else None."""
    return DuplicateIndex.build(earlier, vectors).find(app, company_key, vector)
