"""Stage 3 over HTTP against a real database (SQLite and PostgreSQL): decisions, contracts, signatures and
their downloads; the Prefect server is replaced by a recorder that can pretend a run is suspended."""

import hashlib
import uuid
from dataclasses import asdict
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

import api.routers.contracts as contracts_router
import documents.registry as document_registry
import flows.adoption as adoption_flow
from api.deps import get_gateway
from api.main import create_app
from api.prefect_gateway import InputRejected, PrefectUnavailable
from documents.pdf import PdfUnavailable
from documents.registry import document_store, register_document
from documents.render import render_docx, template_sha256
from models.application import submit_application
from models.db import session_scope
from models.facts import application_facts, site_facts
from models.rules.analysis import draft_for_site
from models.schemas import AdoptionDecision, ApplicationCreate
from models.settings import local_today
from models.stages import Stage, Status
from models.tables import Analysis, Application, AuditEvent, Contract, Document, Methodology, Site
from models.transitions import record_stage_run
from tests.api.test_api import RecordingGateway
from tests.factories import application
from tests.unit.test_documents import contract_context

KEY = {"X-API-Key": "test-key"}
FAKE_PDF = b"%PDF-1.4 a contract\n%%EOF"
SCAN = ("signed.pdf", b"%PDF-1.7 the signed pages\n%%EOF", "application/pdf")


class SuspendingGateway(RecordingGateway):
    """Pretends the recorded flow runs are suspended under the given pause keys; records resumes."""

    def __init__(self):
        super().__init__()
        self.suspended: dict[str, str] = {}  # flow run id -> pause key
        self.resumed: list[tuple[str, dict | None]] = []
        self.refuse_input: str | None = None

    async def pause_keys(self, flow_run_ids):
        if not self.available:
            raise PrefectUnavailable("the Prefect server cannot be reached: test")
        return {run_id: key for run_id, key in self.suspended.items() if run_id in flow_run_ids}

    async def resume(self, flow_run_id, run_input=None):
        if self.refuse_input:
            raise InputRejected(f"the waiting run refused the input: {self.refuse_input}")
        self.resumed.append((flow_run_id, run_input))
        del self.suspended[flow_run_id]


@pytest.fixture
def gateway():
    return SuspendingGateway()


@pytest.fixture
def client(database, gateway, monkeypatch):
    # LibreOffice would take a second per contract; its own tests are in tests/unit/test_contracts.py.
    monkeypatch.setattr(document_registry, "convert_to_pdf", lambda docx: FAKE_PDF)
    app = create_app()
    app.dependency_overrides[get_gateway] = lambda: gateway
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def analysed_application(title: str = "Queue analytics for public service centres") -> tuple[int, str]:
    """An application with its analysis and draft methodology stored, and a pilot-adoption run recorded for it
    (the flows' own tests make these through the real flows)."""
    with session_scope() as session:
        row = submit_application(session, ApplicationCreate(**application(title=title)), "applicant")
        row.status, row.stage, row.registration_number = Status.ANALYSED, Stage.ANALYSIS, f"APP-T-{uuid.uuid4().hex[:8]}"
        site = session.exec(select(Site).where(Site.sector == "retail-services").order_by(Site.id)).first()
        analysis = Analysis(application_id=row.id, sector="retail-services", score=70.0, candidate_sites=[
            {"site_id": site.id, "code": site.code, "name": site.name_en, "score": 0.9, "reasons": [], "excluded": False}])
        session.add(analysis)
        session.flush()
        draft = draft_for_site(application_facts(row), site_facts(site), "retail-services",
                               local_today() + timedelta(days=14), "ru")
        session.add(Methodology(application_id=row.id, analysis_id=analysis.id, site_id=site.id, **asdict(draft)))
        run_id = str(uuid.uuid4())
        record_stage_run(session, row.id, Stage.ADOPTION, run_id, "coordinator")
        return row.id, run_id


def contract_for_signature(**changes) -> tuple[int, int, str]:
    """An approved application whose contract was generated and sent, as the flow's tasks leave it."""
    application_id, run_id = analysed_application(**changes)
    adoption_flow.record_decision.fn(application_id, AdoptionDecision(decision="approve", coordinator="A"))
    contract_id = adoption_flow.generate_contract.fn(application_id)
    adoption_flow.send_contract.fn(contract_id)
    return application_id, contract_id, run_id


