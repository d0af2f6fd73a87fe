"""Tokenizer for English and Russian free text, shared by sector suggestion and site matching.

Lowercases, splits Latin and Cyrillic words, drops stopwords and pure numbers, and applies a small
suffix-stripping stemmer per language so that "polyclinics"/"polyclinic" and "поликлиники"/
"поликлиника" meet on one stem. Stemming is deliberately light: good enough for retrieval, not a
morphological analyser.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Hyphenated compounds ("x-ray", "wi-fi", "онлайн-запись") are kept whole here and split below.
_WORD = re.compile(r"[a-z0-9а-я]+(?:-[a-z0-9а-я]+)*")
_CYRILLIC = re.compile(r"[а-я]")
_IT_ACRONYM = re.compile(r"\bIT\b")  # lowercased, "IT" would vanish as the stopword "it"
_MIN_TOKEN_LENGTH = 2

STOPWORDS_EN = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each either etc few for from further
had has have having he her here hers him his how however i if in into is it its itself just may me
might more most must my no nor not now of off on once only onto or other our ours out over own per
same shall she should so some such than that the their theirs them then there these they this those
through thus to too under until up upon us very via was we were what when where which while who whom
whose why will with within without would yet you your yours
allow allowed allowing allows based enable enabled enables enabling get gets getting give given gives
giving got help helped helping helps instead keep keeping keeps kept let lets like make makes making
made new offer offered offering offers one provide provided provides providing take takes taking
took turn turned turning turns use used uses using want wants way ways well
""".split())  # the second half: verbs and fillers of application prose that carry no domain meaning

STOPWORDS_RU = frozenset("""
а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для до
его ее ей ему если есть еще же за здесь и из или им их к как какая какие какой когда кто ли либо
между меня мне можно мы на над нам нас не него нее нет ни них но ну о об однако он она они оно от
очень по под при про с со так также такой там те тем то того тоже той только том ты у уже хотя чего
чей чем что чтобы чье эта эти это этого этой этом этот эту я который которая которое которые
которых которым которой котором
благодаря дает дают дать делает делать использовать используем используется используют
использует используя может могут новая новые новый новых позволит позволить позволяет позволяют
помогает помогают помочь помощью путем сделать
""".split())  # the second half: verbs and fillers of application prose that carry no domain meaning

# Stems the suffix rules would get wrong by merging unrelated words ("park", "stat").
_EN_EXCEPTIONS = {"parking": "parking", "station": "station", "stations": "station"}
_EN_SUFFIXES = ("ibility", "ability", "isation", "ization", "ation", "ment", "ness", "ity", "ing", "ible",
                "able", "ise", "ize", "ate", "ed")
_EN_MIN_STEM = 3


@lru_cache(maxsize=65536)
def stem_en(word: str) -> str:
    """Light English stemmer: plurals, common derivational and verb suffixes, final -e, -y -> -i."""
    if word in _EN_EXCEPTIONS:
        return _EN_EXCEPTIONS[word]
    if len(word) <= _EN_MIN_STEM:
        return word
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies"):
        word = word[:-3] + "i"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in _EN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _EN_MIN_STEM:
            if suffix == "ed" and word.endswith("eed"):  # need, speed: not a past tense
                break
            word = word[: -len(suffix)]
            break
    else:
        if word.endswith("ion") and word[-4:-3] in ("t", "s") and len(word) > 6:  # detection -> detect
            word = word[:-3]
    if word.endswith("e") and len(word) > _EN_MIN_STEM:
        word = word[:-1]
    if word.endswith("y") and len(word) > _EN_MIN_STEM:
        word = word[:-1] + "i"
    if len(word) > _EN_MIN_STEM and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]  # planning -> plann -> plan, and plan stays plan
    return word


# Russian: a compact version of the Snowball algorithm. Endings are removed inside RV, the part of
# the word after its first vowel; the longest matching ending wins, and endings of the first group
# only count after "а" or "я".
_RU_VOWELS = frozenset("аеиоуыэюя")
Endings = tuple[tuple[str, bool], ...]  # (ending, must follow "а"/"я"), longest first


def _endings(after_a: str, anywhere: str) -> Endings:
    pairs = [(e, True) for e in after_a.split()] + [(e, False) for e in anywhere.split()]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


