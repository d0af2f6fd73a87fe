"""Suggest the sector of a pilot application from its free text.

Two views of the text are combined, because either alone misses what the other sees:
- vocabulary: each sector is one document (its profile, KPI names, and the names and needs of its test
  sites) and the application is scored against every sector with Okapi BM25 over stemmed unigrams and
  bigrams; it reads Russian as well as English, but misses a solution described in other words;
- meaning: the application's sentence embedding against the same sector texts, sentence by sentence,
  and against the applications whose sector the program already confirmed (the nearest ones count).
Each view gives one feature per sector; a weighted sum of the features, through a softmax, is the
confidence. The weights act as the softmax's temperature: they were fitted on the development set's
folds (bench/analysis.py, bench/data/dev_applications.jsonl) so that a confidence of 0.8 is right about
80 % of the time.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from models.catalog import DATA_DIR, load_sectors, load_sites
from models.rules.embedding import DIMENSIONS, MODEL_NAME, embed
from models.rules.facts import SECTOR_SLUGS
from models.rules.text import text_language, tokenize

BM25_K1 = 1.2
BM25_B = 0.75
BIGRAM_WEIGHT = 0.5  # a phrase match ("bus stop") adds to, not replaces, its word matches
TITLE_REPEAT = 2  # the title is the densest statement of what the solution is
PASSAGE_VECTORS_PATH = DATA_DIR / "sector_passages.npz"
# The weights of the features (FEATURES) in the softmax, per language of the text, fitted on the development
# folds (see the docstring). The sentence model was trained on English: on Russian text the fit gives meaning and
# the nearest examples no weight, and Russian is read by its vocabulary alone.
FEATURE_WEIGHTS = {"en": (4.0, 10.0, 5.0), "ru": (6.0, 0.0, 0.0)}
NEAREST_EXAMPLES = 3  # confirmed examples averaged per sector: one odd example does not decide
NO_EVIDENCE_SIMILARITY = 0.4  # below it, and without sector vocabulary, the text says nothing of a sector (gibberish: 0.33)
DECLARED_BONUS = 0.5  # added to the declared sector's logit: the applicant's own sector wins only near-ties
# Disagreement: the declared sector is outside the top 3, or its confidence is under a fifth of the top's.
TOP_RANKS_AGREEING = 3
FAR_BELOW_RATIO = 0.2


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


_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")


@cache
def _sector_passages() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(passage, its sector): the sector texts cut into sentences, each short enough to mean one thing."""
    passages, sectors = [], []
    for slug, text in _sector_documents().items():
        for line in text.splitlines():
            for sentence in _SENTENCE_END.split(line):
                if len(sentence.split()) >= 2:
                    passages.append(sentence)
                    sectors.append(slug)
    return tuple(passages), tuple(sectors)


def _passages_fingerprint(passages: Sequence[str]) -> str:
    return hashlib.sha256("\n".join([MODEL_NAME, *passages]).encode()).hexdigest()


@cache
def _passage_vectors() -> tuple[np.ndarray, np.ndarray]:
    """The passages' embeddings and, per row, the sector's position in SECTOR_SLUGS.

    Embedding the ~850 passages takes the CPU 20 s or more, so they ship computed in PASSAGE_VECTORS_PATH;
    after an edit of the sector or site data the file no longer matches and they are computed here
    (`python -m models.rules.sectors` writes the file anew).
    """
    passages, sectors = _sector_passages()
    positions = np.array([SECTOR_SLUGS.index(s) for s in sectors])
    if PASSAGE_VECTORS_PATH.exists():
        stored = np.load(PASSAGE_VECTORS_PATH)
        if str(stored["fingerprint"]) == _passages_fingerprint(passages):
            return stored["vectors"].astype(np.float32), positions
    return embed(passages), positions


def write_passage_vectors() -> Path:
    passages, _ = _sector_passages()
    np.savez_compressed(PASSAGE_VECTORS_PATH, vectors=embed(passages).astype(np.float16),
                        fingerprint=np.array(_passages_fingerprint(passages)))
    return PASSAGE_VECTORS_PATH


