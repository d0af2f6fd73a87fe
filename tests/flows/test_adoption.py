"""Stage 3 against a real Prefect server: the pilot-adoption run suspends for the coordinator's decision,
the API's decision resumes it, the contract appears, and the third signature resumes it again."""

import os
import re
from datetime import timedelta
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.input.run_input import keyset_from_paused_state
from sqlmodel import select

import flows.adoption as adoption_flow
from api.main import create_app
from documents.pdf import soffice_path
from flows.analysis import pilot_analysis
from flows.application import pilot_application
from models.db import session_scope
from models.schemas import ApplicationCreate
from models.settings import local_today
from models.stages import Status
from models.tables import Application, AuditEvent, Contract, Document, Methodology, Pilot
from tests.factories import application
from tests.flows import adoption_driver as driver
from tests.unit.test_documents import document_text

pytestmark = [pytest.mark.prefect, pytest.mark.parametrize("database", ["sqlite"], indirect=True)]
KEY = {"X-API-Key": "test-key"}


@pytest.fixture
def api(prefect_server, database):
    """The API with its real Prefect gateway, talking to the session's Prefect server."""
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


def analysed_application(**changes) -> int:
    pilot_application(submission=ApplicationCreate(**application(**changes)))
    with session_scope() as session:
        application_id = session.exec(select(Application.id).order_by(Application.id.desc())).first()
    pilot_analysis(application_id)
    return application_id


def run_state(flow_run_id: str):
    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(flow_run_id)).state


def status_of(application_id: int) -> str:
    with session_scope() as session:
        return session.get(Application, application_id).status


