"""Suggest the sector of a pilot application from its free text.

Each sector is one document: its English and Russian profile, its KPI names, and the names and
needs of its test sites. An application is scored against every sector with Okapi BM25 over
stemmed unigrams and bigrams, so the method relies on vocabulary, not on the wording of any
particular application. The raw scores are turned into [0, 1] confidences with a softmax over
scores relative to the best one (a clear winner gets close to 1, a tie splits the mass), scaled
down when the text has little sector vocabulary at all.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cache

from models.catalog import load_sectors, load_sites
from models.rules.facts import SECTOR_SLUGS
from models.rules.text import tokenize

BM25_K1 = 1.2
BM25_B = 0.75
BIGRAM_WEIGHT = 0.5  # a phrase match ("bus stop") adds to, not replaces, its word matches
TITLE_REPEAT = 2  # the title is the densest statement of what the solution is
TEMPERATURE = 0.1  # relative-score gap of 0.1 between two sectors = factor e in confidence
EVIDENCE_SCALE = 3.0  # raw top score giving 63 % of full confidence; typical applications score 10-30
DECLARED_BONUS = 0.05  # the applicant's own sector wins only near-ties
# Disagreement: the declared sector is outside the top 3, or its raw score is under half the top's.
TOP_RANKS_AGREEING = 3
FAR_BELOW_RATIO = math.exp(-0.5 / TEMPERATURE)


@dataclass(frozen=True, slots=True)
class SectorScore:
    sector: str
    score: float


def _terms(text: str) -> list[str]:
    tokens = tokenize(text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def _sector_documents() -> dict[str, str]:
    texts = {
        sector.slug: [sector.name_en, sector.name_ru, sector.profile_en, sector.profile_ru]
        + [f"{kpi.name_en}. {kpi.name_ru}." for kpi in sector.kpis]
        for sector in load_sectors()
    }
    for site in load_sites():
        texts[site.sector] += [site.name_en, site.name_ru, site.need_en, site.need_ru]
    return {slug: "\n".join(parts) for slug, parts in texts.items()}


@cache
def _term_weights() -> dict[str, tuple[float, ...]]:
    """BM25 weight of every term in every sector document, in SECTOR_SLUGS order."""
    counts = {slug: Counter(_terms(text)) for slug, text in _sector_documents().items()}
    lengths = {slug: sum(c.values()) for slug, c in counts.items()}
    average_length = sum(lengths.values()) / len(lengths)
    vocabulary = set().union(*counts.values())
    weights = {}
    for term in vocabulary:
        frequencies = [counts[slug][term] for slug in SECTOR_SLUGS]
        document_frequency = sum(1 for f in frequencies if f)
        idf = math.log(1 + (len(SECTOR_SLUGS) - document_frequency + 0.5) / (document_frequency + 0.5))
        if " " in term:
            idf *= BIGRAM_WEIGHT
        weights[term] = tuple(
            idf * f * (BM25_K1 + 1) / (f + BM25_K1 * (1 - BM25_B + BM25_B * lengths[slug] / average_length))
            for f, slug in zip(frequencies, SECTOR_SLUGS)
        )
    return weights


def _raw_scores(text: str) -> list[float]:
    weights = _term_weights()
    scores = [0.0] * len(SECTOR_SLUGS)
    for term in _terms(text):
        term_weights = weights.get(term)
        if term_weights:
            scores = [s + w for s, w in zip(scores, term_weights)]
    return scores


def suggest_sectors(
    title: str, description: str, target_users: str = "", declared_sector: str | None = None
) -> list[SectorScore]:
    """All 11 sectors ranked by fit with the application text, confidences in [0, 1].

    The declared sector gets a small bonus, so it wins a near-tie but not a clear disagreement.
    """
    if declared_sector is not None and declared_sector not in SECTOR_SLUGS:
        raise ValueError(f"unknown sector slug {declared_sector!r}")
    text = "\n".join([title] * TITLE_REPEAT + [description, target_users])
    raw = dict(zip(SECTOR_SLUGS, _raw_scores(text)))
    best = max(raw.values())
    if declared_sector is not None:
        raw[declared_sector] += DECLARED_BONUS * best
        best = max(best, raw[declared_sector])
    if best == 0:  # no known vocabulary at all: no evidence for any sector
        confidences = dict.fromkeys(SECTOR_SLUGS, 0.0)
    else:
        exponents = {slug: math.exp((score / best - 1) / TEMPERATURE) for slug, score in raw.items()}
        evidence = 1 - math.exp(-best / EVIDENCE_SCALE)
        total = sum(exponents.values())
        confidences = {slug: evidence * value / total for slug, value in exponents.items()}
    ranked = sorted(
        SECTOR_SLUGS, key=lambda slug: (-confidences[slug], slug != declared_sector, SECTOR_SLUGS.index(slug))
    )
    return [SectorScore(slug, round(confidences[slug], 4)) for slug in ranked]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def disagreement(declared_sector: str | None, ranked: list[SectorScore]) -> str | None:
    """A short note when the declared sector ranks low or far below the text's best sector, else None."""
    if declared_sector is None:
        return None
    sectors = [item.sector for item in ranked]
    if declared_sector not in sectors:
        raise ValueError(f"sector {declared_sector!r} is not in the ranking")
    rank = sectors.index(declared_sector) + 1
    top = ranked[0]
    declared = ranked[rank - 1]
    if rank == 1 or (rank <= TOP_RANKS_AGREEING and declared.score >= FAR_BELOW_RATIO * top.score):
        return None
    return (
        f"declared sector '{declared_sector}' ranks {_ordinal(rank)} of {len(ranked)}; "
        f"text suggests '{top.sector}'"
    )
