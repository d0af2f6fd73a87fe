"""Tripartite contracts: list them for the staff, record the parties' signatures."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, UploadFile, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.auth import PrincipalDep
from api.deps import GatewayDep, RowId, SessionDep, SettingsDep
from api.errors import errors
from api.prefect_gateway import NotSuspended, PrefectGateway, PrefectUnavailable, waiting_run
from api.presenters import contract_public
from documents.registry import PDF, document_store
from models.adoption import ContractConflict, check_signature, lock_contract, record_signature
from models.db import get_required
from models.permissions import Action, enforce, enforce_signature
from models.read_models import open_stage_runs, visible_contracts
from models.schemas import ContractPublic, SignatureCreate, SignatureRecorded
from models.settings import local_today
from models.stages import ContractStatus, Pause, Stage
from models.tables import Contract
from models.users import contract_resource

router = APIRouter(prefix="/contracts", tags=["contracts"])

MAX_SCAN_BYTES = 10 * 1024 * 1024


@router.get("", response_model=list[ContractPublic], responses=errors(401))
def list_contracts(session: SessionDep, settings: SettingsDep, principal: PrincipalDep,
                   status: ContractStatus | None = None, application_id: int | None = None):
    """Contracts, those awaiting signatures first, then newest first; filter by status or application.
    A representative gets only the contracts of their own company or test site."""
    query = visible_contracts(principal)
    if status is not None:
        query = query.where(Contract.status == status)
    if application_id is not None:
        query = query.where(Contract.application_id == application_id)
    return [contract_public(session, settings, c) for c in session.exec(query)]


@router.get("/{contract_id}", response_model=ContractPublic, responses=errors(401, 404))
def read_contract(contract_id: RowId, session: SessionDep, settings: SettingsDep, principal: PrincipalDep):
    enforce(principal, Action.READ, contract_resource(session, contract_id))
    return contract_public(session, settings, get_required(session, Contract, contract_id))


def signature_form(party: Annotated[str, Form()], signatory_name: Annotated[str, Form()],
                   signed_on: Annotated[str, Form(description="YYYY-MM-DD")]) -> SignatureCreate:
    """The signature's form fields, checked by the same model as everywhere (422 naming the field)."""
    try:
        return SignatureCreate(party=party, signatory_name=signatory_name, signed_on=signed_on)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc


async def _read_scan(scan: UploadFile) -> bytes:
    if scan.content_type != PDF:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            f"the signed scan must be a PDF ({PDF}), not {scan.content_type or 'untyped'}")
    content = await scan.read(MAX_SCAN_BYTES + 1)
    if len(content) > MAX_SCAN_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"the signed scan is larger than {MAX_SCAN_BYTES // (1024 * 1024)} MB")
    if not content.startswith(b"%PDF-"):
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "the signed scan is not a PDF file")
    return content


async def _resume_adoption(session: Session, gateway: PrefectGateway, application_id: int) -> str:
    """Resume the adoption run waiting for the signatures. A run that is not suspended yet, when the last
    signature came in on its way there, finds the contract complete once suspended and resumes itself
    (flows/adoption.py, wait_for_signatures)."""
    run_id = await waiting_run(gateway, open_stage_runs(session, application_id, Stage.ADOPTION), Pause.SIGNATURES)
    if run_id is not None:
        try:
            await gateway.resume(run_id)
            return f"the pilot-adoption run {run_id} was resumed: it starts the pilot"
        except NotSuspended:
            pass  # resumed meanwhile (by the run itself, or by hand)
    return ("no pilot-adoption run is suspended waiting for the signatures: a run on its way there resumes "
            "itself and starts the pilot; otherwise resume the suspended run in the Prefect UI or start the "
            "adoption stage, and it starts the pilot")


@router.post("/{contract_id}/signatures", status_code=status.HTTP_201_CREATED, response_model=SignatureRecorded,
             responses=errors(400, 401, 403, 404, why={409: "The contract is not open for this party's signature",
                                                  413: "The scan is too large", 415: "The scan is not a PDF"}))
async def sign(contract_id: RowId, data: Annotated[SignatureCreate, Depends(signature_form)], session: SessionDep,
               gateway: GatewayDep, settings: SettingsDep, principal: PrincipalDep,
               scan: Annotated[UploadFile | None, File(description="The signed contract as scanned, PDF")] = None):
    """Record one party's signature (form fields, and optionally the signed scan as a PDF file). The third
    signature makes the contract 'signed' and resumes the waiting pilot-adoption run, which starts the pilot.
    A representative signs for their own party only (403 for another); the assigned coordinator records any."""
    enforce_signature(principal, data.party, contract_resource(session, contract_id))
    contract = lock_contract(session, contract_id)
    check_signature(session, contract, data, local_today())  # before anything is stored
    stored_scan = document_store().put(await _read_scan(scan), "pdf") if scan is not None else None
    try:
        record_signature(session, contract, data, principal.actor[:200], scan_storage_key=stored_scan and stored_scan.storage_key,
                         scan_sha256=stored_scan and stored_scan.sha256, scan_size=stored_scan and stored_scan.size)
        session.commit()
    except IntegrityError as exc:  # the same party, recorded by a concurrent request the lock did not hold off
        session.rollback()
        raise ContractConflict(f"the {data.party} already signed contract {contract_id}") from exc
    activation = None
    if contract.status == ContractStatus.SIGNED:
        try:
            activation = await _resume_adoption(session, gateway, contract.application_id)
        except PrefectUnavailable as exc:
            activation = (f"{exc}; the signatures are stored: resume the suspended pilot-adoption run in the "
                          "Prefect UI or start the adoption stage once the server is back, and it starts the pilot")
    return SignatureRecorded(contract=contract_public(session, settings, contract), activation=activation)