def sign(client, contract_id: int, party: str, files=None, **changes):
    data = {"party": party, "signatory_name": f"{party.title()} Signatory", "signed_on": local_today().isoformat()}
    return client.post(f"/contracts/{contract_id}/signatures", headers=KEY, files=files, data={**data, **changes})


# --- decisions --------------------------------------------------------------------------------


def test_a_decision_resumes_the_waiting_run_with_only_what_was_given(client, gateway):
    application_id, run_id = analysed_application()
    body = {"decision": "approve", "coordinator": " Сидорова А. ", "duration_weeks": 12}
    response = client.post(f"/applications/{application_id}/decision", headers=KEY, json=body)
    assert response.status_code == 409 and "start the adoption stage first" in response.json()["detail"]

    gateway.suspended[run_id] = "decision-1"
    response = client.post(f"/applications/{application_id}/decision", headers=KEY, json=body)
    assert response.status_code == 202 and response.json()["flow_run_id"] == run_id
    assert gateway.resumed == [(run_id, {"decision": "approve", "coordinator": "Сидорова А.", "comment": "",
                                         "duration_weeks": 12, "decided_by": "coordinator:development-key"})]


@pytest.mark.parametrize(("body", "field"), [
    ({"decision": "approve", "coordinator": "A", "site_id": 999_999}, "not one of the candidate sites"),
    ({"decision": "approve", "coordinator": "A", "start_date": "2001-01-01"}, "is in the past"),
    ({"decision": "request_changes", "coordinator": "A"}, "give the reason in 'comment'"),
    ({"decision": "approve", "coordinator": "A", "kpi_targets": [{"code": "NOPE", "target": 1}]}, "not a KPI"),
    ({"decision": "maybe", "coordinator": "A"}, "decision"),
    ({"decision": "approve", "coordinator": ""}, "coordinator"),
    ({"decision": "approve", "coordinator": "A", "extra": 1}, "extra"),
])
def test_an_invalid_decision_is_422_and_the_run_keeps_waiting(client, gateway, body, field):
    application_id, run_id = analysed_application()
    gateway.suspended[run_id] = "decision-1"
    response = client.post(f"/applications/{application_id}/decision", headers=KEY, json=body)
    assert response.status_code == 422 and field in str(response.json()["detail"])
    assert gateway.resumed == [] and gateway.suspended == {run_id: "decision-1"}


def test_approving_without_a_draft_is_422(client, gateway):
    application_id, run_id = analysed_application()
    with session_scope() as session:
        session.exec(select(Methodology).where(Methodology.application_id == application_id)).one().status = "superseded"
    gateway.suspended[run_id] = "decision-1"
    response = client.post(f"/applications/{application_id}/decision", headers=KEY,
                           json={"decision": "approve", "coordinator": "A"})
    assert response.status_code == 422 and "no draft methodology" in response.json()["detail"]


def test_a_form_sent_back_with_the_drafts_values_changes_nothing(client):
    """The Prefect UI sends every field, prefilled with the draft's values: that is no edit."""
    application_id, _ = analysed_application()
    with session_scope() as session:
        draft = session.exec(select(Methodology).where(Methodology.application_id == application_id)).one()
        drafted = draft.model_dump(include={"site_id", "start_date", "duration_weeks", "kpis", "hypotheses"})
    adoption_flow.record_decision.fn(application_id, AdoptionDecision(
        decision="approve", coordinator="A", site_id=draft.site_id, start_date=draft.start_date,
        duration_weeks=draft.duration_weeks, kpi_targets=[{"code": k["code"], "target": k["target"]} for k in draft.kpis]))
    with session_scope() as session:
        adopted = session.get(Methodology, draft.id)
        event = session.exec(select(AuditEvent).where(AuditEvent.to_status == Status.CONTRACTING)).one()
    assert adopted.status == "adopted" and adopted.model_dump(include=set(drafted)) == drafted
    assert event.detail.startswith("approve by A; pilot PF-")