def test_approval_round_trip_over_the_api(api):
    application_id = analysed_application()
    flow_run_id = driver.start(application_id)

    state = run_state(flow_run_id)
    assert state.name == "Suspended" and state.state_details.pause_key == "decision-1"
    assert status_of(application_id) == Status.ANALYSED
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(flow_run_id)])))
    assert {a.key for a in artifacts} == {f"application-{application_id}-adoption-methodology",
                                          f"application-{application_id}-adoption-sites"}
    with session_scope() as session:
        draft = session.exec(select(Methodology).where(Methodology.application_id == application_id)).one()
    kpi = next(k for k in draft.kpis if k["direction"] == "decrease")

    # Refused before the run is touched: 422 naming the problem, and the run keeps waiting.
    for body, problem in [
        ({"decision": "approve", "coordinator": "Сидорова А.", "site_id": 999_999}, "not one of the candidate"),
        ({"decision": "approve", "coordinator": "Сидорова А.", "duration_weeks": 40}, "less than or equal to 26"),
        ({"decision": "approve", "coordinator": "Сидорова А.",
          "kpi_targets": [{"code": kpi["code"], "target": kpi["baseline"]}]}, "must be below the minimum"),
        ({"decision": "reject", "coordinator": "Сидорова А."}, "give the reason in 'comment'"),
        ({"decision": "approve"}, "coordinator"),
    ]:
        response = api.post(f"/applications/{application_id}/decision", json=body, headers=KEY)
        assert response.status_code == 422 and problem in str(response.json()["detail"]), body
    assert run_state(flow_run_id).state_details.pause_key == "decision-1"

    new_target = (kpi["target"] + kpi["minimum_acceptable"]) / 2
    response = api.post(f"/applications/{application_id}/decision", headers=KEY, json={
        "decision": "approve", "coordinator": "Сидорова А.", "comment": "Adopted with a shorter pilot",
        "duration_weeks": 8, "kpi_targets": [{"code": kpi["code"], "target": new_target}]})
    assert response.status_code == 202 and response.json()["flow_run_id"] == flow_run_id
    assert api.post(f"/applications/{application_id}/decision", headers=KEY, json={
        "decision": "approve", "coordinator": "X"}).status_code == 409  # nothing waits for a decision now

    state = driver.execute(flow_run_id)  # what the worker does with the resumed run
    assert state.state_details.pause_key == "signatures-1"
    assert status_of(application_id) == Status.CONTRACTING
    with session_scope() as session:
        methodology = session.exec(select(Methodology).where(Methodology.application_id == application_id)).one()
        pilot = session.exec(select(Pilot).where(Pilot.application_id == application_id)).one()
        decision = session.exec(select(AuditEvent).where(AuditEvent.to_status == Status.CONTRACTING)).one()
    assert methodology.status == "adopted" and methodology.adopted_by == "Сидорова А."
    assert methodology.duration_weeks == 8 and methodology.end_date == methodology.start_date + timedelta(weeks=8)
    assert next(k for k in methodology.kpis if k["code"] == kpi["code"])["target"] == new_target
    assert pilot.status == "contracting" and re.fullmatch(rf"PF-{local_today().year}-\d{{4}}", pilot.contract_number)
    assert decision.actor == "coordinator:development-key" and decision.flow_run_id == flow_run_id
    assert decision.detail.startswith("approve by Сидорова А.;")
    assert "shorter pilot" in decision.detail and "weeks 8" in decision.detail

    [contract] = api.get("/contracts", params={"status": "sent"}, headers=KEY).json()
    assert contract["application_id"] == application_id and contract["awaiting"] == ["company", "site", "agency"]
    download = api.get(f"/documents/{contract['document']['id']}", headers=KEY)
    assert download.status_code == 200 and download.headers["X-Content-SHA256"] == contract["document"]["sha256"]
    text = document_text(download.content)
    assert pilot.contract_number in text and "8 нед." in text

    signatures = f"/contracts/{contract['id']}/signatures"
    today = local_today().isoformat()
    scan = ("signed.pdf", b"%PDF-1.4 scanned signature page\n%%EOF", "application/pdf")
    response = api.post(signatures, headers=KEY, files={"scan": scan},
                        data={"party": "company", "signatory_name": "Смирнов И. П.", "signed_on": today})
    assert response.status_code == 201 and response.json()["contract"]["status"] == "partly_signed"
    assert response.json()["activation"] is None
    assert api.post(signatures, headers=KEY, data={"party": "company", "signatory_name": "Смирнов И. П.",
                                                   "signed_on": today}).status_code == 409
    api.post(signatures, headers=KEY, data={"party": "site", "signatory_name": "Site", "signed_on": today})
    assert run_state(flow_run_id).is_paused()  # two of three: still waiting

    response = api.post(signatures, headers=KEY, data={"party": "agency", "signatory_name": "Agency",
                                                       "signed_on": today})
    assert response.status_code == 201 and response.json()["contract"]["status"] == "signed"
    assert flow_run_id in response.json()["activation"]
    assert run_state(flow_run_id).name == "Resuming"

    state = driver.execute(flow_run_id)
    assert state.is_completed() and state.result() == contract["document"]["id"]
    assert status_of(application_id) == Status.PILOTING
    with session_scope() as session:
        assert session.get(Pilot, pilot.id).status == "active"  # monitoring applies to it now
        activation = session.exec(select(AuditEvent).where(AuditEvent.to_status == Status.PILOTING)).one()
    assert activation.actor == "coordinator:development-key" and "signed by all three" in activation.detail  # the last signature
    assert api.get("/contracts", params={"status": "signed"}, headers=KEY).json()[0]["id"] == contract["id"]


def test_reject_closes_the_application_with_a_refusal_letter(api):
    application_id = analysed_application()
    flow_run_id = driver.start(application_id)

    response = api.post(f"/applications/{application_id}/decision", headers=KEY, json={
        "decision": "reject", "coordinator": "B. Coordinator", "comment": "Вне приоритетов программы"})
    assert response.status_code == 202
    assert driver.execute(flow_run_id).is_completed()

    assert status_of(application_id) == Status.REJECTED
    with session_scope() as session:
        letter = session.exec(select(Document).where(Document.application_id == application_id)).one()
        event = session.exec(select(AuditEvent).where(AuditEvent.to_status == Status.REJECTED)).one()
        assert session.exec(select(Pilot)).all() == []
    assert letter.kind == "refusal" and letter.template_name == "refusal_ru.docx" and letter.template_version == "1"
    assert event.actor == "coordinator:development-key" and event.detail.startswith("reject by B. Coordinator;")
    assert "Вне приоритетов программы" in event.detail
    text = document_text(api.get(f"/documents/{letter.id}", headers=KEY).content)
    assert "Вне приоритетов программы" in text and "R&D <Lab> «Север» {{ x }}" in text