_RU_PERFECTIVE_GERUND = _endings("в вши вшись", "ив ивши ившись ыв ывши ывшись")
_RU_REFLEXIVE = _endings("", "ся сь")
_RU_ADJECTIVE = _endings("", "ее ие ые ое ими ыми ей ий ый ой ем им ым ом его ого ему ому их ых ую юю ая яя ою ею")
_RU_PARTICIPLE = _endings("ем нн вш ющ щ", "ивш ывш ующ")
_RU_VERB = _endings(
    "ла на ете йте ли й л ем н ло но ет ют ны ть ешь нно",
    "ила ыла ена ейте уйте ите или ыли ей уй ил ыл им ым ен ило ыло ено ят ует уют ит ыт ены ить ыть ишь ую ю",
)
_RU_NOUN = _endings("", "а ев ов ие ье е иями ями ами еи ии и ией ей ой ий й иям ям ием ем ам ом о у ах иях ях ы ь ию ью ю ия ья я")


def _strip_ending(rv: str, endings: Endings) -> str | None:
    for ending, must_follow_a in endings:
        if rv.endswith(ending) and (not must_follow_a or rv[: -len(ending)].endswith(("а", "я"))):
            return rv[: -len(ending)]
    return None


def _r2_start(word: str) -> int:
    """Start of Snowball's R2 region (after the second vowel-consonant pair)."""
    start, found = len(word), 0
    for i in range(1, len(word)):
        if word[i - 1] in _RU_VOWELS and word[i] not in _RU_VOWELS:
            found += 1
            if found == 2:
                return i + 1
    return start


@lru_cache(maxsize=65536)
def stem_ru(word: str) -> str:
    """Light Russian stemmer (Snowball-style): inflectional endings, -ость, superlatives, -нн, -ь."""
    rv_start = next((i + 1 for i, ch in enumerate(word) if ch in _RU_VOWELS), len(word))
    prefix, rv = word[:rv_start], word[rv_start:]
    stripped = _strip_ending(rv, _RU_PERFECTIVE_GERUND)
    if stripped is None:
        rv = _strip_ending(rv, _RU_REFLEXIVE) or rv
        adjective = _strip_ending(rv, _RU_ADJECTIVE)
        if adjective is not None:
            stripped = _strip_ending(adjective, _RU_PARTICIPLE) or adjective
        else:
            stripped = _strip_ending(rv, _RU_VERB)
            if stripped is None:
                stripped = _strip_ending(rv, _RU_NOUN)
    rv = rv if stripped is None else stripped
    if rv.endswith("и"):
        rv = rv[:-1]
    for derivational in ("ость", "ост"):
        if rv.endswith(derivational) and rv_start + len(rv) - len(derivational) >= _r2_start(word):
            rv = rv[: -len(derivational)]
            break
    if rv.endswith("ейше"):
        rv = rv[:-4]
    elif rv.endswith("ейш"):
        rv = rv[:-3]
    if rv.endswith("нн"):
        rv = rv[:-1]
    elif rv.endswith("ь"):
        rv = rv[:-1]
    return prefix + rv


def _normalise(word: str) -> str | None:
    if len(word) < _MIN_TOKEN_LENGTH or word.isdigit() or word in STOPWORDS_EN or word in STOPWORDS_RU:
        return None
    if not word.isalpha():
        return word  # mixed tokens such as "5g", "co2", "pm10" are identifiers: keep as they are
    return stem_ru(word) if _CYRILLIC.search(word) else stem_en(word)


def tokenize(text: str) -> list[str]:
    """Stemmed content words of `text` in order; a hyphenated compound yields its parts and the joined word."""
    tokens: list[str] = []
    text = _IT_ACRONYM.sub("ICT", text).lower().replace("ё", "е")
    for match in _WORD.finditer(text):
        word = match.group()
        parts = word.split("-")
        for candidate in parts if len(parts) == 1 else [*parts, "".join(parts)]:
            token = _normalise(candidate)
            if token:
                tokens.append(token)
    return tokens


@lru_cache(maxsize=256)
def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = []
    for term in sorted(terms, key=len, reverse=True):  # longest first: "blood pressure" before "blood"
        words = [re.escape(w.removesuffix("*")) + (r"\w*" if w.endswith("*") else "") for w in term.lower().split()]
        alternatives.append(r"\s+".join(words))
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")


def find_terms(text: str, terms: tuple[str, ...]) -> list[str]:
    """The distinct phrases of `text` that match `terms`, in order of appearance.

    A term matches whole words, case-insensitively; a trailing * on a word matches any ending, so that
    a short list of data-file terms covers English plurals and Russian inflections ("пожил*").
    """
    if not terms:
        return []
    found = _term_pattern(terms).finditer(text.lower().replace("ё", "е"))
    return list(dict.fromkeys(" ".join(match.group().split()) for match in found))