def test_input_the_waiting_form_refuses_is_422(client, gateway):
    application_id, run_id = analysed_application()
    gateway.suspended[run_id], gateway.refuse_input = "decision-1", "'site_id' is not one of [3, 7]"
    response = client.post(f"/applications/{application_id}/decision", headers=KEY,
                           json={"decision": "approve", "coordinator": "A"})
    assert response.status_code == 422 and "site_id" in response.json()["detail"]


def test_a_run_waiting_for_signatures_takes_no_decision(client, gateway):
    application_id, run_id = analysed_application()
    gateway.suspended[run_id] = "signatures-1"
    response = client.post(f"/applications/{application_id}/decision", headers=KEY,
                           json={"decision": "approve", "coordinator": "A"})
    assert response.status_code == 409


# --- signatures -------------------------------------------------------------------------------


def test_three_signatures_sign_the_contract_and_resume_the_run(client, gateway):
    application_id, contract_id, run_id = contract_for_signature()
    gateway.suspended[run_id] = "signatures-1"

    response = sign(client, contract_id, "site", files={"scan": SCAN})
    assert response.status_code == 201
    body = response.json()
    assert body["contract"]["status"] == "partly_signed" and body["activation"] is None
    assert body["contract"]["awaiting"] == ["company", "agency"]
    assert body["contract"]["signatures"][0]["scan_sha256"] == hashlib.sha256(SCAN[1]).hexdigest()
    assert sign(client, contract_id, "company").json()["contract"]["status"] == "partly_signed"
    assert gateway.resumed == []

    body = sign(client, contract_id, "agency").json()
    assert body["contract"]["status"] == "signed" and body["contract"]["signed_at"]
    assert gateway.resumed == [(run_id, None)] and run_id in body["activation"]
    assert client.get(f"/contracts/{contract_id}", headers=KEY).json()["awaiting"] == []
    with session_scope() as session:
        assert session.get(Application, application_id).status == Status.CONTRACTING  # until the run goes on


def test_the_last_signature_is_kept_when_prefect_is_down(client, gateway):
    _, contract_id, _ = contract_for_signature()
    for party in ("company", "site"):
        sign(client, contract_id, party)
    gateway.available = False
    response = sign(client, contract_id, "agency")
    assert response.status_code == 201 and response.json()["contract"]["status"] == "signed"
    assert "cannot be reached" in response.json()["activation"]


@pytest.mark.parametrize(("changes", "files", "code", "message"), [
    ({"party": "notary"}, None, 422, "party"),
    ({"signatory_name": ""}, None, 422, "signatory_name"),
    ({"signed_on": "yesterday"}, None, 422, "signed_on"),
    ({"signed_on": (local_today() + timedelta(days=2)).isoformat()}, None, 422, "in the future"),
    ({"signed_on": "2001-01-01"}, None, 422, "before the contract was issued"),
    ({}, {"scan": ("signed.png", b"\x89PNG", "image/png")}, 415, "must be a PDF"),
    ({}, {"scan": ("signed.pdf", b"MZ not a pdf", "application/pdf")}, 415, "not a PDF file"),
    ({}, {"scan": ("signed.pdf", b"%PDF-" + b"0" * 2048, "application/pdf")}, 413, "larger than"),
])
def test_a_bad_signature_is_refused_and_nothing_is_recorded(client, monkeypatch, changes, files, code, message):
    monkeypatch.setattr(contracts_router, "MAX_SCAN_BYTES", 1024)
    _, contract_id, _ = contract_for_signature()
    changes = dict(changes)  # shared by the SQLite and PostgreSQL runs
    response = sign(client, contract_id, changes.pop("party", "company"), files=files, **changes)
    assert response.status_code == code and message in str(response.json()["detail"])
    assert client.get(f"/contracts/{contract_id}", headers=KEY).json()["signatures"] == []


def test_signatures_the_contract_cannot_take_are_409(client):
    _, contract_id, _ = contract_for_signature()
    with session_scope() as session:
        session.get(Contract, contract_id).status = "draft"
    response = sign(client, contract_id, "company")
    assert response.status_code == 409 and "still being prepared" in response.json()["detail"]
    with session_scope() as session:
        session.get(Contract, contract_id).status = "sent"

    assert sign(client, contract_id, "company").status_code == 201
    response = sign(client, contract_id, "company")
    assert response.status_code == 409 and "already signed" in response.json()["detail"]
    sign(client, contract_id, "site")
    sign(client, contract_id, "agency")
    response = sign(client, contract_id, "site")
    assert response.status_code == 409 and "all three" in response.json()["detail"]
    assert sign(client, 999_999, "site").status_code == 404
    assert client.post(f"/contracts/{contract_id}/signatures", data={}).status_code == 401


