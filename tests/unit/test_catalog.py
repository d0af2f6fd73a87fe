import re
import runpy
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from models.catalog import DATA_DIR, KpiTemplate, SiteSeed, feedback_questions, load_sectors, load_sites, sector_by_slug
from models.rules.facts import SECTOR_SLUGS

REPO_ROOT = Path(__file__).resolve().parents[2]


def _generator(name: str):
    """A function of scripts/generate_sites.py (a script, not a module)."""
    return runpy.run_path(str(REPO_ROOT / "scripts" / "generate_sites.py"), run_name="generate_sites")[name]


def test_sectors_load_in_domain_order():
    assert [sector.slug for sector in load_sectors()] == list(SECTOR_SLUGS)
    assert list(sector_by_slug()) == list(SECTOR_SLUGS)


def test_certificates_required_only_for_healthcare_and_transport():
    assert {s.slug for s in load_sectors() if s.requires_certificates} == {"healthcare", "transport"}


def test_every_sector_has_rich_bilingual_profile_and_kpi_library():
    for sector in load_sectors():
        assert len(sector.profile_en.split()) >= 300 and len(sector.profile_ru.split()) >= 300, sector.slug
        assert 4 <= len(sector.kpis) <= 6, sector.slug
        assert sum(kpi.primary for kpi in sector.kpis) >= 2, sector.slug


def test_kpi_thresholds_are_ordered_by_direction():
    for sector in load_sectors():
        for kpi in sector.kpis:
            if kpi.direction == "increase":
                assert kpi.baseline < kpi.minimum_acceptable < kpi.target, kpi.code
            else:
                assert kpi.target < kpi.minimum_acceptable < kpi.baseline, kpi.code


def test_kpi_in_wrong_order_is_rejected():
    kpi = load_sectors()[0].kpis[0].model_dump()
    kpi.update(direction="decrease", baseline=10, minimum_acceptable=12, target=5)
    with pytest.raises(ValidationError, match="improve monotonically"):
        KpiTemplate.model_validate(kpi)


def test_site_with_unknown_sector_is_rejected():
    site = load_sites()[0].model_dump()
    site.update(sector="space", allowed_sectors=["space"])
    with pytest.raises(ValidationError, match="unknown sector slug"):
        SiteSeed.model_validate(site)


def test_feedback_questions_exist_in_both_languages():
    english, russian = feedback_questions("en"), feedback_questions("ru")
    assert 5 <= len(english) == len(russian) <= 6
    with pytest.raises(ValueError):
        feedback_questions("de")


def test_catalog_has_90_sites_covering_every_sector():
    sites = load_sites()
    assert len(sites) == 90
    assert len({site.code for site in sites}) == 90
    per_sector = Counter(site.sector for site in sites)
    assert set(per_sector) == set(SECTOR_SLUGS)
    assert min(per_sector.values()) >= 5


def test_sites_are_plausible():
    sites = load_sites()
    assert {site.owner_type for site in sites} == {"public", "commercial"}
    assert all(site.allowed_sectors[0] == site.sector and len(site.allowed_sectors) <= 4 for site in sites)
    assert all(date(2026, 9, 1) <= site.available_from <= date(2027, 6, 1) for site in sites)
    assert sum(site.available_from <= date(2026, 11, 1) for site in sites) > len(sites) / 2
    assert len({site.need_en for site in sites}) > 70  # needs vary, so matching on them means something


def test_generator_is_deterministic_and_matches_committed_file(tmp_path):
    main = _generator("main")
    first = main(tmp_path / "first.json").read_bytes()
    second = main(tmp_path / "second.json").read_bytes()
    assert first == second
    assert first == (DATA_DIR / "sites.json").read_bytes(), "sites.json is stale: run scripts/generate_sites.py"


def test_every_site_names_its_party_in_english_in_latin_letters():
    for site in load_sites():
        for text in (site.owner_name_en, site.signatory_name_en, site.signatory_title_en):
            assert re.fullmatch(r"[A-Za-z0-9 .,'«»-]+", text), (site.code, text)
        assert len(site.signatory_name_en.split()) == 2, site.code  # given name and surname, no patronymic


@pytest.mark.parametrize("russian, latin", [
    ("Дмитрий Кузнецов", "Dmitry Kuznetsov"),
    ("Евгений Жуков", "Yevgeny Zhukov"),
    ("Михаил Захаров", "Mikhail Zakharov"),
    ("Николай Покровский", "Nikolay Pokrovsky"),
    ("Алексей Щукин", "Aleksey Shchukin"),
    ("Пётр Чернышёв", "Pyotr Chernyshyov"),
    ("Илья Рыбкин-Цыганков", "Ilya Rybkin-Tsygankov"),
    ("Наталья Яковлева", "Natalya Yakovleva"),
    ("Юлия Фёдорова", "Yuliya Fyodorova"),
    ("Ольга Савельева", "Olga Savelyeva"),
    ("Андрей Воробьёв", "Andrey Vorobyov"),
    ("Елена Подъячева", "Yelena Podyacheva"),
])
def test_transliteration_of_russian_names(russian, latin):
    assert _generator("transliterate")(russian) == latin
