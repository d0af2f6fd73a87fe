"""Stage 2: rank the catalog's test sites for an application, with a reason for every verdict.

Hard constraints exclude a site: the sector restrictions it declares, the availability window, a
free slot for another pilot (when it frees up is computed from the running pilots' end dates), and
the physical requirements (indoor/outdoor, power, network). Soft scores rank the rest: relevance of
the solution to the site's stated need, sector, TRL fit and the citizens passing through for the
feedback plan. Weights and thresholds live in data/scoring.json ("matching").

Matching stays fast on a country-wide catalog: what does not change between applications (the
need texts' terms and their weights, which sites accept which sector) is a SiteIndex built once per
catalog version. One ranking then touches only the sites that accept the application's sectors or
share a word with it, and writes reasons only for the sites it shows.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from models.rules.facts import ApplicationFacts, SiteFacts
from models.rules.methodology import feedback_sample_size
from models.rules.scoring import MatchingRules, load_rubric
from models.rules.text import tokenize

INDEXES_KEPT = 4  # catalog versions whose index stays in memory (a test catalog next to the real one)


@dataclass(frozen=True)
class Candidate:
    site_id: int
    code: str
    name: str
    sector: str
    score: float
    reasons: list[str]
    excluded: bool = False
    available_from: str | None = None  # ISO date the site can host the pilot (its availability and a free slot)
    need_matches: list[str] = field(default_factory=list)
    components: dict[str, float] = field(default_factory=dict)  # the soft scores, 0-1

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SiteRanking:
    candidates: list[Candidate]  # best first, the ones shown
    excluded: list[Candidate]  # excluded sites worth showing: of the application's sectors or matching its need
    summary: dict  # how many sites were considered, feasible, and excluded for which reason


@dataclass(frozen=True)
class SiteIndex:
    """What ranking needs from a catalog that does not change between applications."""

    version: int
    idf: dict[str, float]  # need-text stem -> inverse document frequency over the catalog
    postings: dict[str, tuple[int, ...]]  # need-text stem -> positions of the sites whose need contains it
    norms: tuple[float, ...]  # length of each site's need vector
    accepting: dict[str, tuple[int, ...]]  # sector -> positions of the sites that accept its pilots


@lru_cache(maxsize=65_536)
def need_terms(need: str) -> dict[str, str]:
    """Stem -> the first word of the need text that produced it (for readable reasons)."""
    terms: dict[str, str] = {}
    for word in re.findall(r"\w+(?:-\w+)*", need):
        for stem in tokenize(word):
            terms.setdefault(stem, word.lower())
    return terms


def catalog_version(sites: Sequence[SiteFacts]) -> int:
    """A fingerprint of what the index is built from; the sites' occupancy is read live, not indexed."""
    return hash(tuple((s.id, s.sector, s.allowed_sectors, s.need) for s in sites))


def build_index(sites: Sequence[SiteFacts], version: int) -> SiteIndex:
    site_terms = [need_terms(site.need) for site in sites]
    document_frequency = Counter(stem for terms in site_terms for stem in terms)
    idf = {stem: math.log(1 + len(sites) / count) for stem, count in document_frequency.items()}
    postings: dict[str, list[int]] = defaultdict(list)
    accepting: dict[str, list[int]] = defaultdict(list)
    norms = []
    for position, (site, terms) in enumerate(zip(sites, site_terms)):
        norms.append(math.sqrt(sum(idf[stem] ** 2 for stem in terms)) or 1.0)
        for stem in terms:
            postings[stem].append(position)
        for sector in dict.fromkeys((site.sector, *site.allowed_sectors)):
            accepting[sector].append(position)
    return SiteIndex(version, idf, {k: tuple(v) for k, v in postings.items()}, tuple(norms),
                     {k: tuple(v) for k, v in accepting.items()})


_indexes: dict[int, SiteIndex] = {}


def site_index(sites: Sequence[SiteFacts]) -> SiteIndex:
    """The catalog's index, built on first use of each catalog version."""
    version = catalog_version(sites)
    index = _indexes.get(version)
    if index is None:
        index = build_index(sites, version)
        while len(_indexes) >= INDEXES_KEPT:
            _indexes.pop(next(iter(_indexes)))
        _indexes[version] = index
    return index


def free_from(site: SiteFacts) -> date:
    """The first day the site can host another pilot: its own availability and a free slot."""
    day = site.available_from
    over_capacity = site.active_pilots - site.capacity
    if over_capacity >= 0:  # a slot frees when the (over_capacity + 1)-th earliest pilot ends
        day = max(day, sorted(site.active_pilot_ends)[over_capacity] + timedelta(days=1))
    return day


