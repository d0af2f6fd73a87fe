"""The matrix of roles x routes over HTTP, against a real database (SQLite and PostgreSQL).

Two pilots, each with its application, contract and document: "own" belongs to the company and the test
site the representatives speak for and is assigned to the coordinator; "other" is another company's, at
another site, assigned to no one. Every caller (anonymous, a revoked, an expired or a non-ASCII key, the
development key, and a user of each role) asks every protected route about both; the expected statuses are
written out below, independently of models/permissions.py, as the specification. The Prefect server is a
recorder that pretends every recorded run waits for input.
"""

import importlib
import pkgutil
import uuid
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import select

import api.routers
import api.routers.pilots as pilots_router
from api.auth import require_principal
from api.deps import get_gateway
from api.main import create_app
from documents.registry import DOCX, document_store
from models import users
from models.application import company_details
from models.db import session_scope
from models.schemas import FlowRunPublic
from models.settings import local_today
from models.stages import Stage
from models.tables import (
    Application,
    Company,
    Contract,
    Document,
    Methodology,
    Pilot,
    Signature,
    Site,
    StageRun,
    utcnow,
)
from models.transitions import record_stage_run
from tests.api.test_api import RecordingGateway
from tests.factories import application
from tests.piloting import piloting_application

OWN_COMPANY, OTHER_COMPANY = "7707083893", "7700000001"
PROGRAM_RUN = str(uuid.uuid4())  # a run of no application, like the monitoring sweep


class WaitingGateway(RecordingGateway):
    """Knows every flow run, and every run waits for input; resuming one keeps it waiting, so every caller
    allowed to answer gets the same 202."""

    async def flow_run(self, flow_run_id):
        return FlowRunPublic(id=str(flow_run_id), state_type="PAUSED", state_name="Suspended")

    async def pause_keys(self, flow_run_ids):
        return {run_id: "conclusions-1" for run_id in flow_run_ids}

    async def resume(self, flow_run_id, run_input=None):
        pass


def seed_pilot(registration_number: str, site_code: str, contract_number: str) -> dict:
    """An active pilot with a contract sent for signature, its stored document and an evaluation run waiting
    for conclusions; returns the ids the routes take."""
    with session_scope() as session:
        pilot = piloting_application(session, start=local_today() - timedelta(days=30),
                                     registration_number=registration_number, site_code=site_code,
                                     contract_number=contract_number)
        stored = document_store().put(f"contract {contract_number}".encode(), "docx")
        document = Document(application_id=pilot.application_id, pilot_id=pilot.id, kind="contract", language="ru",
                            filename=f"{contract_number}.docx", content_type=DOCX, storage_key=stored.storage_key,
                            sha256=stored.sha256, size=stored.size, template_name="contract_ru.docx",
                            template_sha256="cd" * 32)
        session.add(document)
        session.flush()
        contract = Contract(pilot_id=pilot.id, application_id=pilot.application_id, status="sent",
                            document_id=document.id, sent_at=utcnow(),
                            company_details=company_details(session.get(Company, pilot.company_id)))
        session.add(contract)
        session.flush()
        run_id = str(uuid.uuid4())
        record_stage_run(session, pilot.application_id, Stage.EVALUATION, run_id, "coordinator")
        kpi = session.get(Methodology, pilot.methodology_id).kpis[0]["code"]
        return {"application": pilot.application_id, "pilot": pilot.id, "contract": contract.id,
                "document": document.id, "run": run_id, "kpi": kpi}


@pytest.fixture
def world(database, monkeypatch) -> dict:
    """The two pilots, the people and their tokens."""
    monkeypatch.setattr(pilots_router, "convert_to_pdf", lambda docx: b"%PDF-1.4 poster\n%%EOF")
    with session_scope() as session:
        own_site, other_site = session.exec(select(Site.code).order_by(Site.id).limit(2)).all()
    own = seed_pilot(OWN_COMPANY, own_site, "PF-T-OWN")
    other = seed_pilot(OTHER_COMPANY, other_site, "PF-T-OTHER")
    keys = {"anonymous": None, "non-ASCII key": "ключ".encode(), "development key": "test-key"}
    people = {
        "coordinator": {"role": "coordinator"},
        "staff": {"role": "staff"},
        "company representative": {"role": "company_representative", "company_registration": OWN_COMPANY},
        "site representative": {"role": "site_representative", "site_code": own_site},
        "revoked token": {"role": "coordinator"},
        "expired token": {"role": "coordinator"},
    }
    with session_scope() as session:
        for who, fields in people.items():
            email = f"{who.replace(' ', '.')}@pilotflow.example"
            users.add_user(session, name=who.title(), email=email, **fields)
            now = utcnow() - timedelta(days=40) if who == "expired token" else None
            row, keys[who] = users.create_token(session, email=email, name="tests", days=30, now=now)
            if who == "revoked token":
                users.revoke_token(session, row.id)
        users.assign(session, "coordinator@pilotflow.example", own["application"])
        users.assign(session, "revoked.token@pilotflow.example", own["application"])
        users.assign(session, "expired.token@pilotflow.example", own["application"])
    return {"own": own, "other": other, "keys": keys}