# --- listing and downloading ------------------------------------------------------------------


def test_contracts_awaiting_signatures_are_listed_first(client):
    _, signed_id, _ = contract_for_signature()
    for party in ("company", "site", "agency"):
        sign(client, signed_id, party)
    application_id, waiting_id, _ = contract_for_signature(title="Electronic queue kiosk for service centres")

    listed = client.get("/contracts", headers=KEY).json()
    assert [c["id"] for c in listed] == [waiting_id, signed_id]
    assert listed[0]["contract_number"].startswith(f"PF-{local_today().year}-")
    assert listed[0]["company"] == application()["company"]["name"] and listed[0]["site"]
    assert [c["id"] for c in client.get("/contracts?status=signed", headers=KEY).json()] == [signed_id]
    assert [c["id"] for c in client.get(f"/contracts?application_id={application_id}", headers=KEY).json()] == [
        waiting_id]
    assert client.get("/contracts?status=lost", headers=KEY).status_code == 422
    assert client.get("/contracts").status_code == 401


def test_the_pdf_is_served_with_its_checksum_verified(client):
    _, contract_id, _ = contract_for_signature()
    document = client.get(f"/contracts/{contract_id}", headers=KEY).json()["document"]
    assert document["pdf_url"] == f"http://127.0.0.1:8000/documents/{document['id']}?format=pdf"
    assert document["template_name"] == "contract_ru.docx" and document["template_version"] == "1"
    assert document["template_sha256"] == template_sha256("contract_ru.docx")

    response = client.get(f"/documents/{document['id']}?format=pdf", headers=KEY)
    assert response.status_code == 200 and response.content == FAKE_PDF
    assert response.headers["X-Content-SHA256"] == hashlib.sha256(FAKE_PDF).hexdigest()
    assert "filename*=UTF-8''%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%20PF-" in response.headers[
        "content-disposition"] and response.headers["content-disposition"].endswith(".pdf")
    assert client.get(f"/documents/{document['id']}?format=odt", headers=KEY).status_code == 422

    with session_scope() as session:
        row = session.get(Document, document["id"])
        document_store().path_for(row.pdf_storage_key).write_bytes(b"%PDF-1.4 tampered")
    response = client.get(f"/documents/{document['id']}?format=pdf", headers=KEY)
    assert response.status_code == 500 and "checksum" in response.json()["detail"]


def test_without_libreoffice_the_contract_is_docx_only(client, monkeypatch):
    def missing(docx):
        raise PdfUnavailable("LibreOffice (soffice) is not installed")

    monkeypatch.setattr(document_registry, "convert_to_pdf", missing)
    _, contract_id, _ = contract_for_signature()
    document = client.get(f"/contracts/{contract_id}", headers=KEY).json()["document"]
    assert document["pdf_url"] is None
    assert client.get(f"/documents/{document['id']}", headers=KEY).status_code == 200
    response = client.get(f"/documents/{document['id']}?format=pdf", headers=KEY)
    assert response.status_code == 404 and "LibreOffice was not installed" in response.json()["detail"]


def test_regenerating_a_document_adds_a_version_and_keeps_the_first(client):
    application_id, _ = analysed_application()
    with session_scope() as session:
        first, second = (
            register_document(session, application_id=application_id, pilot_id=None, kind="contract", language="ru",
                              rendered=render_docx("contract_ru.docx", contract_context("ru", place=place)),
                              filename="Договор.docx", flow_run_id=None)
            for place in ("Москва", "Зеленоград")
        )
        assert (first.version, second.version) == (1, 2) and first.sha256 != second.sha256
        assert second.template_name == "contract_ru.docx" and second.template_version == "1"
        assert len(second.template_sha256) == 64
        versions = {first.id: first.sha256, second.id: second.sha256}
    for document_id, sha256 in versions.items():  # both versions stay downloadable, each as it was
        response = client.get(f"/documents/{document_id}", headers=KEY)
        assert response.status_code == 200 and hashlib.sha256(response.content).hexdigest() == sha256
