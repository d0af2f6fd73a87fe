"""Stage 3 persistence: the coordinator's decision, the contract and its three signatures.

Shared by the pilot-adoption flow and the API, so a decision given in the Prefect UI's form and one
given over the API obey the same checks.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, update
from sqlmodel import Session, select

from models.analysis import latest_draft
from models.db import get_required
from models.errors import InvalidInput, NotFound
from models.facts import application_facts, site_facts
from models.rules.adoption import PARTIES, adjusted_kpis, check_duration, contract_status
from models.rules.analysis import draft_for_site
from models.schemas import AdoptionDecision, SignatureCreate
from models.settings import local_date, local_today
from models.stages import ContractStatus, MethodologyStatus, PilotStatus, Stage, Status
from models.tables import Analysis, Application, Contract, Methodology, Pilot, Signature, Site, utcnow
from models.transitions import transition

# Fields of the draft that a re-draft (another site, start, duration or targets) replaces.
DRAFT_FIELDS = ("duration_weeks", "start_date", "end_date", "hypotheses", "kpis", "checkpoints", "feedback_plan",
                "success_criteria", "stop_criteria")


class InvalidDecision(InvalidInput):
    """A coordinator's decision that the draft methodology's rules do not allow."""


class ContractConflict(Exception):
    """The contract cannot take this signature now (the API answers 409 with the reason)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DecisionOptions:
    """What the coordinator decides on: the draft methodology and the sites it may move to."""

    draft: Methodology
    analysis: Analysis
    candidates: list[dict]  # the ranked candidate sites that were not excluded, best first


def decision_options(session: Session, application_id: int) -> DecisionOptions | None:
    """None when the analysis found no site, so there is no draft to approve."""
    draft = latest_draft(session, application_id)
    if draft is None:
        return None
    analysis = session.get(Analysis, draft.analysis_id)
    return DecisionOptions(draft, analysis, [c for c in analysis.candidate_sites if not c["excluded"]])


def check_decision(session: Session, application_id: int, decision: AdoptionDecision) -> None:
    """Raise InvalidDecision, saying why, unless the decision fits the draft methodology's rules."""
    if decision.decision != "approve":
        if not decision.comment:
            verb = "request changes" if decision.decision == "request_changes" else "reject"
            raise InvalidDecision(f"to {verb}, give the reason in 'comment' (a refusal letter quotes it)")
        return
    options = decision_options(session, application_id)
    if options is None:
        raise InvalidDecision("there is no draft methodology to approve: no site could take the pilot; "
                              "request changes or reject")
    allowed = [c["site_id"] for c in options.candidates]
    if decision.site_id is not None and decision.site_id not in allowed:
        raise InvalidDecision(f"site {decision.site_id} is not one of the candidate sites {allowed}")
    if decision.start_date is not None and decision.start_date < local_today():
        raise InvalidDecision(f"the start date {decision.start_date} is in the past")
    try:
        if decision.duration_weeks is not None:
            check_duration(decision.duration_weeks)
        adjusted_kpis(options.draft.kpis, _targets(decision))
    except ValueError as exc:
        raise InvalidDecision(str(exc)) from exc


def _targets(decision: AdoptionDecision) -> list[tuple[str, float]]:
    return [(t.code, t.target) for t in decision.kpi_targets or ()]


def _edits(decision: AdoptionDecision, draft: Methodology) -> list[str]:
    """What the decision changes in the draft (a form sent back with the draft's own values changes nothing)."""
    drafted_targets = {kpi["code"]: kpi["target"] for kpi in draft.kpis}
    fields = (("site", decision.site_id, draft.site_id), ("start", decision.start_date, draft.start_date),
              ("weeks", decision.duration_weeks, draft.duration_weeks))
    return ([f"{name} {value}" for name, value, drafted in fields if value is not None and value != drafted]
            + [f"target {code} {target:g}" for code, target in _targets(decision) if target != drafted_targets[code]])


def _describe(decision: AdoptionDecision, edits: list[str]) -> str:
    comment = [f"comment: {decision.comment}"] if decision.comment else []
    return "; ".join([f"{decision.decision} by {decision.coordinator}", *comment, *edits])


def apply_decision(session: Session, application: Application, decision: AdoptionDecision,
                   flow_run_id: str | None, actor: str | None = None) -> Pilot | None:
    """Apply the decision to an application waiting for it ('analysed'); the audit log records it as done by
    `actor` (models/actors.py: who gave it; by default the coordinator's name), with that name in its detail.

    Approval adopts the (adjusted) methodology and creates the pilot, which waits for the contract's
    signatures ('contracting'); "request changes" sends the application back to analysis; "reject"
    closes it. Returns the new pilot on approval.
    """
    check_decision(session, application.id, decision)
    actor = actor or decision.coordinator
    if decision.decision != "approve":
        to_status = Status.REJECTED if decision.decision == "reject" else Status.REGISTERED
        transition(session, application, Stage.ADOPTION, to_status, actor, flow_run_id,
                   _describe(decision, []))
        return None
    methodology = latest_draft(session, application.id)
    edits = _edits(decision, methodology)
    if edits:
        site_id = decision.site_id or methodology.site_id
        analysis = session.get(Analysis, methodology.analysis_id)
        draft = draft_for_site(application_facts(application), site_facts(session.get(Site, site_id)),
                               analysis.sector, decision.start_date or methodology.start_date, application.language,
                               kpis=adjusted_kpis(methodology.kpis, _targets(decision)),
                               weeks=decision.duration_weeks or methodology.duration_weeks)
        for field in DRAFT_FIELDS:
            setattr(methodology, field, getattr(draft, field))
        methodology.site_id = site_id
    methodology.status = MethodologyStatus.ADOPTED
    methodology.adopted_by = decision.coordinator
    methodology.adopted_at = utcnow()
    methodology.decision_comment = decision.comment
    pilot = Pilot(application_id=application.id, methodology_id=methodology.id, site_id=methodology.site_id,
                  company_id=application.company_id, start_date=methodology.start_date,
                  end_date=methodology.end_date, status=PilotStatus.CONTRACTING,
                  contract_number=next_contract_number(session, local_today()))
    session.add(pilot)
    session.flush()
    transition(session, application, Stage.ADOPTION, Status.CONTRACTING, actor, flow_run_id,
               f"{_describe(decision, edits)}; pilot {pilot.contract_number}, contract to be signed")
    return pilot


