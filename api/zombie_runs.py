"""The zombie check: flow runs whose process died are marked Crashed, so their stage can start again.

A worker or machine that dies (SIGKILL, OOM, power) reports nothing: Prefect shows its run Running for good,
and the API refuses to start the stage again (409). Every flow run's process sends a heartbeat event every
PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds; the API looks every `zombie_check_interval_seconds` for runs that
are Running and sent none within `zombie_window_seconds` (PrefectGateway.crash_silent_runs).

It runs in the API process rather than as a flow: an automation that started a check run for every silent
heartbeat window fired for healthy and suspended runs too (the server can process a run's last heartbeat after
its final or Suspended event), and those checks filled the coordinators' run list. Here a check costs two
reads of the server and starts nothing. Several API processes each check; crashing is not forced, so a run is
crashed once.
"""

import asyncio
import logging
from datetime import timedelta

from api.prefect_gateway import PrefectGateway, PrefectUnavailable

logger = logging.getLogger("pilotflow.zombie_runs")


async def check_forever(gateway: PrefectGateway, window: timedelta, interval: float) -> None:
    """Check every `interval` seconds until cancelled; a failed check is logged and the next one comes."""
    while True:
        await asyncio.sleep(interval)
        try:
            for run_id in await gateway.crash_silent_runs(window):
                logger.warning("flow run %s marked Crashed: no heartbeat for %g s", run_id, window.total_seconds())
        except PrefectUnavailable as exc:
            logger.info("zombie check skipped: %s", exc)
        except Exception:  # the check must outlive any one failure; the next one may succeed
            logger.exception("zombie check failed")