@dataclass(frozen=True)
class _Request:
    """One application's side of the ranking, worked out once."""

    app: ApplicationFacts
    sectors: frozenset[str]
    own_sector: str | None
    start: date
    latest_start: date
    pilot_weeks: int
    demanding_sectors: frozenset[str]
    rules: MatchingRules


def _blockers(request: _Request, site: SiteFacts) -> list[tuple[str, str]]:
    """(code, reason) of every hard constraint the site fails; empty when it can host the pilot."""
    app = request.app
    blockers = []
    if not request.sectors & {site.sector, *site.allowed_sectors}:
        accepted = ", ".join(dict.fromkeys((site.sector, *site.allowed_sectors)))
        blockers.append(("sector", f"excluded: site accepts pilots in {accepted} only"))
    if site.available_from > request.latest_start:
        blockers.append(("availability", f"excluded: not available until {site.available_from:%Y-%m}"))
    elif free_from(site) > request.latest_start:
        blockers.append(("capacity", f"excluded: no capacity until {free_from(site):%Y-%m} "
                                     f"({site.active_pilots} of {site.capacity} pilots running)"))
    if app.setting == "indoor" and site.setting == "outdoor":
        blockers.append(("setting", "excluded: the solution needs an indoor site"))
    if app.setting == "outdoor" and site.setting == "indoor":
        blockers.append(("setting", "excluded: the solution needs an outdoor site"))
    if app.needs_power and not site.has_power:
        blockers.append(("power", "excluded: no power supply for the equipment"))
    if app.needs_network and not site.has_network:
        blockers.append(("network", "excluded: no network connection"))
    return blockers


def _comfortable_trl(request: _Request, site: SiteFacts) -> int:
    """The TRL advised for a site: higher where a failure reaches many people or needs certified devices."""
    rules = request.rules
    demanding = site.sector in request.demanding_sectors or site.daily_visitors >= rules.busy_site_visitors
    return rules.comfortable_trl_demanding_site if demanding else rules.comfortable_trl


def _feedback_days(request: _Request, site: SiteFacts) -> float:
    """Days to reach the feedback plan's sample at the site, at the expected response rate."""
    if site.daily_visitors <= 0:
        return math.inf
    respondents = feedback_sample_size(site.daily_visitors, request.pilot_weeks)
    return respondents / (site.daily_visitors * request.rules.feedback_response_rate)


def _soft_scores(request: _Request, site: SiteFacts, need: float) -> dict[str, float]:
    rules = request.rules
    points = rules.sector_points
    sector = (points["own"] if site.sector == request.own_sector
              else points["related"] if site.sector in request.sectors else points["accepting"])
    levels_short = max(0, _comfortable_trl(request, site) - request.app.trl)
    trl = max(0.0, 1 - rules.trl_penalty_per_level * levels_short)
    visitors = min(1.0, rules.feedback_days_for_full_points / _feedback_days(request, site))
    return {"need": need, "sector": sector, "trl": trl, "visitors": visitors}


def _total(request: _Request, components: dict[str, float]) -> float:
    return round(sum(request.rules.weights[name] * value for name, value in components.items()), 4)


def _need_phrases(app_stems: set[str], need: str, idf: dict[str, float], limit: int = 3) -> list[str]:
    """Runs of adjacent need-text words that the application shares, the most specific first."""
    runs: list[tuple[float, str]] = []
    words: list[str] = []
    weight = 0.0
    for word in [*re.findall(r"\w+(?:-\w+)*", need), ""]:  # the empty word closes the last run
        stems = [stem for stem in tokenize(word) if stem in app_stems]
        if stems:
            words.append(word.lower())
            weight += max(idf.get(stem, 0.0) for stem in stems)
        elif words:
            runs.append((weight, " ".join(words)))
            words, weight = [], 0.0
    ranked = sorted(runs, key=lambda run: -run[0])
    return list(dict.fromkeys(phrase for _, phrase in ranked))[:limit]


