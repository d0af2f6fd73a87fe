"""Stage 5's human step over the API: the conclusions that let a waiting evaluation run finish its report."""

from fastapi import APIRouter, status

from api.auth import PrincipalDep
from api.deps import GatewayDep, RowId, SessionDep, SettingsDep
from api.errors import errors
from api.idempotency import IdempotencyKey, idempotent
from api.prefect_gateway import InputRejected, NotSuspended, waiting_run
from models.errors import InvalidInput
from models.permissions import Action, enforce
from models.read_models import open_stage_runs
from models.schemas import EvaluationInput, StageRunAccepted
from models.stages import Stage, StageNotAllowed
from models.users import application_resource

router = APIRouter(prefix="/applications", tags=["applications"])


@router.post("/{application_id}/conclusions", status_code=status.HTTP_202_ACCEPTED, response_model=StageRunAccepted,
             responses=errors(401, 403, 404, 413, 503,
                              why={409: "No pilot-evaluation run of the application waits for conclusions"}))
async def submit_conclusions(application_id: RowId, conclusions: EvaluationInput, session: SessionDep,
                             gateway: GatewayDep, settings: SettingsDep, principal: PrincipalDep,
                             idempotency_key: IdempotencyKey = None):
    """The coordinator's and expert's conclusions (the same form as in the Prefect UI): they resume the
    pilot-evaluation run that waits for them, which then finalises the analytical report.
    422 for invalid conclusions (the run keeps waiting); 409 when no run waits. With a user's token the
    report is signed with that user's name, whatever `coordinator` says; the audit log names the caller
    (`coordinator:<e-mail>`) as who concluded."""
    enforce(principal, Action.START_STAGE, application_resource(session, application_id))
    conclusions = conclusions.model_copy(update={"coordinator": principal.decides_as(conclusions.coordinator)})
    async with idempotent(session, idempotency_key, f"POST /applications/{application_id}/conclusions",
                          conclusions) as replay:
        if replay.answer is not None:  # a retry: the first answer, the run is not resumed twice
            return replay.response()
        run_id = await waiting_run(gateway, open_stage_runs(session, application_id, Stage.EVALUATION))
        if run_id is None:
            raise StageNotAllowed(f"no pilot-evaluation run of application {application_id} is waiting for "
                                  "conclusions; start the evaluation stage first, and wait until it asks for them")
        try:
            await gateway.resume(run_id, {**conclusions.model_dump(mode="json"), "decided_by": principal.actor})
        except NotSuspended as exc:
            raise StageNotAllowed(str(exc)) from exc
        except InputRejected as exc:
            raise InvalidInput(str(exc)) from exc
        accepted = StageRunAccepted(application_id=application_id, stage=Stage.EVALUATION, flow_run_id=run_id,
                                    status_url=f"{settings.public_api_url}/flow-runs/{run_id}")
        replay.store(status.HTTP_202_ACCEPTED, accepted)
        session.commit()
    return accepted
