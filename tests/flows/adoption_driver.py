"""Drive pilot-adoption runs the way a worker does, but in this process, against the session's Prefect server.

Suspending needs a run of a deployment, and a resumed run executes the flow again from the top: `start`
registers the deployment once, creates a run of it, and `execute` runs that run's flow here until it ends
or suspends (a worker would start a process for each execution; the Prefect server cannot tell).
"""

from functools import cache
from uuid import UUID

from prefect import Flow, get_client
from prefect.client.schemas.objects import State
from prefect.deployments import run_deployment
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow
from prefect.settings import PREFECT_API_URL

from flows.adoption import pilot_adoption
from models.adoption import contract_of, pilot_of, record_signature
from models.db import session_scope
from models.rules.adoption import PARTIES
from models.schemas import AdoptionDecision, SignatureCreate
from models.settings import local_today

DEPLOYMENT = "pilot-adoption/pilot-adoption"


@cache
def deployment_of(flow: Flow, api_url: str) -> UUID:
    """The flow's deployment, named as prefect.yaml names it, registered once per Prefect server."""
    return flow.to_deployment(name=flow.name).apply()


def start(application_id: int) -> str:
    """A new pilot-adoption run for the application, executed until it suspends or ends; its id."""
    deployment_of(pilot_adoption, PREFECT_API_URL.value())
    run = run_deployment(DEPLOYMENT, parameters={"application_id": application_id}, timeout=0)
    execute(str(run.id))
    return str(run.id)


def execute(flow_run_id: str, flow: Flow = pilot_adoption) -> State:
    """Run the flow of a scheduled (or resumed) run here; returns the state it ends or suspends in (a final
    state carries the flow's result)."""
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(UUID(flow_run_id))
    try:
        return run_flow(flow, flow_run=flow_run, return_type="state")
    except Pause as pause:
        return pause.state


def resume(flow_run_id: str, run_input: dict | None = None) -> State:
    """Resume a suspended run as the Prefect UI does (the server checks the input against the form), then
    execute it; returns the state it ends or suspends in."""
    with get_client(sync_client=True) as client:
        result = client.resume_flow_run(UUID(flow_run_id), run_input=run_input)
    assert result.status.value == "ACCEPT", result.details
    return execute(flow_run_id)


def sign_all(application_id: int) -> None:
    """The three parties sign the application's contract today (recorded directly, not over HTTP)."""
    with session_scope() as session:
        contract = contract_of(session, pilot_of(session, application_id).id)
        for party in PARTIES:
            record_signature(session, contract, SignatureCreate(party=party, signatory_name=f"{party} signatory",
                                                                signed_on=local_today()), "test")


def adopt(application_id: int, decision: AdoptionDecision | None = None, sign: bool = True) -> State:
    """One adoption from start to end: the run suspends for the decision, is resumed with `decision`
    (approval by "Coordinator A" by default), and, if approved and `sign`, for the three signatures."""
    decision = decision or AdoptionDecision(decision="approve", coordinator="Coordinator A")
    flow_run_id = start(application_id)
    state = resume(flow_run_id, decision.model_dump(mode="json", exclude_none=True))
    if sign and state.is_paused():
        sign_all(application_id)
        state = resume(flow_run_id)
    return state
