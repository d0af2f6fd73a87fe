"""Stage 2: the explainable technology rubric. Gates and weights live in data/scoring.json.

Pass/fail gates come first (an eligible applicant, TRL ready for a live pilot unless a coordinator
overrides, certificates for medical and transport devices, declared handling of citizens' personal
data); then weighted criteria give points out of 100. Every gate and every criterion carries the
reason for its verdict, so a coordinator can see why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.rules.facts import ApplicationFacts
from models.rules.text import find_terms

RUBRIC_PATH = Path(__file__).resolve().parents[1] / "data" / "scoring.json"
TOTAL_POINTS = 100
_NUMBER = re.compile(r"\d")


# --- the rubric file ---------------------------------------------------------------------------


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Labelled(_Part):
    label_en: str = Field(min_length=1)
    label_ru: str = Field(min_length=1)


class EntityGate(_Labelled):
    eligible_types: tuple[str, ...]


class TrlGate(_Labelled):
    min_trl: int = Field(ge=1, le=9)


class CertificateGate(_Labelled):
    device_terms: dict[str, tuple[str, ...]]  # sector -> words that mark a device of that sector


class PersonalDataGate(_Labelled):
    min_handling_words: int = Field(ge=1)
    data_terms: tuple[str, ...]


class Gates(_Part):
    eligible_entity: EntityGate
    trl_live_pilot: TrlGate
    certificates: CertificateGate
    personal_data: PersonalDataGate


class _Criterion(_Labelled):
    weight: float = Field(ge=0)


class NeedFit(_Criterion):
    pass


class Feasibility(_Criterion):
    wait_share: float = Field(ge=0, le=1)  # the rest is the share of having alternative sites
    sites_for_full_points: int = Field(ge=1)


class ImpactEvidence(_Criterion):
    stated: float
    quantified: float
    track_record: float
    track_record_terms: tuple[str, ...]


class TrlFit(_Criterion):
    points: dict[int, float]

    @model_validator(mode="after")
    def _every_level(self) -> TrlFit:
        if sorted(self.points) != list(range(1, 10)):
            raise ValueError("trl_fit.points must give a fraction for every TRL 1-9")
        return self


class Novelty(_Criterion):
    claim: float
    protected: float
    min_claim_words: int = Field(ge=1)
    protection_terms: tuple[str, ...]


Steps = tuple[tuple[float, float], ...]  # (from this value, fraction), ascending


class TeamCapacity(_Criterion):
    size_points: Steps
    experience_points: Steps


class Scalability(_Criterion):
    stated: float
    channel: float
    scale: float
    min_route_words: int = Field(ge=1)
    channel_terms: tuple[str, ...]
    scale_terms: tuple[str, ...]


class Accessibility(_Criterion):
    core_audience: float
    side_benefit: float
    terms: tuple[str, ...]


class Criteria(_Part):
    site_need_fit: NeedFit
    site_feasibility: Feasibility
    impact_evidence: ImpactEvidence
    trl_fit: TrlFit
    novelty: Novelty
    team_capacity: TeamCapacity
    scalability: Scalability
    accessibility: Accessibility


class MatchingRules(_Part):
    comment: str = Field(default="", alias="_comment")
    weights: dict[str, float]  # need, sector, trl, visitors
    sector_points: dict[str, float]  # own, related, accepting
    need_scale: float = Field(gt=0)
    availability_slack_days: int = Field(ge=0)
    comfortable_trl: int = Field(ge=1, le=9)
    comfortable_trl_demanding_site: int = Field(ge=1, le=9)
    busy_site_visitors: int = Field(ge=0)
    trl_penalty_per_level: float = Field(ge=0, le=1)
    feedback_response_rate: float = Field(gt=0, le=1)
    feedback_days_for_full_points: int = Field(ge=1)
    candidates_shown: int = Field(ge=1)
    excluded_shown: int = Field(ge=0)

    @model_validator(mode="after")
    def _complete(self) -> MatchingRules:
        if set(self.weights) != {"need", "sector", "trl", "visitors"} or abs(sum(self.weights.values()) - 1) > 1e-9:
            raise ValueError("matching.weights must give need, sector, trl and visitors, summing to 1")
        if set(self.sector_points) != {"own", "related", "accepting"}:
            raise ValueError("matching.sector_points must give own, related and accepting")
        return self


class Rubric(_Part):
    comment: str = Field(default="", alias="_comment")
    gates: Gates
    criteria: Criteria
    matching: MatchingRules

    @model_validator(mode="after")
    def _weights_make_100(self) -> Rubric:
        total = sum(getattr(self.criteria, name).weight for name in Criteria.model_fields)
        if abs(total - TOTAL_POINTS) > 1e-9:
            raise ValueError(f"criteria weights must add up to {TOTAL_POINTS}, got {total:g}")
        return self


@cache
def load_rubric() -> Rubric:
    return Rubric.model_validate_json(RUBRIC_PATH.read_text(encoding="utf-8"))


# --- the verdicts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateResult:
    gate: str
    label: str
    label_ru: str
    passed: bool
    reason: str
    overridden: bool = False


@dataclass(frozen=True)
class CriterionScore:
    criterion: str
    label: str
    label_ru: str
    points: float
    max_points: float
    reason: str


@dataclass(frozen=True)
class TechnologyScore:
    total: float  # out of 100
    gates: list[GateResult]
    breakdown: list[CriterionScore]

    @property
    def passed(self) -> bool:
        return all(gate.passed for gate in self.gates)

    @property
    def verdict(self) -> str:
        failed = [f"{g.label} ({g.reason})" for g in self.gates if not g.passed]
        if failed:
            return "failed gates: " + "; ".join(failed)
        overridden = [g.label for g in self.gates if g.overridden]
        return "all gates passed" + (f" ({', '.join(overridden)}: overridden by the coordinator)" if overridden else "")

    def gate_dicts(self) -> list[dict]:
        return [asdict(g) for g in self.gates]

    def breakdown_dicts(self) -> list[dict]:
        return [asdict(c) for c in self.breakdown]


@dataclass(frozen=True)
class SiteFit:
    """The best candidate site, as the rubric sees it."""

    code: str
    need_score: float  # 0-1 relevance of the solution to the site's stated need
    need_matches: list[str]
    wait_days: int  # from the earliest start until the site can host the pilot
    feasible_sites: int  # how many sites could host it at all


@dataclass(frozen=True)
class ScoringInput:
    app: ApplicationFacts
    sectors: Collection[str]  # the sector the analysis settled on and the text's best suggestion
    certified_sectors: Collection[str]  # sectors whose devices need certificates
    best_site: SiteFit | None
    availability_slack_days: int
    override_trl_gate: bool = False


def _words(text: str) -> int:
    return len(text.split())


def _quote(terms: list[str], limit: int = 3) -> str:
    return ", ".join(f"'{t}'" for t in terms[:limit])


class Check(NamedTuple):
    passed: bool
    reason: str
    overridden: bool = False


def _step(value: float, steps: Steps) -> float:
    fraction = 0.0
    for threshold, points in steps:
        if value >= threshold:
            fraction = points
    return fraction


# --- gates -------------------------------------------------------------------------------------


def _eligible_entity(spec: EntityGate, inp: ScoringInput) -> Check:
    entity = inp.app.entity_type
    if entity is None:
        return Check(True, "entity type not declared; a company with a registration number applied")
    kind = entity.replace("_", " ")
    if entity in spec.eligible_types:
        return Check(True, f"{kind}: may apply")
    eligible = ", ".join(t.replace("_", " ") for t in spec.eligible_types)
    return Check(False, f"{kind}: may not apply; eligible: {eligible}")


def _trl_live_pilot(spec: TrlGate, inp: ScoringInput) -> Check:
    trl = inp.app.trl
    if trl >= spec.min_trl:
        return Check(True, f"TRL {trl} >= {spec.min_trl}")
    if inp.override_trl_gate:
        return Check(True, f"TRL {trl} below {spec.min_trl}; overridden by the coordinator", overridden=True)
    return Check(False, f"TRL {trl} below {spec.min_trl} for a live urban pilot; a coordinator may override")


def _certificates(spec: CertificateGate, inp: ScoringInput) -> Check:
    app = inp.app
    for sector in sorted(set(inp.sectors) & set(inp.certified_sectors)):
        terms = spec.device_terms.get(sector)
        devices = find_terms(app.text, terms) if terms is not None else ["the solution"]
        if not devices:
            continue
        if app.certificates:
            declared = ", ".join(app.certificates)
            return Check(True, f"{sector} device ({_quote(devices)}); certificates declared: {declared}")
        return Check(False, f"{sector} device ({_quote(devices)}); no certificate declared")
    return Check(True, "no medical or transport device")


def _personal_data(spec: PersonalDataGate, inp: ScoringInput) -> Check:
    app = inp.app
    mentions = find_terms(app.text, spec.data_terms)
    if not app.handles_personal_data and not mentions:
        return Check(True, "no citizens' personal data involved")
    why = "declared by the applicant" if app.handles_personal_data else f"the text mentions {_quote(mentions)}"
    if _words(app.personal_data_handling) >= spec.min_handling_words:
        return Check(True, f"citizens' personal data ({why}); handling declared")
    return Check(False, f"citizens' personal data ({why}); describe how it is handled (at least "
                        f"{spec.min_handling_words} words: legal basis, storage, access, deletion)")


# --- criteria ----------------------------------------------------------------------------------


def _site_need_fit(spec: NeedFit, inp: ScoringInput) -> tuple[float, str]:
    site = inp.best_site
    if site is None:
        return 0.0, "no test site in the catalog can take the pilot"
    if not site.need_matches:
        return site.need_score, f"{site.code}: its stated need shares no words with the solution"
    return site.need_score, f"{site.code}: need matches {_quote(site.need_matches)} ({site.need_score:.0%})"


def _site_feasibility(spec: Feasibility, inp: ScoringInput) -> tuple[float, str]:
    site = inp.best_site
    if site is None:
        return 0.0, "no test site can host the pilot within the availability window"
    slack = max(inp.availability_slack_days, 1)
    wait = 1 - min(site.wait_days, slack) / slack
    alternatives = min(site.feasible_sites, spec.sites_for_full_points) / spec.sites_for_full_points
    when = f"free {site.wait_days} days after the earliest start" if site.wait_days else "free at the earliest start"
    return (spec.wait_share * wait + (1 - spec.wait_share) * alternatives,
            f"{site.code} {when}; {site.feasible_sites} site(s) can host the pilot")


def _impact_evidence(spec: ImpactEvidence, inp: ScoringInput) -> tuple[float, str]:
    text = inp.app.impact_evidence
    if not text:
        return 0.0, "no evidence of impact given"
    quantified = bool(_NUMBER.search(text))
    record = find_terms(text, spec.track_record_terms)
    fraction = spec.stated + spec.quantified * quantified + spec.track_record * bool(record)
    parts = ["impact stated", "quantified" if quantified else "not quantified",
             f"track record ({_quote(record)})" if record else "no earlier pilots or customers named"]
    return fraction, "; ".join(parts)


def _trl_fit(spec: TrlFit, inp: ScoringInput) -> tuple[float, str]:
    fraction = spec.points[inp.app.trl]
    return fraction, f"TRL {inp.app.trl} of 9 gives {fraction:.0%}"


def _novelty(spec: Novelty, inp: ScoringInput) -> tuple[float, str]:
    text = inp.app.novelty
    if _words(text) < spec.min_claim_words:
        return 0.0, f"no novelty claim (at least {spec.min_claim_words} words)"
    protection = find_terms(text, spec.protection_terms)
    if protection:
        return spec.claim + spec.protected, f"novelty claimed and protected ({_quote(protection)})"
    return spec.claim, "novelty claimed; no patent or registered software named"


def _team_capacity(spec: TeamCapacity, inp: ScoringInput) -> tuple[float, str]:
    size, years = inp.app.team_size, inp.app.team_experience_years
    size_part = _step(size, spec.size_points) if size is not None else 0.0
    years_part = _step(years, spec.experience_points) if years is not None else 0.0
    size_text = f"team of {size}" if size is not None else "team size not given"
    years_text = f"{years} years of experience" if years is not None else "experience not given"
    return (size_part + years_part) / 2, f"{size_text}; {years_text}"


def _scalability(spec: Scalability, inp: ScoringInput) -> tuple[float, str]:
    text = inp.app.route_to_purchase
    if _words(text) < spec.min_route_words:
        return 0.0, f"no route to purchase described (at least {spec.min_route_words} words)"
    channel = find_terms(text, spec.channel_terms)
    scale = find_terms(text, spec.scale_terms)
    fraction = spec.stated + spec.channel * bool(channel) + spec.scale * bool(scale)
    parts = ["route to purchase described",
             f"channel or price ({_quote(channel)})" if channel else "no purchase channel or price",
             f"scale ({_quote(scale)})" if scale else "no plan to scale"]
    return fraction, "; ".join(parts)


def _accessibility(spec: Accessibility, inp: ScoringInput) -> tuple[float, str]:
    app = inp.app
    core = find_terms(f"{app.title}\n{app.target_users}", spec.terms)
    if core:
        return spec.core_audience, f"the target users include {_quote(core)}"
    side = find_terms(f"{app.description}\n{app.wants_to_test}", spec.terms)
    if side:
        return spec.side_benefit, f"the description mentions {_quote(side)}"
    return 0.0, "no benefit for the elderly or people with disabilities stated"


GATES: dict[str, Callable[..., Check]] = {
    "eligible_entity": _eligible_entity, "trl_live_pilot": _trl_live_pilot,
    "certificates": _certificates, "personal_data": _personal_data,
}
CRITERIA: dict[str, Callable[..., tuple[float, str]]] = {
    "site_need_fit": _site_need_fit, "site_feasibility": _site_feasibility, "impact_evidence": _impact_evidence,
    "trl_fit": _trl_fit, "novelty": _novelty, "team_capacity": _team_capacity, "scalability": _scalability,
    "accessibility": _accessibility,
}


def score_technology(inp: ScoringInput) -> TechnologyScore:
    """Check every gate, then score every criterion; each verdict carries its reason."""
    rubric = load_rubric()
    gates = []
    for name in Gates.model_fields:
        spec = getattr(rubric.gates, name)
        check = GATES[name](spec, inp)
        gates.append(GateResult(name, spec.label_en, spec.label_ru, *check))
    breakdown = []
    for name in Criteria.model_fields:
        spec = getattr(rubric.criteria, name)
        fraction, reason = CRITERIA[name](spec, inp)
        fraction = min(1.0, max(0.0, fraction))
        breakdown.append(CriterionScore(name, spec.label_en, spec.label_ru, round(fraction * spec.weight, 1),
                                        spec.weight, reason))
    return TechnologyScore(round(sum(c.points for c in breakdown), 1), gates, breakdown)
