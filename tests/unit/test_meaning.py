"""Sector suggestion, duplicates and calibration by meaning: the sentence-embedding side of the rules.

The model loads once for the whole test session (models/rules/embedding.py keeps it per process).
"""

import numpy as np
import pytest

from models.rules import embedding
from models.rules.application import DUPLICATE_SAME_COMPANY_MEANING, DuplicateIndex, find_duplicate, similarity
from models.rules.facts import SECTOR_SLUGS, ApplicationFacts
from models.rules.sectors import (
    SectorExamples, application_text, calibrated_confidences, sector_features, suggest_sectors,
)
from models.rules.text import text_language

COMPANY = "7707083893"
OTHER_COMPANY = "5000000000"
ORIGINAL = ApplicationFacts(
    title="Fall detection bracelet", trl=7,
    description="A wristband for elderly people living alone detects a fall and calls a social worker automatically.")
# The same company's resubmission in other words: SequenceMatcher sees little in common, the meaning is the same.
PARAPHRASE = ApplicationFacts(
    title="Wearable alarm for seniors who fall", trl=7,
    description="Our bracelet notices when an older person at home falls down and alerts the social care service "
                "without anyone pressing a button.")
UNRELATED = ApplicationFacts(
    title="Adaptive traffic lights", trl=7,
    description="Signals at intersections change their timing to the measured flow of cars to shorten traffic jams.")


def test_embeddings_are_unit_vectors_and_close_in_meaning():
    vectors = embedding.embed([application_text(ORIGINAL.title, ORIGINAL.description),
                               application_text(PARAPHRASE.title, PARAPHRASE.description),
                               application_text(UNRELATED.title, UNRELATED.description), " "])
    assert vectors.shape == (4, embedding.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1, atol=1e-4) and not vectors[3].any()
    assert vectors[0] @ vectors[1] > DUPLICATE_SAME_COMPANY_MEANING > vectors[0] @ vectors[2]


def test_a_paraphrase_by_the_same_company_is_a_duplicate_but_not_by_another_company():
    assert similarity(ORIGINAL, PARAPHRASE) < 0.85  # the wording check alone would miss it
    earlier = [(3, COMPANY, UNRELATED), (5, COMPANY, ORIGINAL)]
    assert find_duplicate(PARAPHRASE, COMPANY, earlier) == 5
    assert find_duplicate(PARAPHRASE, OTHER_COMPANY, earlier) is None
    assert find_duplicate(UNRELATED, OTHER_COMPANY, [(5, COMPANY, ORIGINAL)]) is None


def test_the_index_finds_the_earliest_repeat_among_many_and_reuses_stored_vectors():
    earlier = [(number, f"{number:010d}", ApplicationFacts(title=f"Product {number}", trl=7,
                                                              description=f"Release {number} of something else."))
               for number in range(1, 200)] + [(300, COMPANY, ORIGINAL), (301, COMPANY, ORIGINAL)]
    vectors = embedding.embed([f"{facts.title}\n{facts.description}" for _, _, facts in earlier])
    index = DuplicateIndex.build(earlier, vectors)
    assert index.find(PARAPHRASE, COMPANY) == 300
    assert index.find(UNRELATED, COMPANY) is None
    # The stored vectors decide: with the paraphrase's vector far from every stored one only the wording is left.
    assert index.find(PARAPHRASE, COMPANY, vector=-vectors[-1]) is None


def test_russian_text_is_told_from_english():
    assert text_language("Браслет для одиноких пенсионеров, GPS") == "ru"
    assert text_language("A bracelet for seniors, с кнопкой") == "en"


def test_confirmed_examples_move_a_suggestion_towards_their_sector():
    title, description = "Quiet hours", "A subscription that lowers noise for people at home during the evening."
    without = sector_features(title, description)
    far_sector = int(np.argmin(without[1]))
    examples = SectorExamples.from_texts([(application_text(title, description + " Version two."),
                                           SECTOR_SLUGS[far_sector])] * 3)
    features = sector_features(title, description, examples=examples)
    assert not without[2].any() and features[2][far_sector] > 0.9
    assert np.count_nonzero(features[2]) == 1 and (features[:2] == without[:2]).all()
    ranked = [s.sector for s in suggest_sectors(title, description, examples=examples)]
    assert ranked.index(SECTOR_SLUGS[far_sector]) < [s.sector for s in suggest_sectors(title, description)].index(
        SECTOR_SLUGS[far_sector])
    with pytest.raises(ValueError):
        SectorExamples.from_texts([("text", "space")])


def test_calibrated_confidences_sum_to_one_sharpen_with_weight_and_vanish_without_evidence():
    features = np.array([[1.0, 0.5] + [0.0] * 9, [0.5, 0.45] + [0.1] * 9, [0.0] * 11])
    soft = calibrated_confidences(features, "en", weights=(1.0, 5.0, 0.0))
    sharp = calibrated_confidences(features, "en", weights=(8.0, 40.0, 0.0))
    assert soft.sum() == pytest.approx(1) and sharp.sum() == pytest.approx(1)
    assert soft.argmax() == sharp.argmax() == 0 and sharp[0] > soft[0]
    tie = np.array([np.zeros(11), np.full(11, 0.5), np.zeros(11)])
    assert calibrated_confidences(tie, "en", declared=4).argmax() == 4
    assert not calibrated_confidences(np.array([np.zeros(11), np.full(11, 0.2), np.zeros(11)]), "ru").any()
