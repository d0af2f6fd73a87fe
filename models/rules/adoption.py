"""Stage 3 rules: what the coordinator may change when adopting a methodology, and a contract's status."""

from collections.abc import Collection, Iterable

from models.rules.methodology import MAX_WEEKS, MIN_WEEKS
from models.stages import ContractStatus

PARTIES = ("company", "site", "agency")  # who signs the tripartite contract


def check_duration(weeks: int) -> None:
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise ValueError(f"the duration must be {MIN_WEEKS} to {MAX_WEEKS} weeks (a pilot cycle lasts up to six "
                         f"months), not {weeks}")


def adjusted_kpis(kpis: list[dict], targets: Iterable[tuple[str, float]]) -> list[dict]:
    """The draft's KPIs with the coordinator's new targets.

    A new target has to stay an improvement the pilot can fail: strictly beyond the KPI's minimum
    acceptable value in the KPI's direction (the same rule the KPI library obeys), and a share stays
    within 0-100 %. Raises ValueError naming the KPI otherwise.
    """
    by_code = {kpi["code"]: kpi for kpi in kpis}
    new_targets: dict[str, float] = {}
    for code, target in targets:
        if code not in by_code:
            raise ValueError(f"'{code}' is not a KPI of this methodology; its KPIs are {sorted(by_code)}")
        if code in new_targets:
            raise ValueError(f"KPI '{code}' is given two targets")
        new_targets[code] = target
    adjusted = []
    for kpi in kpis:
        target = new_targets.get(kpi["code"], kpi["target"])
        increase = kpi["direction"] == "increase"
        if (target <= kpi["minimum_acceptable"]) if increase else (target >= kpi["minimum_acceptable"]):
            raise ValueError(
                f"KPI '{kpi['code']}': the target {target:g} must be {'above' if increase else 'below'} the minimum "
                f"acceptable value {kpi['minimum_acceptable']:g} (baseline {kpi['baseline']:g} {kpi['unit']})"
            )
        if kpi["unit"] == "%" and not 0 <= target <= 100:
            raise ValueError(f"KPI '{kpi['code']}': a share cannot be {target:g} %")
        adjusted.append({**kpi, "target": target})
    return adjusted


def contract_status(signed_parties: Collection[str]) -> ContractStatus:
    """'sent' until someone signs, 'partly_signed' until all three parties have, then 'signed'."""
    if not signed_parties:
        return ContractStatus.SENT
    return ContractStatus.SIGNED if set(PARTIES) <= set(signed_parties) else ContractStatus.PARTLY_SIGNED
