"""The one module that talks to the Prefect server: trigger deployments, read flow run states.

Two things keep the API quick when it asks the server about runs:

- the TLS context a Prefect client is built with is made once (Prefect's own choice of certificates), not
  for every client: loading the certificate bundle took some 100 ms of CPU on the event loop each time;
- once the server could not be reached, the state reads (`flow_run`, `flow_runs`, `pause_keys`) say so at
  once for `UNREACHABLE_GRACE_SECONDS`, instead of each waiting through the client's connection retries
  (some 1.5 s): a page that shows flow runs stays fast while Prefect is down. Triggering and resuming,
  which someone asked for, always try.
"""

import ssl
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from uuid import UUID

import certifi
import httpx
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.responses import SetStateStatus
from prefect.deployments import run_deployment
from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_SSL_CERT_FILE, PREFECT_API_TLS_INSECURE_SKIP_VERIFY
from prefect.states import Crashed

from models.schemas import FlowRunPublic
from models.settings import get_settings
from models.stages import Pause


class PrefectUnavailable(Exception):
    """The Prefect server cannot be reached, or the deployment is not registered."""


class NotSuspended(Exception):
    """The flow run is not suspended (any more), so there is nothing to resume."""


class InputRejected(Exception):
    """The Prefect server refused the input: it does not fit the form the suspended run asks for."""


HEARTBEAT_EVENT = "prefect.flow-run.heartbeat"
UNREACHABLE_GRACE_SECONDS = 5.0
_unreachable_until = 0.0  # time.monotonic() until which the state reads do not try again
_CONNECTION_FAILURES = (httpx.ConnectError, httpx.ConnectTimeout, OSError)


@lru_cache(maxsize=4)
def _tls_context(insecure: bool, cert_file: str | None) -> ssl.SSLContext:
    """The context Prefect's client would build (PrefectClient.__init__), built once per setting."""
    if insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=cert_file or certifi.where())


def _client():
    verify = _tls_context(bool(PREFECT_API_TLS_INSECURE_SKIP_VERIFY.value()), PREFECT_API_SSL_CERT_FILE.value())
    return get_client(httpx_settings={"verify": verify})


def _refuse_if_recently_unreachable() -> None:
    if time.monotonic() < _unreachable_until:
        raise PrefectUnavailable("the Prefect server cannot be reached (it could not be a moment ago)")


def _unavailable(exc: Exception) -> PrefectUnavailable:
    global _unreachable_until
    if isinstance(exc, _CONNECTION_FAILURES):
        _unreachable_until = time.monotonic() + UNREACHABLE_GRACE_SECONDS
    return PrefectUnavailable(f"the Prefect server cannot be reached: {exc}")


def _reached() -> None:
    global _unreachable_until
    _unreachable_until = 0.0


def _public(run) -> FlowRunPublic:
    return FlowRunPublic(
        id=str(run.id), name=run.name,
        deployment=str(run.deployment_id) if run.deployment_id else None,
        state_type=run.state.type.value if run.state else None,
        state_name=run.state.name if run.state else None,
        start_time=run.start_time, end_time=run.end_time,
        ui_url=f"{get_settings().prefect_ui_url}/runs/flow-run/{run.id}",
    )


