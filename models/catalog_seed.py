"""The sectors and the site catalog of models/data/ written into the database (on every migration)."""

from sqlmodel import Session, select

from models.catalog import load_sectors, load_sites
from models.tables import Sector, Site

# Site columns added after sites were first seeded (migration 0003 leaves them empty on the rows already there).
SITE_FIELDS_ADDED_LATER = ("owner_name_en", "signatory_name_en", "signatory_title_en")


def seed_catalog(session: Session) -> int:
    """Insert the sectors and the synthetic site catalog; existing rows are left as they are, except that a
    stored site gets the catalog's value for a field added later that it holds empty."""
    for sector in load_sectors():
        if session.get(Sector, sector.slug) is None:
            session.add(Sector(slug=sector.slug, name_en=sector.name_en, name_ru=sector.name_ru))
    session.flush()
    known = {site.code: site for site in session.exec(select(Site)).all()}
    added = 0
    for seed in load_sites():
        site = known.get(seed.code)
        if site is None:
            session.add(Site(**seed.model_dump()))
            added += 1
        else:
            for field in SITE_FIELDS_ADDED_LATER:
                if not getattr(site, field):
                    setattr(site, field, getattr(seed, field))
    return added