def _reasons(request: _Request, site: SiteFacts, phrases: list[str], excluded: bool) -> list[str]:
    """Why the site ranks where it does; for an excluded site only what makes it worth a look."""
    if site.sector == request.own_sector:
        reasons = ["same sector"]
    elif site.sector in request.sectors:
        reasons = [f"related sector: {site.sector}"]
    elif request.sectors & {site.sector, *site.allowed_sectors}:
        reasons = [f"{site.sector} site accepting {request.own_sector} pilots"]
    else:
        reasons = [f"other sector: {site.sector}"]
    if phrases:
        reasons.append("need matches: " + ", ".join(f"'{p}'" for p in phrases))
    else:
        reasons.append("the site's stated need does not mention the solution")
    if excluded:
        return reasons
    free = free_from(site)
    if free > request.start:
        slot = " (a pilot slot frees up)" if free > site.available_from else ""
        reasons.append(f"free from {free.isoformat()}{slot}")
    comfortable = _comfortable_trl(request, site)
    if request.app.trl >= comfortable:
        reasons.append(f"TRL {request.app.trl} fits (advised {comfortable}+)")
    else:
        reasons.append(f"TRL {request.app.trl} below the {comfortable} advised for this site")
    days = _feedback_days(request, site)
    if math.isfinite(days):
        days = math.ceil(days)
        reach = f"feedback sample in ~{days} day{'s' if days > 1 else ''}"
    else:
        reach = "nobody to survey"
    reasons.append(f"about {site.daily_visitors:,} visitors a day: {reach}")
    return reasons


def rank_sites(
    app: ApplicationFacts,
    ranked_sectors: Sequence[str],
    sites: Sequence[SiteFacts],
    start: date,
    pilot_weeks: int,
    demanding_sectors: Collection[str] = (),
) -> SiteRanking:
    """Rank `sites` for the application.

    `ranked_sectors` are the application's sectors, most likely first (the declared one and the
    strongest suggestions); the first counts as its own sector. `start` is the earliest start of the
    pilot; a site free within the availability window after it still fits. `demanding_sectors` are
    those whose devices need certificates: their sites advise a higher TRL.
    """
    rules = load_rubric().matching
    request = _Request(
        app=app, sectors=frozenset(ranked_sectors), own_sector=ranked_sectors[0] if ranked_sectors else None,
        start=start, latest_start=start + timedelta(days=rules.availability_slack_days), pilot_weeks=pilot_weeks,
        demanding_sectors=frozenset(demanding_sectors), rules=rules,
    )
    index = site_index(sites)
    app_stems = {stem for stem in tokenize(app.text) if stem in index.idf}
    app_norm = math.sqrt(sum(index.idf[stem] ** 2 for stem in app_stems)) or 1.0
    shared_weight: dict[int, float] = defaultdict(float)
    for stem in app_stems:
        weight = index.idf[stem] ** 2
        for position in index.postings[stem]:
            shared_weight[position] += weight

    accepting = {position for sector in request.sectors for position in index.accepting.get(sector, ())}
    feasible: list[tuple[float, str, int, dict]] = []
    blocked: list[tuple[float, str, int, dict, list[tuple[str, str]]]] = []
    excluded_by: Counter = Counter()  # among the sites that accept the application's sectors
    for position in accepting | shared_weight.keys():  # the others can neither host it nor want it
        site = sites[position]
        need = min(1.0, rules.need_scale * shared_weight.get(position, 0.0) / (app_norm * index.norms[position]))
        components = _soft_scores(request, site, need)
        blockers = _blockers(request, site)
        if not blockers:
            feasible.append((_total(request, components), site.code, position, components))
            continue
        if position in accepting:
            excluded_by.update({code for code, _ in blockers})
        if site.sector in request.sectors or need > 0:
            blocked.append((_total(request, components), site.code, position, components, blockers))

    def shown(score: float, position: int, components: dict, blockers: list[tuple[str, str]]) -> Candidate:
        site = sites[position]
        phrases = _need_phrases(app_stems, site.need, index.idf)
        return Candidate(site.id, site.code, site.name, site.sector, score,
                         [reason for _, reason in blockers] + _reasons(request, site, phrases, bool(blockers)),
                         excluded=bool(blockers), available_from=free_from(site).isoformat(),
                         need_matches=phrases, components={k: round(v, 4) for k, v in components.items()})

    feasible.sort(key=lambda item: (-item[0], item[1]))
    blocked.sort(key=lambda item: (-item[0], item[1]))
    summary = {
        "catalog_sites": len(sites),
        "sector_restricted": len(sites) - len(accepting),
        "feasible": len(feasible),
        "excluded_by": dict(sorted(excluded_by.items())),
    }
    return SiteRanking(
        candidates=[shown(score, position, components, []) for score, _, position, components
                    in feasible[:rules.candidates_shown]],
        excluded=[shown(score, position, components, blockers) for score, _, position, components, blockers
                  in blocked[:rules.excluded_shown]],
        summary=summary,
    )