def next_contract_number(session: Session, day: date) -> str:
    """A readable sequence per year: PF-2026-0001, PF-2026-0002, ..."""
    prefix = f"PF-{day.year}-"
    count = session.exec(select(func.count()).select_from(Pilot).where(Pilot.contract_number.startswith(prefix))).one()
    return f"{prefix}{count + 1:04d}"


def pilot_of(session: Session, application_id: int) -> Pilot:
    """The application's pilot (created on approval); NotFound before there is one."""
    pilot = session.exec(select(Pilot).where(Pilot.application_id == application_id)).first()
    if pilot is None:
        raise NotFound("pilot of application", application_id)
    return pilot


def contract_of(session: Session, pilot_id: int) -> Contract | None:
    return session.exec(select(Contract).where(Contract.pilot_id == pilot_id)).first()


def create_contract(session: Session, pilot: Pilot, document_id: int, company_details: dict) -> Contract:
    """`company_details`: what the contract prints; it keeps them whatever later happens to the company's record."""
    contract = Contract(pilot_id=pilot.id, application_id=pilot.application_id, document_id=document_id,
                        company_details=company_details)
    session.add(contract)
    session.flush()
    return contract


def lock_contract(session: Session, contract_id: int) -> Contract:
    """The contract, its row locked first thing in the transaction: concurrent signatures of one contract
    then apply one after the other, and the last one sees the other two (SQLite takes its write lock)."""
    session.execute(update(Contract).where(Contract.id == contract_id).values(id=Contract.id))
    return get_required(session, Contract, contract_id)


def send_for_signature(contract: Contract) -> None:
    """The contract leaves 'draft': from now on the parties' signatures are accepted."""
    if contract.status == ContractStatus.DRAFT:
        contract.status = ContractStatus.SENT
        contract.sent_at = utcnow()


def signatures_of(session: Session, contract_id: int) -> list[Signature]:
    return list(session.exec(select(Signature).where(Signature.contract_id == contract_id).order_by(Signature.id)))


def awaited_parties(session: Session, contract_id: int) -> list[str]:
    signed = {s.party for s in signatures_of(session, contract_id)}
    return [party for party in PARTIES if party not in signed]


def check_signature(session: Session, contract: Contract, data: SignatureCreate, today: date) -> None:
    """Raise ContractConflict or InvalidInput, saying why, unless the party may sign now."""
    if contract.status == ContractStatus.DRAFT:
        raise ContractConflict(f"contract {contract.id} is still being prepared; it can be signed once it is sent")
    if contract.status == ContractStatus.SIGNED:
        raise ContractConflict(f"contract {contract.id} is already signed by all three parties")
    earlier = next((s for s in signatures_of(session, contract.id) if s.party == data.party), None)
    if earlier is not None:
        raise ContractConflict(f"the {data.party} already signed contract {contract.id} "
                               f"({earlier.signatory_name}, {earlier.signed_on})")
    if data.signed_on > today:
        raise InvalidInput(f"signed_on {data.signed_on} is in the future")
    issued_on = local_date(contract.created_at)
    if data.signed_on < issued_on:
        raise InvalidInput(f"signed_on {data.signed_on} is before the contract was issued ({issued_on})")


def record_signature(session: Session, contract: Contract, data: SignatureCreate, recorded_by: str, *,
                     scan_storage_key: str | None = None, scan_sha256: str | None = None,
                     scan_size: int | None = None) -> Signature:
    """Store one party's signature and move the contract to 'partly_signed' or 'signed'."""
    check_signature(session, contract, data, local_today())
    signature = Signature(contract_id=contract.id, **data.model_dump(), recorded_by=recorded_by,
                          scan_storage_key=scan_storage_key, scan_sha256=scan_sha256, scan_size=scan_size)
    session.add(signature)
    session.flush()
    contract.status = contract_status({s.party for s in signatures_of(session, contract.id)})
    if contract.status == ContractStatus.SIGNED:
        contract.signed_at = utcnow()
    session.add(contract)
    return signature


def activate_pilot(session: Session, application: Application, pilot: Pilot, flow_run_id: str | None,
                   actor: str | None = None) -> None:
    """The contract is signed: the pilot becomes active and monitoring applies to it. The audit log names
    whoever recorded the last signature, which completed the contract (else `actor`)."""
    if application.status == Status.PILOTING:
        return
    pilot.status = PilotStatus.ACTIVE
    session.add(pilot)
    contract = contract_of(session, pilot.id)
    signatures = signatures_of(session, contract.id) if contract else []
    last = max(signatures, key=lambda s: (s.created_at, s.id), default=None)
    actor = last.recorded_by if last else actor or session.get(Methodology, pilot.methodology_id).adopted_by
    transition(session, application, Stage.ADOPTION, Status.PILOTING, actor, flow_run_id,
               f"contract {pilot.contract_number} signed by all three parties; pilot active at site {pilot.site_id} "
               f"from {pilot.start_date}")
