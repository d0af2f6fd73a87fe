"""Accuracy of the sector suggestion on the shared evaluation set, and the latency of one whole
stage-2 analysis (sectors, site ranking, rubric, draft methodology) against the 90-site catalog and
a generated 10,000-site catalog.

    .venv/bin/python bench/analysis.py
"""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from models.catalog import load_sites
from models.facts import site_facts
from models.rules.analysis import analyse
from models.rules.facts import ApplicationFacts, SiteFacts
from models.rules.matching import site_index
from models.rules.sectors import suggest_sectors
from models.tables import Site

EVAL_PATH = Path(__file__).resolve().parents[1].parent / "shared/eval/applications.jsonl"
LATENCY_RUNS = 5  # passes over the evaluation set per catalog
TODAY = date(2026, 11, 1)  # a fixed day, so the catalog's availability dates mean the same on every run
GOALS_MS = {90: 50.0, 10_000: 500.0}
GENERATED_SEED = 10_000


@dataclass(frozen=True)
class SectorAccuracy:
    top1: float
    top3: float
    misses: list[tuple[str, list[str], list[str]]]  # (id, expected, top-3 suggested)


def load_applications(path: Path = EVAL_PATH) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _suggest(application: dict) -> list[str]:
    ranked = suggest_sectors(application["title"], application["description"], application.get("target_users", ""))
    return [item.sector for item in ranked]


def sector_accuracy(applications: list[dict]) -> SectorAccuracy:
    top1 = top3 = 0
    misses = []
    for application in applications:
        expected = application["expected_sectors"]
        suggested = _suggest(application)
        top1 += suggested[0] in expected
        top3 += any(sector in expected for sector in suggested[:3])
        if suggested[0] not in expected:
            misses.append((application["id"], expected, suggested[:3]))
    return SectorAccuracy(top1 / len(applications), top3 / len(applications), misses)


def catalog_sites() -> list[SiteFacts]:
    """The 90 synthetic sites, as the pilot-analysis flow reads them from the database."""
    return [site_facts(Site(id=number, **seed.model_dump())) for number, seed in enumerate(load_sites(), start=1)]


def generated_catalog(size: int, seed: int = GENERATED_SEED) -> list[SiteFacts]:
    """A country-wide catalog: variations of the real sites with mixed needs, availability and occupancy."""
    rng = random.Random(seed)
    base = catalog_sites()
    by_sector: dict[str, list[SiteFacts]] = {}
    for site in base:
        by_sector.setdefault(site.sector, []).append(site)
    sites = []
    for number in range(1, size + 1):
        model = rng.choice(base)
        other = rng.choice(by_sector[model.sector])
        capacity = rng.randint(1, 3)
        running = rng.choices(range(capacity + 1), weights=[6, 3, 2, 1][: capacity + 1])[0]
        sites.append(replace(
            model, id=number, code=f"{model.code[:2]}-{number:05d}",
            need=f"{model.need} {other.need}" if other is not model else model.need,
            setting=rng.choice(("indoor", "indoor", "outdoor", "mixed")),
            has_power=rng.random() < 0.9, has_network=rng.random() < 0.8, capacity=capacity,
            available_from=TODAY + timedelta(days=rng.randint(-120, 240)),
            daily_visitors=max(0, int(model.daily_visitors * rng.uniform(0.3, 1.7))),
            active_pilot_ends=tuple(sorted(TODAY + timedelta(days=rng.randint(10, 180)) for _ in range(running))),
        ))
    return sites


def application_facts(application: dict) -> ApplicationFacts:
    return ApplicationFacts(title=application["title"], description=application["description"],
                            trl=application.get("trl", 7), target_users=application.get("target_users", ""))


def median_analysis_ms(applications: list[dict], sites: list[SiteFacts], runs: int = LATENCY_RUNS) -> float:
    """Median wall time of one warm analyse() call over `runs` passes of the evaluation set."""
    facts = [application_facts(a) for a in applications]
    analyse(facts[0], sites, TODAY, "ru")  # build the catalog's index outside the measurement
    timings = []
    for _ in range(runs):
        for app in facts:
            start = time.perf_counter()
            analyse(app, sites, TODAY, "ru")
            timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def index_build_ms(sites: list[SiteFacts]) -> float:
    """The one-off cost of a new catalog version: build its index (measured on a fresh copy of the ids)."""
    fresh = [replace(site, need=site.need + " ") for site in sites]  # another version of the same catalog
    start = time.perf_counter()
    site_index(fresh)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    applications = load_applications()
    accuracy = sector_accuracy(applications)
    print(f"sector suggestion on {len(applications)} applications ({EVAL_PATH})")
    print(f"  top-1 accuracy: {accuracy.top1:.1%}  (goal >= 90%)")
    print(f"  top-3 accuracy: {accuracy.top3:.1%}  (goal 100%)")
    for application_id, expected, got in accuracy.misses:
        print(f"  miss {application_id}: expected {expected}, got {got}")
    print(f"one whole analysis (sectors, sites, rubric, methodology), median of {LATENCY_RUNS} warm passes "
          f"over the {len(applications)} applications")
    for size, sites in ((90, catalog_sites()), (10_000, generated_catalog(10_000))):
        median = median_analysis_ms(applications, sites)
        verdict = "ok" if median < GOALS_MS[size] else "OVER GOAL"
        print(f"  {size:>6,} sites: {median:7.2f} ms  (goal < {GOALS_MS[size]:g} ms: {verdict}); "
              f"index build once per catalog version: {index_build_ms(sites):.0f} ms")


if __name__ == "__main__":
    main()
