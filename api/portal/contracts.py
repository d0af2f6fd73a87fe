"""Contracts by status, those awaiting signatures first, with their signatures and downloads."""

from fastapi import APIRouter, Request

from api.deps import SessionDep, SettingsDep
from api.portal.i18n import LABELS
from api.portal.web import ViewerDep, language, render
from api.presenters import contract_public
from models.errors import InvalidInput
from models.read_models import visible_contracts
from models.stages import ContractStatus
from models.tables import Contract

router = APIRouter()


@router.get("/contracts", name="contracts")
def contracts_page(request: Request, session: SessionDep, settings: SettingsDep, viewer: ViewerDep,
                   status: str = ""):
    statuses = [(value, LABELS[language(request)]["contract"][value]) for value in ContractStatus]
    if status and status not in set(ContractStatus):
        raise InvalidInput(f"unknown contract status '{status}'")
    query = visible_contracts(viewer.principal)
    if status:
        query = query.where(Contract.status == status)
    return render(request, "contracts.html", {
        "contracts": [contract_public(session, settings, c) for c in session.exec(query)],
        "statuses": statuses, "status": status, "active": "contracts",
    }, viewer=viewer)