@dataclass(frozen=True)
class SectorExamples:
    """Applications whose sector the program confirmed: their embeddings and sectors, for the nearest-example view."""

    vectors: np.ndarray  # (n, DIMENSIONS)
    sectors: np.ndarray  # (n,) position of each example's sector in SECTOR_SLUGS

    @classmethod
    def from_texts(cls, examples: Sequence[tuple[str, str]]) -> SectorExamples:
        """From (application text, confirmed sector) pairs; the text as application_text() writes it."""
        unknown = {sector for _, sector in examples} - set(SECTOR_SLUGS)
        if unknown:
            raise ValueError(f"unknown sector slugs {sorted(unknown)}")
        return cls(embed([text for text, _ in examples]),
                   np.array([SECTOR_SLUGS.index(sector) for _, sector in examples], dtype=int))


NO_EXAMPLES = SectorExamples(np.zeros((0, DIMENSIONS), dtype=np.float32), np.zeros(0, dtype=int))


def application_text(title: str, description: str, target_users: str = "") -> str:
    """The text an application is judged by: the title first, as the densest statement of the solution."""
    return "\n".join(part for part in (title, description, target_users) if part.strip())


def _closest_per_sector(similarities: np.ndarray, sectors: np.ndarray, nearest: int) -> np.ndarray:
    """Per sector, the mean of its `nearest` highest similarities (NaN for a sector without rows)."""
    best = np.full(len(SECTOR_SLUGS), np.nan)
    for position in np.unique(sectors):
        values = similarities[sectors == position]
        best[position] = np.sort(values)[-nearest:].mean()
    return best


FEATURES = ("lexical", "semantic", "examples")


def sector_features(title: str, description: str, target_users: str = "",
                    examples: SectorExamples = NO_EXAMPLES) -> np.ndarray:
    """(len(FEATURES), 11) features of the application for every sector, in SECTOR_SLUGS order.

    lexical: the BM25 score over the best sector's (zeros without sector vocabulary); semantic: cosine similarity
    to the closest sector passage; examples: mean cosine similarity to the sector's nearest confirmed examples
    (zero for a sector without any).
    """
    raw = np.array(_raw_scores("\n".join([title] * TITLE_REPEAT + [description, target_users])))
    lexical = raw / raw.max() if raw.max() > 0 else raw
    vector = embed([application_text(title, description, target_users)])[0]
    passage_vectors, passage_sectors = _passage_vectors()
    semantic = _closest_per_sector(passage_vectors @ vector, passage_sectors, nearest=1)
    nearest = np.zeros(len(SECTOR_SLUGS))
    if len(examples.sectors):
        nearest = np.nan_to_num(_closest_per_sector(examples.vectors @ vector, examples.sectors, NEAREST_EXAMPLES))
    return np.stack([lexical, semantic, nearest])


def calibrated_confidences(features: np.ndarray, language: str, declared: int | None = None,
                           weights: tuple[float, ...] | None = None) -> np.ndarray:
    """Softmax over the weighted features; zeros when the text has neither vocabulary nor meaning of a sector.

    `weights` (one per feature) replace FEATURE_WEIGHTS[language] while they are being fitted.
    """
    lexical, semantic, _ = features
    if lexical.max() == 0 and semantic.max() < NO_EVIDENCE_SIMILARITY:
        return np.zeros(features.shape[1])
    logits = np.asarray(weights or FEATURE_WEIGHTS[language]) @ features
    if declared is not None:
        logits[declared] += DECLARED_BONUS
    exponents = np.exp(logits - logits.max())
    return exponents / exponents.sum()


def suggest_sectors(
    title: str, description: str, target_users: str = "", declared_sector: str | None = None,
    examples: SectorExamples = NO_EXAMPLES,
) -> list[SectorScore]:
    """All 11 sectors ranked by fit with the application text, confidences summing to 1 (or all 0).

    `examples` are the applications whose sector the program confirmed. The declared sector gets a
    small bonus, so it wins a near-tie but not a clear disagreement.
    """
    if declared_sector is not None and declared_sector not in SECTOR_SLUGS:
        raise ValueError(f"unknown sector slug {declared_sector!r}")
    features = sector_features(title, description, target_users, examples)
    declared = None if declared_sector is None else SECTOR_SLUGS.index(declared_sector)
    language = text_language(application_text(title, description, target_users))
    confidences = dict(zip(SECTOR_SLUGS, calibrated_confidences(features, language, declared).tolist()))
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


if __name__ == "__main__":
    print(f"wrote {write_passage_vectors()}")
