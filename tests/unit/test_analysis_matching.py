"""Site matching: hard constraints with reasons, soft ranking, the per-catalog index."""

from dataclasses import replace
from datetime import date

from models.rules.facts import ApplicationFacts, SiteFacts
from models.rules.matching import catalog_version, free_from, rank_sites, site_index

START = date(2026, 6, 1)
RETAIL = ["retail-services"]


def facts(**changes) -> ApplicationFacts:
    base = dict(title="Queue analytics", description="Sensors count visitors and predict the waiting time at "
                "service centres", trl=8, target_users="visitors", wants_to_test="queue time")
    return ApplicationFacts(**{**base, **changes})


def site(id_: int, sector: str, need: str, **changes) -> SiteFacts:
    base = dict(id=id_, code=f"S-{id_:03d}", name=f"Site {id_}", name_ru=f"Площадка {id_}", sector=sector,
                allowed_sectors=(sector,), need=need, setting="indoor", has_power=True, has_network=True,
                capacity=2, available_from=date(2026, 1, 1), daily_visitors=2000)
    return SiteFacts(**{**base, **changes})


def rank(app: ApplicationFacts, sites: list[SiteFacts], sectors=RETAIL, **kwargs):
    return rank_sites(app, sectors, sites, START, 10, **kwargs)


def test_ranks_by_need_and_sector_and_explains():
    sites = [
        site(1, "retail-services", "Reduce the waiting time and queues at the registration desks"),
        site(2, "retail-services", "More shoppers on weekdays"),
        site(3, "healthcare", "Reduce the waiting time of patients", allowed_sectors=("healthcare", "retail-services")),
    ]
    ranking = rank(facts(), sites)
    assert [c.site_id for c in ranking.candidates] == [1, 3, 2]
    best = ranking.candidates[0]
    assert best.reasons[:2] == ["same sector", "need matches: 'waiting time', 'queues'"]
    assert best.need_matches == ["waiting time", "queues"] and set(best.components) == {"need", "sector", "trl",
                                                                                        "visitors"}
    assert ranking.candidates[1].reasons[0] == "healthcare site accepting retail-services pilots"
    assert ranking.candidates[2].reasons[1] == "the site's stated need does not mention the solution"
    assert ranking.excluded == [] and ranking.summary == {"catalog_sites": 3, "sector_restricted": 0, "feasible": 3,
                                                          "excluded_by": {}}


def test_hard_constraints_exclude_with_reasons():
    sites = [
        site(1, "retail-services", "queues", capacity=1, active_pilot_ends=(date(2027, 2, 27),)),
        site(2, "retail-services", "queues", available_from=date(2027, 3, 1)),
        site(3, "retail-services", "queues", setting="outdoor"),
        site(4, "retail-services", "queues", has_power=False),
        site(5, "retail-services", "queues", has_network=False),
    ]
    ranking = rank(facts(setting="indoor", needs_power=True, needs_network=True), sites)
    assert ranking.candidates == []
    reasons = {c.site_id: c.reasons[0] for c in ranking.excluded}
    assert reasons == {
        1: "excluded: no capacity until 2027-02 (1 of 1 pilots running)",
        2: "excluded: not available until 2027-03",
        3: "excluded: the solution needs an indoor site",
        4: "excluded: no power supply for the equipment",
        5: "excluded: no network connection",
    }
    assert all(c.excluded for c in ranking.excluded)
    assert ranking.summary["excluded_by"] == {"availability": 1, "capacity": 1, "network": 1, "power": 1, "setting": 1}


def test_a_slot_freeing_within_the_window_still_fits_and_says_when():
    busy = site(1, "retail-services", "queues", capacity=2,
                active_pilot_ends=(date(2026, 7, 1), date(2026, 8, 15), date(2026, 12, 31)))
    assert free_from(busy) == date(2026, 8, 16)  # 3 pilots on 2 slots: one frees once two have ended
    candidate = rank(facts(), [busy]).candidates[0]  # within the 90 days after the start
    assert "free from 2026-08-16 (a pilot slot frees up)" in candidate.reasons
    assert candidate.available_from == "2026-08-16"
    assert free_from(replace(busy, active_pilot_ends=(date(2026, 7, 1),))) == busy.available_from


def test_sector_restricted_site_shown_only_when_its_need_matches():
    wanting = site(1, "healthcare", "Reduce the waiting time of patients")
    unrelated = site(2, "healthcare", "Detect lung cancer early on CT scans")
    ranking = rank(facts(), [wanting, unrelated])
    assert ranking.candidates == []
    assert [c.site_id for c in ranking.excluded] == [1]
    assert ranking.excluded[0].reasons[:2] == ["excluded: site accepts pilots in healthcare only",
                                               "other sector: healthcare"]
    assert ranking.summary["sector_restricted"] == 2


def test_trl_fit_depends_on_the_site():
    quiet = site(1, "retail-services", "queues", daily_visitors=500)
    busy = site(2, "retail-services", "queues", daily_visitors=50_000)
    hospital = site(3, "healthcare", "queues", allowed_sectors=("healthcare", "retail-services"), daily_visitors=500)
    ranking = rank(facts(trl=6), [quiet, busy, hospital], demanding_sectors={"healthcare"})
    trl = {c.site_id: (c.components["trl"], next(r for r in c.reasons if r.startswith("TRL")))
           for c in ranking.candidates}
    assert trl[1] == (1.0, "TRL 6 fits (advised 6+)")
    assert trl[2] == (0.7, "TRL 6 below the 7 advised for this site")
    assert trl[3][0] == 0.7


def test_visitors_score_the_feedback_plan():
    sites = [site(1, "retail-services", "queues", daily_visitors=0), site(2, "retail-services", "queues",
                                                                         daily_visitors=300)]
    by_id = {c.site_id: c for c in rank(facts(), sites).candidates}
    assert by_id[1].components["visitors"] == 0.0 and "about 0 visitors a day: nobody to survey" in by_id[1].reasons
    # 10 weeks at 300 a day: 96 respondents; at 2 % response that is 96 / 6 = 16 days -> 14 / 16
    assert by_id[2].components["visitors"] == 0.875
    assert "about 300 visitors a day: feedback sample in ~16 days" in by_id[2].reasons


def test_only_the_best_are_shown():
    sites = [site(i, "retail-services", "queues") for i in range(1, 31)]
    ranking = rank(facts(), sites)
    assert len(ranking.candidates) == 10 and ranking.summary["feasible"] == 30
    assert [c.code for c in ranking.candidates] == [f"S-{i:03d}" for i in range(1, 11)]  # ties by code


def test_index_is_built_once_per_catalog_version_and_occupancy_is_read_live():
    sites = [site(1, "retail-services", "queues at the desks"), site(2, "retail-services", "shoppers")]
    index = site_index(sites)
    occupied = [replace(sites[0], capacity=1, active_pilot_ends=(date(2027, 12, 31),)), sites[1]]
    assert catalog_version(occupied) == catalog_version(sites) and site_index(occupied) is index
    assert [c.site_id for c in rank(facts(), occupied).candidates] == [2]
    renamed_need = [replace(sites[0], need="parking"), sites[1]]
    assert site_index(renamed_need) is not index