@pytest.fixture
def client(world):
    app = create_app()
    app.dependency_overrides[get_gateway] = WaitingGateway
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def csv_body(ids: dict) -> bytes:
    return f"kpi,value,measured_at,source\n{ids['kpi']},12.5,{local_today().isoformat()},paper\n".encode()


# route -> how to call it about one pilot's ids (method, path, keyword arguments for the client)
ROUTES = {
    "read application": lambda ids, party: ("get", f"/applications/{ids['application']}", {}),
    "start stage": lambda ids, party: ("post", f"/applications/{ids['application']}/stages/monitoring/runs", {}),
    "decide": lambda ids, party: ("post", f"/applications/{ids['application']}/decision",
                                  {"json": {"decision": "approve", "coordinator": "A. Sidorova"}}),
    "conclusions": lambda ids, party: ("post", f"/applications/{ids['application']}/conclusions",
                                       {"json": {"coordinator": "A. Sidorova", "conclusions": "Worked."}}),
    "company details": lambda ids, party: ("post", f"/applications/{ids['application']}/company-details",
                                           {"json": {"accept": True}}),
    "read flow run": lambda ids, party: ("get", f"/flow-runs/{ids['run']}", {}),
    "read contract": lambda ids, party: ("get", f"/contracts/{ids['contract']}", {}),
    "sign own party": lambda ids, party: ("post", f"/contracts/{ids['contract']}/signatures", {"data": {
        "party": party, "signatory_name": "I. Smirnov", "signed_on": local_today().isoformat()}}),
    "sign for the agency": lambda ids, party: ("post", f"/contracts/{ids['contract']}/signatures", {"data": {
        "party": "agency", "signatory_name": "A. Sidorova", "signed_on": local_today().isoformat()}}),
    "download document": lambda ids, party: ("get", f"/documents/{ids['document']}", {}),
    "measurement": lambda ids, party: ("post", f"/pilots/{ids['pilot']}/measurements", {"json": {
        "kpi_code": ids["kpi"], "value": 12.5, "measured_at": local_today().isoformat()}}),
    "measurements csv": lambda ids, party: ("post", f"/pilots/{ids['pilot']}/measurements/csv", {
        "content": csv_body(ids), "headers": {"Content-Type": "text/csv"}}),
    "paper feedback": lambda ids, party: ("post", f"/pilots/{ids['pilot']}/feedback", {"json": {"rating": 4}}),
    "feedback link": lambda ids, party: ("get", f"/pilots/{ids['pilot']}/feedback-link", {}),
    "feedback qr": lambda ids, party: ("get", f"/pilots/{ids['pilot']}/feedback-qr.png", {}),
    "poster docx": lambda ids, party: ("get", f"/pilots/{ids['pilot']}/feedback-poster.docx", {}),
    "poster pdf": lambda ids, party: ("get", f"/pilots/{ids['pilot']}/feedback-poster.pdf", {}),
    "notifications": lambda ids, party: ("get", f"/pilots/{ids['pilot']}/notifications", {}),
}
# Routes about the program as a whole: no pilot of anyone's.
PROGRAM_ROUTES = {
    "list contracts": ("get", "/contracts", {}),
    "stats": ("get", "/stats", {}),
    "stats chart": ("get", "/stats/charts/by_sector.png", {}),
    "quarterly report": ("get", "/stats/quarterly-report?language=en", {}),
    "analysis preview": ("post", "/analysis/preview", {"json": None}),  # the body: tests.factories.application()
    "program flow run": ("get", f"/flow-runs/{PROGRAM_RUN}", {}),
}

# Each caller's (own, other) statuses per route, and status per program route. The decision answers 409
# to whoever may decide: no adoption run waits for one on a pilot that runs already (the authorization passed).
AGENCY_ACTS = {"start stage": 202, "decide": 409, "conclusions": 202, "sign own party": 201,
               "sign for the agency": 201, "measurement": 201, "measurements csv": 201, "paper feedback": 201}
