"""The coordinator's decision on a draft methodology, given over HTTP to the pilot-adoption run that waits
for it (the same decision the run's form in the Prefect UI takes)."""

from fastapi import APIRouter, status

from api.auth import PrincipalDep
from api.deps import GatewayDep, RowId, SessionDep, SettingsDep
from api.errors import errors
from api.idempotency import IdempotencyKey, idempotent
from api.prefect_gateway import InputRejected, NotSuspended, waiting_run
from models.adoption import check_decision
from models.db import get_required
from models.errors import InvalidInput
from models.permissions import Action, enforce
from models.read_models import open_stage_runs
from models.schemas import AdoptionDecision, DecisionAccepted
from models.stages import Pause, Stage, Status
from models.tables import Application
from models.users import application_resource

router = APIRouter(prefix="/applications", tags=["adoption"])


@router.post("/{application_id}/decision", status_code=status.HTTP_202_ACCEPTED, response_model=DecisionAccepted,
             responses=errors(401, 403, 404, 413, 503, why={
                 409: "No pilot-adoption run is waiting for a decision on this application"})
             | {422: {"description": "The decision breaks the methodology's rules; the run keeps waiting"}})
async def decide(application_id: RowId, decision: AdoptionDecision, session: SessionDep, gateway: GatewayDep,
                 settings: SettingsDep, principal: PrincipalDep, idempotency_key: IdempotencyKey = None):
    """Approve, request changes or reject the draft methodology (coordinator). The waiting pilot-adoption run
    goes on with this decision; on approval it generates the contract and waits for the signatures. With a
    user's token the decision is recorded (audit log, refusal letter) under that user's name, whatever
    `coordinator` says; the audit log names the caller (`coordinator:<e-mail>`) as who decided."""
    enforce(principal, Action.START_STAGE, application_resource(session, application_id))  # before any replay
    decision = decision.model_copy(update={"coordinator": principal.decides_as(decision.coordinator)})
    scope = f"POST /applications/{application_id}/decision"
    async with idempotent(session, idempotency_key, scope, decision) as replay:
        if replay.answer is not None:  # a retry: the first answer, nothing resumed twice
            return replay.response()
        application = get_required(session, Application, application_id)
        run_id = await waiting_run(gateway, open_stage_runs(session, application_id, Stage.ADOPTION), Pause.DECISION)
        if run_id is None:
            hint = ("start the adoption stage first" if application.status == Status.ANALYSED
                    else "a decision is taken on an analysed application")
            raise NotSuspended(f"no pilot-adoption run is waiting for a decision on application {application_id} "
                               f"(status '{application.status}'); {hint}")
        check_decision(session, application_id, decision)
        try:
            # Only what the coordinator gave: the form's defaults (the draft's values) fill in the rest.
            await gateway.resume(run_id, {**decision.model_dump(mode="json", exclude_none=True),
                                          "decided_by": principal.actor})
        except InputRejected as exc:
            raise InvalidInput(str(exc)) from exc
        accepted = DecisionAccepted(application_id=application_id, decision=decision.decision, flow_run_id=run_id,
                                    status_url=f"{settings.public_api_url}/flow-runs/{run_id}")
        replay.store(status.HTTP_202_ACCEPTED, accepted)
        session.commit()
    return accepted