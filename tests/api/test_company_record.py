"""A company's record changes only by that company or a coordinator (issue 14): an anonymous submission naming a
known registration number keeps its details to itself, flagged for a coordinator, and changes nothing that the
company's contracts, documents or representatives see."""

from datetime import timedelta

import pytest
from sqlmodel import select

from flows.adoption import generate_contract
from models.db import session_scope
from models.settings import local_today
from models.tables import AuditEvent, Company, Contract
from tests.api.test_api import KEY, client, gateway  # noqa: F401  (fixtures)
from tests.api.test_auth import add_user, create_token
from tests.factories import APPLICATION, application
from tests.piloting import piloting_application

REGISTRATION = APPLICATION["company"]["registration_number"]
HIJACK = {"company_name": "ZQXH Hijacked LLC", "company_contact_email": "attacker@evil.example",
          "company_signatory_name": "Mallory", "title": "Unrelated",
          "description": "An entirely different solution text, submitted anonymously by somebody else."}


def company_record() -> Company:
    with session_scope() as session:
        return session.exec(select(Company).where(Company.registration_number == REGISTRATION)).one()


@pytest.fixture
def piloting(client) -> tuple[int, int]:
    """The real company's application with a pilot and its generated contract: (application id, contract id)."""
    with session_scope() as session:
        application_id = piloting_application(session, start=local_today() + timedelta(days=14)).application_id
    return application_id, generate_contract.fn(application_id)


@pytest.fixture
def representative(piloting) -> dict:
    add_user("company_representative", "ivan@sever-lab.example", company_registration=REGISTRATION)
    return {"X-API-Key": create_token("ivan@sever-lab.example")[1]}


@pytest.fixture
def no_pdf(monkeypatch):
    monkeypatch.setattr("documents.registry.pdf_rendition", lambda rendered: None)


def test_an_anonymous_submission_with_a_known_number_changes_nothing_the_company_sees(client, no_pdf, piloting,
                                                                                      representative):
    real_application, contract_id = piloting
    before = company_record()

    response = client.post("/applications", json=application(**HIJACK))
    assert response.status_code == 201, response.text
    stranger = response.json()["id"]

    after = company_record()
    assert (after.name, after.contact_email, after.signatory_name) == (
        before.name, before.contact_email, before.signatory_name)
    contract = client.get(f"/contracts/{contract_id}", headers=KEY).json()
    assert contract["company"] == before.name
    # The company's representative sees its own application and contract, not the stranger's application.
    assert client.get(f"/applications/{real_application}", headers=representative).status_code == 200
    assert client.get(f"/contracts/{contract_id}", headers=representative).status_code == 200
    assert client.get(f"/applications/{stranger}", headers=representative).status_code == 404
    assert stranger not in [c["application_id"] for c in client.get("/contracts", headers=representative).json()]
    # The coordinator sees the flag and what was submitted.
    flagged = client.get(f"/applications/{stranger}", headers=KEY).json()
    assert flagged["company_details_pending"] is True
    assert flagged["submitted_company_details"]["name"] == "ZQXH Hijacked LLC"
    assert flagged["company"]["name"] == before.name
    with session_scope() as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.application_id == stranger)).one()
    assert "await a coordinator's confirmation" in audit.detail


def test_the_same_details_resubmitted_anonymously_are_not_flagged(client):
    first = client.post("/applications", json=application()).json()["id"]
    second = client.post("/applications", json=application(title="A second solution")).json()["id"]
    for application_id in (first, second):
        assert client.get(f"/applications/{application_id}", headers=KEY).json()["company_details_pending"] is False


def test_the_signed_in_representative_updates_the_record_and_contracts_keep_theirs(client, no_pdf, piloting,
                                                                                   representative):
    _, contract_id = piloting
    old_name = company_record().name
    moved = application(company_address="Москва, ул. Новая, д. 1", company_signatory_name="Петров Пётр Петрович",
                        title="A second solution")
    response = client.post("/applications", json=moved, headers=representative)
    assert response.status_code == 201, response.text

    record = company_record()
    assert (record.address, record.signatory_name) == ("Москва, ул. Новая, д. 1", "Петров Пётр Петрович")
    assert client.get(f"/applications/{response.json()['id']}", headers=KEY).json()["company_details_pending"] is False
    with session_scope() as session:
        printed = session.get(Contract, contract_id).company_details
    assert printed["signatory_name"] == APPLICATION["company"]["signatory_name"] and printed["name"] == old_name
    with session_scope() as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.application_id == response.json()["id"])).one()
    assert audit.actor == "company_representative:ivan@sever-lab.example"


def test_an_invalid_key_on_a_submission_is_refused_not_taken_as_anonymous(client):
    response = client.post("/applications", json=application(), headers={"X-API-Key": "not-a-token"})
    assert response.status_code == 401 and "X-API-Key" in response.json()["detail"]


@pytest.mark.parametrize("accept", [True, False])
def test_a_coordinator_accepts_or_declines_the_submitted_details(client, no_pdf, piloting, representative, accept):
    _, contract_id = piloting
    before = company_record()
    stranger = client.post("/applications", json=application(**HIJACK)).json()["id"]

    # Neither the representative (who cannot see it) nor staff may answer; a malformed answer is a 422.
    assert client.post(f"/applications/{stranger}/company-details", json={"accept": True},
                       headers=representative).status_code == 404
    assert client.post(f"/applications/{stranger}/company-details", json={"accept": "yes"},
                       headers=KEY).status_code == 422

    response = client.post(f"/applications/{stranger}/company-details", json={"accept": accept}, headers=KEY)
    assert response.status_code == 200, response.text
    assert response.json()["company_details_pending"] is False
    record = company_record()
    assert record.name == ("ZQXH Hijacked LLC" if accept else before.name)
    with session_scope() as session:
        assert session.get(Contract, contract_id).company_details["name"] == before.name  # the contract keeps its own
    # Confirmed, the application is the company's: its representative sees it; a second answer is a 409.
    assert client.get(f"/applications/{stranger}", headers=representative).status_code == 200
    again = client.post(f"/applications/{stranger}/company-details", json={"accept": accept}, headers=KEY)
    assert again.status_code == 409 and "await no confirmation" in again.json()["detail"]
