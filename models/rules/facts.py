"""Plain inputs of the domain rules, so the rules need no database session."""

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

# The program's 11 sectors (shared/DOMAIN.md): the slugs every table, rule and document uses.
SectorSlug = Literal[
    "retail-services", "energy-efficiency", "it-communications", "healthcare", "environment",
    "security", "transport", "education", "urban-economy", "culture-sport-tourism",
    "social-services",
]
SECTOR_SLUGS: tuple[str, ...] = get_args(SectorSlug)


@dataclass(frozen=True)
class ApplicationFacts:
    title: str
    description: str
    trl: int
    target_users: str = ""
    wants_to_test: str = ""
    sector: str | None = None
    setting: str = "any"  # indoor | outdoor | any
    needs_power: bool = False
    needs_network: bool = False
    handles_personal_data: bool = False
    certificates: tuple[str, ...] = ()
    desired_start: date | None = None
    # What the stage-2 rubric weighs; all optional, so an application without them still scores.
    entity_type: str | None = None
    personal_data_handling: str = ""
    impact_evidence: str = ""
    novelty: str = ""
    team_size: int | None = None
    team_experience_years: int | None = None
    route_to_purchase: str = ""

    @property
    def text(self) -> str:
        return " ".join((self.title, self.description, self.target_users, self.wants_to_test))


@dataclass(frozen=True)
class SiteFacts:
    id: int
    code: str
    name: str
    name_ru: str
    sector: str
    allowed_sectors: tuple[str, ...]
    need: str  # the need texts in every language, joined
    setting: str  # indoor | outdoor | mixed
    has_power: bool
    has_network: bool
    capacity: int
    available_from: date
    daily_visitors: int
    active_pilot_ends: tuple[date, ...] = ()  # end dates of the pilots holding a slot at the site

    @property
    def active_pilots(self) -> int:
        return len(self.active_pilot_ends)
