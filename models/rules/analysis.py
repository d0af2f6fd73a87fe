"""Stage 2 as one pure computation, shared by the pilot-analysis flow and the preview API."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from models.catalog import feedback_questions, sector_by_slug
from models.rules.facts import ApplicationFacts, SiteFacts
from models.rules.matching import Candidate, free_from, rank_sites
from models.rules.methodology import DraftMethodology, draft_methodology, duration_for
from models.rules.scoring import ScoringInput, SiteFit, TechnologyScore, load_rubric, score_technology
from models.rules.sectors import SectorScore, disagreement, suggest_sectors

LEAD_TIME = timedelta(days=14)  # earliest start: two weeks to sign the contract
RELATED_SECTOR_SHARE = 0.6  # suggestions this close to the best also count as the application's sectors
NO_SECTOR_EVIDENCE = "the text has no sector vocabulary: the sector is a guess; declare one"


@dataclass(frozen=True)
class AnalysisResult:
    suggested_sectors: list[dict]
    sector: str
    sector_note: str | None
    candidates: list[Candidate]
    excluded: list[Candidate]
    site_summary: dict
    score: TechnologyScore
    site: SiteFacts | None  # the best candidate, where the draft methodology is set
    methodology: DraftMethodology | None  # none when no site can host the pilot or a gate failed

    def analysis_fields(self) -> dict:
        """The stored analysis (the Analysis table's columns), also what the preview API returns."""
        return {
            "sector": self.sector, "suggested_sectors": self.suggested_sectors, "sector_note": self.sector_note,
            "score": self.score.total, "score_breakdown": self.score.breakdown_dicts(),
            "gates": self.score.gate_dicts(), "gates_passed": self.score.passed,
            "candidate_sites": [c.as_dict() for c in self.candidates + self.excluded],
            "site_summary": self.site_summary,
        }

    def methodology_fields(self) -> dict | None:
        """The draft methodology at its site (the Methodology table's content columns)."""
        if self.methodology is None:
            return None
        return {"site_id": self.site.id, **asdict(self.methodology)}


def application_sectors(app: ApplicationFacts, ranked: Sequence[SectorScore]) -> list[str]:
    """The declared sector first (if any), then the suggestions close to the best one."""
    top = ranked[0].score or 1.0
    sectors = [app.sector] if app.sector else []
    sectors += [s.sector for s in ranked if s.score >= RELATED_SECTOR_SHARE * top and s.sector not in sectors]
    return sectors or [ranked[0].sector]  # no evidence at all: the ranking's first is as good a guess as any


def _sector_note(app: ApplicationFacts, ranked: Sequence[SectorScore]) -> str | None:
    if app.sector:
        return disagreement(app.sector, ranked)
    return NO_SECTOR_EVIDENCE if ranked[0].score == 0 else None


def earliest_start(app: ApplicationFacts, today: date) -> date:
    return max(app.desired_start or today, today + LEAD_TIME)


def draft_for_site(app: ApplicationFacts, site: SiteFacts, sector: str, start: date, language: str,
                   *, kpis: list[dict] | None = None, weeks: int | None = None) -> DraftMethodology:
    """The draft methodology for piloting `app` at `site`, from the sector's KPI library.

    On adoption the coordinator's edits come in as `kpis` (instead of the library) and `weeks`.
    """
    return draft_methodology(
        title=app.title, trl=app.trl,
        site_name=site.name_ru if language == "ru" else site.name,
        daily_visitors=site.daily_visitors,
        kpi_library=kpis if kpis is not None else [k.model_dump() for k in sector_by_slug()[sector].kpis],
        questions=feedback_questions(language),
        start=max(start, free_from(site)), language=language, weeks=weeks,
        target_users=app.target_users, handles_personal_data=app.handles_personal_data,
    )


def analyse(
    app: ApplicationFacts, sites: Sequence[SiteFacts], today: date, language: str, override_trl_gate: bool = False,
) -> AnalysisResult:
    """Sector suggestion, site ranking, the rubric's gates and criteria, and the draft methodology."""
    ranked = suggest_sectors(app.title, app.description, app.target_users, app.sector)
    sectors = application_sectors(app, ranked)
    sector = sectors[0]
    start = earliest_start(app, today)
    certified = [slug for slug, profile in sector_by_slug().items() if profile.requires_certificates]
    ranking = rank_sites(app, sectors, sites, start, duration_for(app.trl), demanding_sectors=certified)
    best = ranking.candidates[0] if ranking.candidates else None
    site = next(s for s in sites if s.id == best.site_id) if best else None
    best_fit = None if best is None else SiteFit(
        code=best.code, need_score=best.components["need"], need_matches=best.need_matches,
        wait_days=max(0, (free_from(site) - start).days),
        feasible_sites=ranking.summary["feasible"],
    )
    score = score_technology(ScoringInput(
        app=app, sectors={sector, ranked[0].sector}, certified_sectors=certified, best_site=best_fit,
        availability_slack_days=load_rubric().matching.availability_slack_days, override_trl_gate=override_trl_gate,
    ))
    # A methodology is drafted for adoption only: an application failing a gate cannot be adopted as it stands.
    methodology = draft_for_site(app, site, sector, start, language) if site and score.passed else None
    return AnalysisResult(
        suggested_sectors=[{"sector": s.sector, "score": round(s.score, 4)} for s in ranked],
        sector=sector, sector_note=_sector_note(app, ranked),
        candidates=ranking.candidates, excluded=ranking.excluded, site_summary=ranking.summary,
        score=score, site=site, methodology=methodology,
    )