READS = {"read application", "read flow run", "read contract", "download document", "feedback link",
         "feedback qr", "poster docx", "poster pdf", "notifications"}


def _agency(acts_on_other: int | None, preview: int) -> tuple[dict, dict]:
    per_route = {route: (200, 200) for route in READS}
    per_route |= {route: (code, code if acts_on_other is None else acts_on_other) for route, code in AGENCY_ACTS.items()}
    # Any coordinator answers for a company's record; these applications' details await no answer.
    per_route["company details"] = (409, 409)
    program = {route: 200 for route in PROGRAM_ROUTES} | {"analysis preview": preview}
    return per_route, program


def _representative() -> tuple[dict, dict]:
    per_route = {route: (200, 404) for route in READS}
    per_route |= {route: (403, 404) for route in AGENCY_ACTS}
    per_route["sign own party"] = (201, 404)
    per_route["company details"] = (403, 404)
    program = {route: 403 for route in PROGRAM_ROUTES} | {"list contracts": 200}
    return per_route, program


def _staff() -> tuple[dict, dict]:
    per_route, program = _agency(None, 403)
    return per_route | {route: (403, 403) for route in [*AGENCY_ACTS, "company details"]}, program


def _company_representative() -> tuple[dict, dict]:
    per_route, program = _representative()
    # The company's own record is theirs to change (by submitting signed in); these await no answer.
    return per_route | {"company details": (409, 404)}, program


EXPECTED = {
    "development key": _agency(None, 200),  # coordinates every pilot
    "coordinator": _agency(403, 200),  # acts on the pilots assigned to them only
    "staff": _staff(),  # reads and downloads everything, acts on nothing
    "company representative": _company_representative(),
    "site representative": _representative(),
} | {caller: ({route: (401, 401) for route in ROUTES}, {route: 401 for route in PROGRAM_ROUTES})
     for caller in ("anonymous", "non-ASCII key", "revoked token", "expired token")}
PARTY = {"company representative": "company", "site representative": "site"}


def call(client, key, method: str, path: str, kwargs: dict):
    headers = dict(kwargs.pop("headers", {}))
    if key is not None:
        headers["X-API-Key"] = key
    return client.request(method, path, headers=headers, **kwargs)


@pytest.mark.parametrize("caller", EXPECTED)
def test_every_route_answers_each_caller_as_the_matrix_says(client, world, caller):
    per_route, program = EXPECTED[caller]
    key, party = world["keys"][caller], PARTY.get(caller, "company")
    got, expected = {}, {}
    for route, make in ROUTES.items():
        for side in ("own", "other"):
            method, path, kwargs = make(world[side], party)
            got[route, side] = call(client, key, method, path, kwargs).status_code
            expected[route, side] = per_route[route][side == "other"]
    for route, (method, path, kwargs) in PROGRAM_ROUTES.items():
        kwargs = {"json": application()} if route == "analysis preview" else dict(kwargs)
        got[route] = call(client, key, method, path, kwargs).status_code
        expected[route] = program[route]
    assert {k: v for k, v in got.items() if v != expected[k]} == {}


def test_a_representative_signs_only_for_their_own_party(client, world):
    own = world["own"]["contract"]
    for caller, wrong in (("company representative", "site"), ("site representative", "agency")):
        response = client.post(f"/contracts/{own}/signatures", headers={"X-API-Key": world["keys"][caller]},
                               data={"party": wrong, "signatory_name": "X", "signed_on": local_today().isoformat()})
        assert response.status_code == 403 and f"not for the {wrong}" in response.json()["detail"]
    with session_scope() as session:
        assert session.exec(select(Signature)).all() == []


def test_another_companys_contract_is_not_found_worded_as_a_missing_id(client, world):
    other = world["other"]["contract"]
    key = {"X-API-Key": world["keys"]["company representative"]}
    hidden = client.get(f"/contracts/{other}", headers=key)
    missing = client.get("/contracts/999999", headers=key)
    assert (hidden.status_code, hidden.json()) == (404, {"detail": f"contract {other} not found"})
    assert missing.status_code == 404 and missing.json() == {"detail": "contract 999999 not found"}


