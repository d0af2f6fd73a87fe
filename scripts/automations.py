"""The automations pilotflow needs on the Prefect server besides the deployments' own `triggers:`.

    python scripts/automations.py      # create or update them; a no-op when they are as below

scripts/stack.py runs it after every `prefect deploy`; in production run it once per release (README,
"Production mode"). It looks each automation up by name and creates it only when missing, updates it
when it differs, and deletes duplicates of the name, so it can run any number of times
(`prefect automation create` would add one more copy each time).

The zombie-run automation (Prefect's "detect zombie flows" recipe): a flow run's process emits a
`prefect.flow-run.heartbeat` event every PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds (30 in the stack).
When a worker or its machine dies (SIGKILL, OOM, power) nothing reports the run's end, so Prefect shows
it Running forever and the API refuses to start its stage again (409). This automation marks Crashed a
run that sent a heartbeat and then, within WINDOW_SECONDS, neither another heartbeat nor a state that
ends its process: Completed, Failed, Cancelled, Crashed, and Suspended or Paused, since the adoption,
evaluation and midpoint-review runs suspend (their process exits) while they wait for people.
It cannot be a deployment's `triggers:` entry in prefect.yaml: those always run their own deployment
(a RunDeployment action) and are owned by it, never "change the state of the run the event is about".
"""

import sys
from datetime import timedelta

from prefect import get_client
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.settings import get_current_settings

ZOMBIE_AUTOMATION = "pilotflow-crash-zombie-flow-runs"
HEARTBEAT_SECONDS = 30  # PREFECT_FLOWS_HEARTBEAT_FREQUENCY for the workers (Prefect's minimum is 30)
WINDOW_SECONDS = 90  # three heartbeats missed: the run's process is gone
MINIMUM_WINDOW_SECONDS = 10  # Prefect refuses a shorter `within` for a proactive trigger

# Events after which a run's process is expected to stop sending heartbeats on purpose.
_ENDS_HEARTBEATS = ("Completed", "Failed", "Cancelled", "Crashed", "Suspended", "Paused")


def zombie_automation(within_seconds: float = WINDOW_SECONDS) -> AutomationCore:
    if within_seconds < MINIMUM_WINDOW_SECONDS:
        raise ValueError(f"the window must be at least {MINIMUM_WINDOW_SECONDS} s (Prefect's minimum)")
    return AutomationCore(
        name=ZOMBIE_AUTOMATION,
        description=(f"Marks Crashed a flow run that sent a heartbeat and then nothing for {within_seconds:g} s "
                     "(its worker or machine died). Created by pilotflow's scripts/automations.py."),
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
        # Not forced: the orchestration rules refuse to turn a finished run (a heartbeat sent just before
        # it completed) into Crashed; the automation then records a failed action and nothing changes.
        actions=[ChangeFlowRunState(
            state=StateType.CRASHED, name="Crashed",
            message=(f"No heartbeat for {within_seconds:g} s: the process running this flow run is gone "
                     f"(worker or machine died). Marked Crashed by the {ZOMBIE_AUTOMATION} automation; "
                     "the stage can be started again."),
        )],
    )


def _comparable(automation: AutomationCore) -> dict:
    return AutomationCore.model_validate(automation.model_dump()).model_dump()


def ensure_zombie_automation(within_seconds: float = WINDOW_SECONDS) -> str:
    """Create the automation, or bring the one of that name up to date; 'created', 'updated' or
    'unchanged'. Uses the Prefect server PREFECT_API_URL points at."""
    wanted = zombie_automation(within_seconds)
    with get_client(sync_client=True) as client:
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
    print(f"automation {ZOMBIE_AUTOMATION}: {outcome} (Crashed after {WINDOW_SECONDS} s without a heartbeat; "
          f"heartbeats every {heartbeat} s)")


if __name__ == "__main__":
    sys.exit(main())
