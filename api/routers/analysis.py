"""Stage 2 without storing anything: coordinators answer a company's inquiry before it applies."""

from fastapi import APIRouter

from api.auth import PrincipalDep
from api.deps import SessionDep
from api.errors import errors
from models.facts import application_facts, catalog_facts
from models.permissions import Action, enforce
from models.rules.analysis import analyse
from models.schemas import AnalysisPreview, ApplicationCreate
from models.settings import local_today
from models.tables import Application

router = APIRouter(prefix="/analysis", tags=["analysis"])


@router.post("/preview", response_model=AnalysisPreview, responses=errors(401, 403, 413))
def preview(data: ApplicationCreate, session: SessionDep, principal: PrincipalDep) -> AnalysisPreview:
    """The analysis an application with this body would get (coordinator): suggested sectors, the rubric's
    gates and score, ranked candidate sites with reasons and the draft methodology. Nothing is stored."""
    enforce(principal, Action.RUN_PROGRAM)  # answering inquiries is program work, not one pilot's
    # An unsaved row, so the submission becomes the rubric's facts exactly as a stored application does.
    facts = application_facts(Application(**data.model_dump(exclude={"company"})))
    result = analyse(facts, catalog_facts(session), local_today(), data.language)
    return AnalysisPreview(**result.analysis_fields(), methodology=result.methodology_fields())