@pytest.mark.parametrize(("caller", "visible"), [
    ("development key", {"own", "other"}), ("coordinator", {"own", "other"}), ("staff", {"own", "other"}),
    ("company representative", {"own"}), ("site representative", {"own"}),
])
def test_the_contract_list_is_filtered_to_what_the_caller_may_read(client, world, caller, visible):
    response = client.get("/contracts", headers={"X-API-Key": world["keys"][caller]})
    assert response.status_code == 200
    assert {c["id"] for c in response.json()} == {world[side]["contract"] for side in visible}


def test_the_principal_is_recorded_as_who_started_signed_and_decided(client, world):
    own = world["own"]
    key = {"X-API-Key": world["keys"]["coordinator"]}
    started = client.post(f"/applications/{own['application']}/stages/monitoring/runs", headers=key)
    assert started.status_code == 202
    signed = client.post(f"/contracts/{own['contract']}/signatures", headers=key,
                         data={"party": "agency", "signatory_name": "A. Sidorova",
                               "signed_on": local_today().isoformat()})
    assert signed.status_code == 201
    with session_scope() as session:
        run = session.exec(select(StageRun).where(StageRun.flow_run_id == started.json()["flow_run_id"])).one()
        assert run.requested_by == "coordinator:coordinator@pilotflow.example"
        assert session.exec(select(Signature)).one().recorded_by == "coordinator:coordinator@pilotflow.example"


def test_a_users_conclusions_are_signed_with_their_own_name(world, database):
    gateway = WaitingGateway()
    resumed = []

    async def resume(flow_run_id, run_input=None):
        resumed.append(run_input["coordinator"])

    gateway.resume = resume
    app = create_app()
    app.dependency_overrides[get_gateway] = lambda: gateway
    body = {"coordinator": "Someone Else", "conclusions": "Worked."}
    path = f"/applications/{world['own']['application']}/conclusions"
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post(path, headers={"X-API-Key": world["keys"]["coordinator"]}, json=body).status_code == 202
        assert client.post(path, headers={"X-API-Key": "test-key"}, json=body).status_code == 202
    assert resumed == ["Coordinator", "Someone Else"]  # the development key has no person: the typed name


def test_the_seed_is_what_the_matrix_assumes(world):
    with session_scope() as session:
        own, other = (session.get(Application, world[side]["application"]) for side in ("own", "other"))
        assert session.get(Company, own.company_id).registration_number == OWN_COMPANY
        assert own.company_id != other.company_id
        sites = {session.get(Pilot, world[side]["pilot"]).site_id for side in ("own", "other")}
        assert len(sites) == 2


@pytest.mark.parametrize("path", ["/documents/..%2F..%2Fetc%2Fpasswd", "/documents/1%2F..%2F..", "/documents/-1"])
def test_a_document_id_is_a_number_not_a_path(client, world, path):
    assert client.get(path, headers={"X-API-Key": "test-key"}).status_code in (404, 422)


def test_a_stored_key_outside_the_document_store_is_never_read(client, world):
    with session_scope() as session:
        document = session.get(Document, world["own"]["document"])
        document.storage_key = "../../../../etc/passwd"
        session.add(document)
    response = client.get(f"/documents/{world['own']['document']}", headers={"X-API-Key": "test-key"})
    assert response.status_code == 404 and response.json() == {
        "detail": "the document's file is not in the document store"}


def _needs_principal(dependant) -> bool:
    return any(d.call is require_principal or _needs_principal(d) for d in dependant.dependencies)


def test_every_route_but_the_public_ones_needs_a_principal_and_is_in_the_matrix():
    """A new route joins the matrix above, or the public list here, deliberately."""
    public = {("POST", "/applications"), ("GET", "/health"), ("GET", "/feedback/{token}"),
              ("POST", "/feedback/{token}")}
    modules = [importlib.import_module(f"api.routers.{m.name}") for m in pkgutil.iter_modules(api.routers.__path__)]
    routes = [(method, route) for module in modules for route in module.router.routes
              if isinstance(route, APIRoute) for method in route.methods]
    assert {(method, route.path) for method, route in routes if not _needs_principal(route.dependant)} == public
    ids = {"application": 1, "pilot": 2, "contract": 3, "document": 4, "run": str(uuid.uuid4()), "kpi": "K"}
    walked = [ROUTES[name](ids, "company")[:2] for name in ROUTES] + [
        (method, path.split("?")[0]) for method, path, _ in PROGRAM_ROUTES.values()]
    unwalked = {(method, route.path) for method, route in routes if (method, route.path) not in public
                and not any(m.upper() == method and route.path_regex.match(path) for m, path in walked)}
    assert unwalked == set()
