"""The main themes of citizens' comments, by an explainable keyword method (Russian and English).

A comment belongs to a theme when one of its words starts with one of the theme's stems, or it
contains one of the theme's phrases (`models/data/themes.json`). Anyone can read the lists and
check a count by hand; nothing is learned or weighted.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from models.catalog import DATA_DIR

WORD = re.compile(r"[\w'-]+")
THEMES_FILE = DATA_DIR / "themes.json"


@dataclass(frozen=True)
class Theme:
    code: str
    name_en: str
    name_ru: str
    stems: tuple[str, ...]
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Comment:
    text: str
    rating: int


def normalise(text: str) -> str:
    return text.lower().replace("ё", "е")


@cache
def load_themes() -> tuple[Theme, ...]:
    data = json.loads(THEMES_FILE.read_text(encoding="utf-8"))
    return tuple(Theme(code=t["code"], name_en=t["name_en"], name_ru=t["name_ru"],
                       stems=tuple(normalise(s) for s in t["stems"]),
                       phrases=tuple(normalise(p) for p in t["phrases"]))
                 for t in data["themes"])


def themes_of(text: str, themes: Sequence[Theme]) -> list[str]:
    """Codes of the themes a comment touches, in the order of `themes`."""
    normal = normalise(text)
    words = WORD.findall(normal)
    return [t.code for t in themes
            if any(w.startswith(t.stems) for w in words) or any(p in normal for p in t.phrases)]


def comment_themes(comments: Sequence[Comment], themes: Sequence[Theme] | None = None) -> dict:
    """Each theme with its comment count, share of comments, the mean rating of those respondents and its
    latest comment as an example, most frequent first; `unclassified` counts the comments that touch no theme."""
    themes = load_themes() if themes is None else themes
    counts = {t.code: 0 for t in themes}
    rating_sums = {t.code: 0 for t in themes}
    examples: dict[str, str] = {}
    unclassified = 0
    for comment in comments:
        found = themes_of(comment.text, themes)
        unclassified += not found
        for code in found:
            counts[code] += 1
            rating_sums[code] += comment.rating
            examples[code] = comment.text
    total = len(comments)
    rows = [{"code": t.code, "name_en": t.name_en, "name_ru": t.name_ru, "count": counts[t.code],
             "share": counts[t.code] / total, "mean_rating": rating_sums[t.code] / counts[t.code], "example": examples[t.code]}
            for t in themes if counts[t.code]]
    rows.sort(key=lambda r: (-r["count"], r["code"]))
    return {"comments": total, "themes": rows, "unclassified": unclassified}