def test_request_changes_sends_the_application_back_to_analysis(api):
    application_id = analysed_application()
    flow_run_id = driver.start(application_id)
    api.post(f"/applications/{application_id}/decision", headers=KEY, json={
        "decision": "request_changes", "coordinator": "C", "comment": "Add a safety KPI"})
    assert driver.execute(flow_run_id).is_completed()
    assert status_of(application_id) == Status.REGISTERED
    with session_scope() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.application_id == application_id)
                             .order_by(AuditEvent.id.desc())).first()
    assert event.actor == "coordinator:development-key" and "request_changes by C" in event.detail and "Add a safety KPI" in event.detail


def test_an_answer_the_rules_refuse_asks_again_in_the_form(api):
    """The Prefect UI checks only the form's schema; the flow checks the rules and suspends again."""
    application_id = analysed_application()
    flow_run_id = driver.start(application_id)
    yesterday = (local_today() - timedelta(days=1)).isoformat()

    state = driver.resume(flow_run_id, {"decision": "approve", "coordinator": "D", "start_date": yesterday})
    assert state.state_details.pause_key == "decision-2"
    assert status_of(application_id) == Status.ANALYSED
    with get_client(sync_client=True) as client:
        description = client.read_flow_run_input(flow_run_id=UUID(flow_run_id),
                                                 key=keyset_from_paused_state(state)["description"])
    assert "is in the past" in description

    state = driver.resume(flow_run_id, {"decision": "approve", "coordinator": "D"})
    assert state.state_details.pause_key == "signatures-1" and status_of(application_id) == Status.CONTRACTING


def test_resuming_before_all_signed_suspends_again(api):
    application_id = analysed_application()
    flow_run_id = driver.start(application_id)
    driver.resume(flow_run_id, {"decision": "approve", "coordinator": "E"})

    state = driver.resume(flow_run_id)  # say, by hand in the Prefect UI, with no signature yet
    assert state.state_details.pause_key == "signatures-2"
    assert status_of(application_id) == Status.CONTRACTING
    with session_scope() as session:
        assert session.exec(select(Contract)).one().status == "sent"
        assert len(session.exec(select(Document)).all()) == 1  # the contract was not generated twice


def test_the_last_signature_while_the_run_suspends_is_not_lost(api, monkeypatch):
    """The race: the run looks at the signatures (two of three), the third is stored and the API finds no
    suspended run to resume, then the server holds the run suspended. The run looks again once suspended."""
    application_id = analysed_application()
    flow_run_id = driver.start(application_id)
    driver.resume(flow_run_id, {"decision": "approve", "coordinator": "G"})
    real_suspend = adoption_flow.suspend_flow_run

    def signature_arrives_first(**kwargs):
        if kwargs["key"] == "signatures-2":  # the replayed decision's pause goes through as it is
            driver.sign_all(application_id)  # committed after the run's look, before its suspension
        return real_suspend(**kwargs)

    monkeypatch.setattr(adoption_flow, "suspend_flow_run", signature_arrives_first)
    state = driver.resume(flow_run_id)  # by hand, before any signature: it suspends again under signatures-2
    assert state.state_details.pause_key == "signatures-2"
    assert run_state(flow_run_id).type.value == "SCHEDULED"  # it resumed itself: no one else would have

    state = driver.execute(flow_run_id)  # what the worker does with a resumed run
    assert state.is_completed() and status_of(application_id) == Status.PILOTING


def test_a_decision_with_no_run_waiting_is_409(api):
    application_id = analysed_application()
    response = api.post(f"/applications/{application_id}/decision", headers=KEY,
                        json={"decision": "approve", "coordinator": "F"})
    assert response.status_code == 409 and "start the adoption stage first" in response.json()["detail"]


@pytest.mark.skipif(soffice_path() is None and not os.environ.get("CI"), reason="LibreOffice is not installed here")
def test_the_contract_is_downloadable_as_pdf(api):
    application_id = analysed_application(language="en")
    driver.adopt(application_id, sign=False)
    [contract] = api.get("/contracts", params={"application_id": application_id}, headers=KEY).json()
    assert contract["status"] == "sent" and contract["document"]["pdf_url"].endswith("?format=pdf")

    response = api.get(f"/documents/{contract['document']['id']}", params={"format": "pdf"}, headers=KEY)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "filename*=UTF-8''Contract%20PF-" in response.headers["content-disposition"]
    assert ".pdf" in response.headers["content-disposition"]
