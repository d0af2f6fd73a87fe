from uuid import UUID

from fastapi import APIRouter

from api.auth import PrincipalDep
from api.deps import GatewayDep, SessionDep
from api.errors import errors
from models.errors import NotFound
from models.permissions import Action, enforce
from models.schemas import FlowRunPublic
from models.users import flow_run_resource

router = APIRouter(prefix="/flow-runs", tags=["flow runs"])


@router.get("/{flow_run_id}", response_model=FlowRunPublic, responses=errors(401, 404, 503))
async def read_flow_run(flow_run_id: UUID, session: SessionDep, gateway: GatewayDep, principal: PrincipalDep):
    """A flow run's state as the Prefect server reports it, with a link into the Prefect UI. A representative
    sees the runs of their own applications; program-wide runs (the monitoring sweep) are for agency people."""
    enforce(principal, Action.READ, flow_run_resource(session, flow_run_id))
    run = await gateway.flow_run(flow_run_id)
    if run is None:
        raise NotFound("flow run", flow_run_id)
    return run
