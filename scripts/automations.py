"""The automations pilotflow needs on the Prefect server besides the deployments' own `triggers:`.

    python scripts/automations.py      # create or update them; a no-op when they are as below

scripts/stack.py runs it after every `prefect deploy`; in production run it once per release (README,
"Production mode"). It looks each automation up by name and creates it only when missing, updates it
when it differs, and deletes duplicates of the name, so it can run any number of times
(`prefect automation create` would add one more copy each time).

The zombie-run automation (Prefect's "detect zombie flows" recipe, made safe): a flow run's process emits
a `prefect.flow-run.heartbeat` event every PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds (30 in the stack).
When a worker or its machine dies (SIGKILL, OOM, power) nothing reports the run's end, so Prefect shows
it Running forever and the API refuses to start its stage again (409). This automation fires for a run
that sent a heartbeat and then, within WINDOW_SECONDS, neither another heartbeat nor a state that ends its
process: Completed, Failed, Cancelled, Crashed, and Suspended or Paused, since the adoption, evaluation
and midpoint-review runs suspend (their process exits) while they wait for people.
It does not crash the run itself, as Prefect's recipe does: a heartbeat the server processes after the
run's Suspended event makes it fire for a suspended run. It runs the `pilot-zombie-check` deployment
(flows/zombie_check.py), which crashes the run only if it is still Running with no recent heartbeat.
The window is this script's (the test uses a short one), so the automation lives here rather than in a
`triggers:` entry of prefect.yaml; run it after `prefect deploy`, which registers that deployment.
"""

import sys
from datetime import timedelta
from uuid import UUID

from prefect import get_client
from prefect.events.actions import RunDeployment
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.exceptions import ObjectNotFound
from prefect.settings import get_current_settings

from flows.zombie_check import HEARTBEAT_SECONDS, MINIMUM_WINDOW_SECONDS, WINDOW_SECONDS

ZOMBIE_AUTOMATION = "pilotflow-crash-zombie-flow-runs"
CHECK_DEPLOYMENT = "pilot-zombie-check/pilot-zombie-check"  # flows/zombie_check.py, in prefect.yaml

# Events after which a run's process is expected to stop sending heartbeats on purpose.
_ENDS_HEARTBEATS = ("Completed", "Failed", "Cancelled", "Crashed", "Suspended", "Paused")


def zombie_automation(check_deployment_id: UUID, within_seconds: float = WINDOW_SECONDS) -> AutomationCore:
    if within_seconds < MINIMUM_WINDOW_SECONDS:
        raise ValueError(f"the window must be at least {MINIMUM_WINDOW_SECONDS} s (Prefect's minimum)")
    return AutomationCore(
        name=ZOMBIE_AUTOMATION,
        description=(f"Checks a flow run that sent a heartbeat and then nothing for {within_seconds:g} s, and "
                     f"marks it Crashed if it is still Running (its worker or machine died) with {CHECK_DEPLOYMENT}. "
                     "Created by pilotflow's scripts/automations.py."),
        enabled=True,
        trigger=EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            for_each={"prefect.resource.id"},  # one window per flow run
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *(f"prefect.flow-run.{state}" for state in _ENDS_HEARTBEATS)},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=within_seconds),
        ),
        actions=[RunDeployment(
            source="selected", deployment_id=check_deployment_id,
            parameters={"flow_run": "{{ labels['prefect.resource.id'] }}", "window_seconds": within_seconds,
                        "automation": ZOMBIE_AUTOMATION},
        )],
    )


def _comparable(automation: AutomationCore) -> dict:
    return AutomationCore.model_validate(automation.model_dump()).model_dump()


def ensure_zombie_automation(within_seconds: float = WINDOW_SECONDS) -> str:
    """Create the automation, or bring the one of that name up to date; 'created', 'updated' or
    'unchanged'. Uses the Prefect server PREFECT_API_URL points at."""
    with get_client(sync_client=True) as client:
        try:
            check = client.read_deployment_by_name(CHECK_DEPLOYMENT)
        except ObjectNotFound:
            raise SystemExit(f"the deployment {CHECK_DEPLOYMENT} is missing: run `prefect deploy --all` first"
                             ) from None
        wanted = zombie_automation(check.id, within_seconds)
        existing = client.read_automations_by_name(ZOMBIE_AUTOMATION)  # the most recently updated first
        if not existing:
            client.create_automation(wanted)
            return "created"
        keep, *duplicates = existing
        for duplicate in duplicates:
            client.delete_automation(duplicate.id)
        if _comparable(keep) == _comparable(wanted) and not duplicates:
            return "unchanged"
        client.update_automation(keep.id, wanted)
        return "updated"


def main() -> None:
    heartbeat = get_current_settings().flows.heartbeat_frequency
    if heartbeat is None or heartbeat * 2 > WINDOW_SECONDS:
        # Every run would be crashed between two heartbeats (Prefect's default is one every 180 s).
        raise SystemExit(f"PREFECT_FLOWS_HEARTBEAT_FREQUENCY is {heartbeat}; set it to {HEARTBEAT_SECONDS} "
                         f"(at most {WINDOW_SECONDS // 2}) here and on every worker before creating "
                         f"{ZOMBIE_AUTOMATION} (a {WINDOW_SECONDS} s window)")
    outcome = ensure_zombie_automation(WINDOW_SECONDS)
    print(f"automation {ZOMBIE_AUTOMATION}: {outcome} (checked after {WINDOW_SECONDS} s without a heartbeat; "
          f"heartbeats every {heartbeat} s)")


if __name__ == "__main__":
    sys.exit(main())
