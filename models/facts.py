"""Stored rows as the plain facts the pure rules take (models/rules/facts.py)."""

from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from models.rules.facts import ApplicationFacts, SiteFacts
from models.stages import PilotStatus
from models.tables import Application, Pilot, Site

SITE_OCCUPYING_STATUSES = (PilotStatus.CONTRACTING, PilotStatus.ACTIVE)  # a pilot holds its slot at the site from approval to its end


def application_facts(application: Application) -> ApplicationFacts:
    return ApplicationFacts(
        title=application.title, description=application.description, trl=application.trl,
        target_users=application.target_users, wants_to_test=application.wants_to_test,
        sector=application.sector, setting=application.setting, needs_power=application.needs_power,
        needs_network=application.needs_network, handles_personal_data=application.handles_personal_data,
        certificates=tuple(application.certificates), desired_start=application.desired_start,
        entity_type=application.entity_type, personal_data_handling=application.personal_data_handling,
        impact_evidence=application.impact_evidence, novelty=application.novelty, team_size=application.team_size,
        team_experience_years=application.team_experience_years, route_to_purchase=application.route_to_purchase,
    )


def active_pilot_ends(session: Session) -> dict[int, tuple[date, ...]]:
    """Site id -> end dates of the pilots holding a slot there, so matching knows when one frees up."""
    ends: dict[int, list[date]] = defaultdict(list)
    rows = session.exec(select(Pilot.site_id, Pilot.end_date).where(Pilot.status.in_(SITE_OCCUPYING_STATUSES)))
    for site_id, end_date in rows:
        ends[site_id].append(end_date)
    return {site_id: tuple(sorted(dates)) for site_id, dates in ends.items()}


def site_facts(site: Site, active_pilot_ends: tuple[date, ...] = ()) -> SiteFacts:
    return SiteFacts(
        id=site.id, code=site.code, name=site.name_en, name_ru=site.name_ru, sector=site.sector,
        allowed_sectors=tuple(site.allowed_sectors), need=f"{site.need_en} {site.need_ru}",
        setting=site.setting, has_power=site.has_power, has_network=site.has_network,
        capacity=site.capacity, available_from=site.available_from,
        daily_visitors=site.daily_visitors, active_pilot_ends=active_pilot_ends,
    )


def catalog_facts(session: Session) -> list[SiteFacts]:
    ends = active_pilot_ends(session)
    return [site_facts(s, ends.get(s.id, ())) for s in session.exec(select(Site).order_by(Site.id))]
