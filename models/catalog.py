"""Domain catalog: the 11 sectors with their KPI library, citizen feedback questions and the
synthetic pilot test sites. The data lives in models/data/*.json and is validated once, on first use.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from models.rules.facts import SECTOR_SLUGS

DATA_DIR = Path(__file__).parent / "data"

District = Literal["ЦАО", "САО", "СВАО", "ВАО", "ЮВАО", "ЮАО", "ЮЗАО", "ЗАО", "СЗАО", "ЗелАО", "НАО", "ТАО"]
DISTRICTS: tuple[str, ...] = get_args(District)
Language = Literal["en", "ru"]


def _known_sector(slug: str) -> str:
    if slug not in SECTOR_SLUGS:
        raise ValueError(f"unknown sector slug {slug!r}")
    return slug


SectorSlug = Annotated[str, AfterValidator(_known_sector)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class KpiTemplate(_Record):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]+$")
    name_en: str = Field(min_length=1)
    name_ru: str = Field(min_length=1)
    # `formula`, `unit` and `data_source` are the English texts (`unit` is also what the rules compare, e.g. "%");
    # the `_ru` fields are the same in Russian. kpi_text picks one for a document.
    formula: str = Field(min_length=1)
    formula_ru: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    unit_ru: str = Field(min_length=1)
    data_source: str = Field(min_length=1)
    data_source_ru: str = Field(min_length=1)
    direction: Literal["increase", "decrease"]
    baseline: float
    target: float
    minimum_acceptable: float
    frequency_days: int = Field(gt=0)
    owner: Literal["site", "company", "agency"]
    primary: bool

    @model_validator(mode="after")
    def _thresholds_follow_direction(self) -> KpiTemplate:
        # The minimum acceptable result must lie strictly between where we start and where we aim.
        worst_to_best = (self.baseline, self.minimum_acceptable, self.target)
        if self.direction == "decrease":
            worst_to_best = tuple(-value for value in worst_to_best)
        if not worst_to_best[0] < worst_to_best[1] < worst_to_best[2]:
            raise ValueError(
                f"KPI {self.code}: for direction {self.direction!r} expected baseline -> minimum_acceptable -> "
                f"target to improve monotonically, got {self.baseline} -> {self.minimum_acceptable} -> {self.target}"
            )
        return self


class SectorProfile(_Record):
    slug: SectorSlug
    name_en: str = Field(min_length=1)
    name_ru: str = Field(min_length=1)
    profile_en: str = Field(min_length=200)
    profile_ru: str = Field(min_length=200)
    requires_certificates: bool
    kpis: tuple[KpiTemplate, ...] = Field(min_length=4, max_length=6)

    @model_validator(mode="after")
    def _kpi_library_is_usable(self) -> SectorProfile:
        codes = [kpi.code for kpi in self.kpis]
        if len(set(codes)) != len(codes):
            raise ValueError(f"sector {self.slug}: duplicate KPI codes {codes}")
        if sum(kpi.primary for kpi in self.kpis) < 2:
            raise ValueError(f"sector {self.slug}: needs at least 2 primary KPIs")
        return self


class SiteSeed(_Record):
    code: str = Field(pattern=r"^[A-Z]{2}-\d{3}$")
    name_en: str = Field(min_length=1)
    name_ru: str = Field(min_length=1)
    sector: SectorSlug
    allowed_sectors: tuple[SectorSlug, ...] = Field(min_length=1, max_length=4)
    owner_type: Literal["public", "commercial"]
    # The site's party to the contract, in Russian and in English.
    owner_name: str = Field(min_length=1)
    owner_name_en: str = Field(min_length=1)
    district: District
    address_ru: str = Field(min_length=1)
    address_en: str = Field(min_length=1)
    need_en: str = Field(min_length=1)
    need_ru: str = Field(min_length=1)
    setting: Literal["indoor", "outdoor", "mixed"]
    has_power: bool
    has_network: bool
    capacity: int = Field(ge=1, le=3)
    available_from: date
    daily_visitors: int = Field(ge=0)
    signatory_name: str = Field(min_length=1)
    signatory_name_en: str = Field(min_length=1)
    signatory_title: str = Field(min_length=1)
    signatory_title_en: str = Field(min_length=1)

    @model_validator(mode="after")
    def _accepts_own_sector(self) -> SiteSeed:
        if self.allowed_sectors[0] != self.sector or len(set(self.allowed_sectors)) != len(self.allowed_sectors):
            raise ValueError(f"site {self.code}: allowed_sectors must start with its own sector and not repeat")
        return self


class _SectorFile(_Record):
    sectors: tuple[SectorProfile, ...]
    feedback_questions: dict[Language, tuple[str, ...]]

    @model_validator(mode="after")
    def _complete(self) -> _SectorFile:
        slugs = tuple(sector.slug for sector in self.sectors)
        if slugs != SECTOR_SLUGS:
            raise ValueError(f"sectors.json must list exactly {SECTOR_SLUGS} in that order, got {slugs}")
        counts = {language: len(questions) for language, questions in self.feedback_questions.items()}
        if set(counts) != set(get_args(Language)) or len(set(counts.values())) != 1:
            raise ValueError(f"feedback questions must exist in every language with equal counts, got {counts}")
        return self


class _SiteFile(_Record):
    sites: tuple[SiteSeed, ...]

    @model_validator(mode="after")
    def _unique_codes(self) -> _SiteFile:
        codes = [site.code for site in self.sites]
        if len(set(codes)) != len(codes):
            raise ValueError("sites.json has duplicate site codes")
        return self


@cache
def _sector_file() -> _SectorFile:
    return _SectorFile.model_validate_json((DATA_DIR / "sectors.json").read_text(encoding="utf-8"))


@cache
def _site_file() -> _SiteFile:
    return _SiteFile.model_validate_json((DATA_DIR / "sites.json").read_text(encoding="utf-8"))


def load_sectors() -> list[SectorProfile]:
    """The 11 sectors in SECTOR_SLUGS order."""
    return list(_sector_file().sectors)


def sector_by_slug() -> dict[str, SectorProfile]:
    return {sector.slug: sector for sector in _sector_file().sectors}


@cache
def kpi_by_code() -> dict[str, KpiTemplate]:
    """Every sector's library KPI by its code."""
    return {kpi.code: kpi for sector in _sector_file().sectors for kpi in sector.kpis}


def kpi_text(kpi: dict, field: str, language: str) -> str:
    """A KPI's `field` ("unit", "formula" or "data_source") in `language`: `field` itself is the English text,
    `<field>_ru` the Russian one. A KPI stored without it (a methodology drafted before the library had Russian
    texts, or an evaluation's KPI row) takes it from the library KPI of the same code."""
    if language == "ru":
        text = kpi.get(f"{field}_ru")
        library = kpi_by_code().get(kpi.get("code", ""))
        if not text and library is not None:
            text = getattr(library, f"{field}_ru")
        if text:
            return text
    return kpi[field]


def feedback_questions(language: str) -> list[str]:
    """Citizen feedback questionnaire in "en" or "ru"."""
    questions = _sector_file().feedback_questions
    if language not in questions:
        raise ValueError(f"no feedback questions for language {language!r}; use one of {sorted(questions)}")
    return list(questions[language])


def load_sites() -> list[SiteSeed]:
    """The synthetic catalog of pilot test sites, ordered by sector then code."""
    return list(_site_file().sites)