class PrefectGateway:
    async def trigger(self, deployment: str, parameters: dict, idempotency_key: str | None = None) -> str:
        """Start a run of `deployment` without waiting for it; a repeated idempotency key returns the same run."""
        try:
            run = await run_deployment(name=deployment, parameters=parameters, timeout=0,
                                       idempotency_key=idempotency_key)
        except ObjectNotFound as exc:
            raise PrefectUnavailable(f"deployment '{deployment}' is not registered; is the stack running?") from exc
        except (httpx.HTTPError, OSError, RuntimeError) as exc:
            raise _unavailable(exc) from exc
        _reached()
        return str(run.id)

    async def flow_run(self, flow_run_id: UUID) -> FlowRunPublic | None:
        _refuse_if_recently_unreachable()
        try:
            async with _client() as client:
                run = await client.read_flow_run(flow_run_id)
        except ObjectNotFound:
            return None
        except (httpx.HTTPError, OSError, RuntimeError) as exc:
            raise _unavailable(exc) from exc
        _reached()
        return _public(run)

    async def _read_flow_runs(self, flow_run_ids: list[str]) -> list:
        if not flow_run_ids:
            return []
        _refuse_if_recently_unreachable()
        try:
            async with _client() as client:
                runs = await client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(i) for i in flow_run_ids])))
        except (httpx.HTTPError, OSError, RuntimeError) as exc:
            raise _unavailable(exc) from exc
        _reached()
        return runs

    async def flow_runs(self, flow_run_ids: list[str]) -> dict[str, FlowRunPublic]:
        return {str(run.id): _public(run) for run in await self._read_flow_runs(flow_run_ids)}

    async def pause_keys(self, flow_run_ids: list[str]) -> dict[str, str | None]:
        """The pause key of each of the runs that is suspended or paused; runs in other states are left out."""
        return {str(run.id): run.state.state_details.pause_key for run in await self._read_flow_runs(flow_run_ids)
                if run.state and run.state.is_paused()}

    async def resume(self, flow_run_id: str, run_input: dict | None = None) -> None:
        """Resume a suspended run, with `run_input` for the form it waits for; the server checks it."""
        try:
            async with _client() as client:
                result = await client.resume_flow_run(UUID(flow_run_id), run_input=run_input)
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != 404:
                raise PrefectUnavailable(f"the Prefect server failed: {exc}") from exc
            raise NotSuspended(f"flow run {flow_run_id} does not exist") from exc
        except (httpx.HTTPError, OSError, RuntimeError) as exc:
            raise _unavailable(exc) from exc
        _reached()
        reason = getattr(result.details, "reason", None)
        if result.status == SetStateStatus.REJECT:
            raise InputRejected(f"the waiting run refused the input: {reason}")
        if result.status != SetStateStatus.ACCEPT:
            raise NotSuspended(f"flow run {flow_run_id} cannot be resumed: {reason or result.status.value}")

    async def crash_silent_runs(self, window: timedelta) -> list[str]:
        """Mark Crashed every flow run that is Running, has sent heartbeats since it started running, and none
        within `window`: the process running it is gone (its worker or machine died). A run that sends no
        heartbeats at all (none configured where it runs) is left alone, and so is every run not Running:
        suspended runs hold no process. Not forced: the server refuses to crash a run that has just ended.
        Returns the ids of the runs it crashed."""
        now = datetime.now(UTC)
        crashed = []
        try:
            async with _client() as client:
                running = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING]))))
                for run in running:
                    since = run.state.timestamp
                    if since > now - window:
                        continue  # running for less than the window: not judged yet
                    latest = await client.read_events(EventFilter(  # newest first
                        event=EventNameFilter(name=[HEARTBEAT_EVENT]),
                        resource=EventResourceFilter(id=[f"prefect.flow-run.{run.id}"]),
                        occurred=EventOccurredFilter(since=since, until=now)), limit=1)
                    if not latest.events or latest.events[0].occurred > now - window:
                        continue
                    result = await client.set_flow_run_state(run.id, Crashed(message=(
                        f"No heartbeat for {window.total_seconds():g} s: the process running this flow run is "
                        "gone (its worker or machine died). Marked Crashed by pilotflow's zombie check; the "
                        "stage can be started again.")))
                    if result.status == SetStateStatus.ACCEPT:
                        crashed.append(str(run.id))
        except (httpx.HTTPError, OSError, RuntimeError) as exc:
            raise _unavailable(exc) from exc
        _reached()
        return crashed


async def waiting_run(gateway: PrefectGateway, run_ids: list[str], pause: Pause | None = None) -> str | None:
    """The first of `run_ids` (newest first) that is suspended waiting for `pause` (for anything, without one)."""
    pause_keys = await gateway.pause_keys(run_ids)
    return next((run_id for run_id in run_ids
                 if run_id in pause_keys and (pause is None or pause.holds(pause_keys[run_id]))), None)
