"""People, tokens and the principal resolver (api/auth.py) against a real database (SQLite and PostgreSQL)."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import SQLModel, select

from api.auth import DEVELOPMENT_COORDINATOR, PrincipalDep
from models import db, users
from models.application import submit_application
from models.db import session_scope
from models.errors import NotFound
from models.permissions import Action, Role, Verdict, authorize
from models.schemas import ApplicationCreate
from models.tables import Analysis, ApiToken, Application, Document, Methodology, Pilot, Site, utcnow
from tests.factories import application

PEOPLE_TABLES = {"user", "apitoken", "pilotassignment"}


def table_of(difference) -> str:
    """The table an Alembic autogenerate difference is about (other engineers' tables are not ours to check)."""
    operation = difference[0] if isinstance(difference, list) else difference  # modify_* come grouped
    subject = operation[1]
    if isinstance(subject, sa.Table):
        return subject.name
    if isinstance(subject, (sa.Index, sa.Constraint)):
        return subject.table.name
    return operation[2]  # (operation, schema, table, column, ...)


def new_application(**changes) -> int:
    with session_scope() as session:
        return submit_application(session, ApplicationCreate(**application(**changes)), "applicant").id


def new_pilot(application_id: int, site_code: str) -> tuple[int, int]:
    """A pilot with one contract document; returns their ids."""
    with session_scope() as session:
        site = session.exec(select(Site).where(Site.code == site_code)).one()
        company_id = session.get(Application, application_id).company_id
        analysis = Analysis(application_id=application_id, sector=site.sector, score=70.0)
        session.add(analysis)
        session.flush()
        start = date(2026, 12, 1)
        methodology = Methodology(application_id=application_id, analysis_id=analysis.id, site_id=site.id,
                                  duration_weeks=12, start_date=start, end_date=start + timedelta(weeks=12))
        session.add(methodology)
        session.flush()
        pilot = Pilot(application_id=application_id, methodology_id=methodology.id, site_id=site.id,
                      company_id=company_id, contract_number=f"PP-{application_id}", start_date=start,
                      end_date=methodology.end_date)
        session.add(pilot)
        session.flush()
        document = Document(application_id=application_id, pilot_id=pilot.id, kind="contract", language="ru",
                            filename="contract.docx", content_type="application/octet-stream",
                            storage_key="ab/ab.docx", sha256="ab" * 32, size=1, template_name="contract_ru.docx",
                            template_sha256="cd" * 32)
        session.add(document)
        session.flush()
        return pilot.id, document.id


def add_user(role: str, email: str, **represents) -> None:
    with session_scope() as session:
        users.add_user(session, name=email.split("@")[0], email=email, role=role, **represents)


def create_token(email: str, days: int = 30, now=None) -> tuple[int, str]:
    with session_scope() as session:
        row, token = users.create_token(session, email=email, name="laptop", days=days, now=now)
        return row.id, token


def resolve(token: str, now=None):
    with session_scope() as session:
        return users.principal_for_token(session, token, now)


def test_the_migration_creates_the_people_tables_as_the_models_declare_them(database):
    with db.get_engine().connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert [d for d in differences if table_of(d) in PEOPLE_TABLES] == []
    assert PEOPLE_TABLES <= set(sa.inspect(db.get_engine()).get_table_names())


def test_a_token_is_stored_only_as_its_hash_and_resolves_to_its_user(database):
    add_user("coordinator", "A.Sidorova@Agency.example")
    token_id, token = create_token("a.sidorova@agency.example")
    assert token.startswith("pf_") and len(token) > 40
    with session_scope() as session:
        row = session.get(ApiToken, token_id)
        assert row.token_hash == users.hash_token(token) and token not in row.model_dump_json()
        assert row.last_used_at is None
    principal = resolve(token)
    assert (principal.name, principal.role, principal.coordinates_everything) == ("A.Sidorova", Role.COORDINATOR, False)
    with session_scope() as session:
        assert session.get(ApiToken, token_id).last_used_at is not None


def test_the_last_use_is_written_at_most_every_few_minutes(database):
    add_user("staff", "b@agency.example")
    start = utcnow()
    token_id, token = create_token("b@agency.example", now=start)
    for minutes in (0, 1, 4):
        resolve(token, start + timedelta(minutes=minutes))
    with session_scope() as session:
        assert session.get(ApiToken, token_id).last_used_at == start
    resolve(token, start + timedelta(minutes=6))
    with session_scope() as session:
        assert session.get(ApiToken, token_id).last_used_at == start + timedelta(minutes=6)


def test_expired_revoked_and_deactivated_tokens_resolve_to_nobody(database):
    add_user("staff", "c@agency.example")
    add_user("staff", "d@agency.example")
    start = utcnow()
    _, expiring = create_token("c@agency.example", days=1, now=start)
    assert resolve(expiring, start + timedelta(hours=23)) is not None
    assert resolve(expiring, start + timedelta(days=1)) is None
    revoked_id, revoked = create_token("c@agency.example")
    with session_scope() as session:
        users.revoke_token(session, revoked_id)
    assert resolve(revoked) is None
    _, of_deactivated = create_token("d@agency.example")
    with session_scope() as session:
        users.set_active(session, "d@agency.example", False)
    assert resolve(of_deactivated) is None
    with session_scope() as session:
        users.set_active(session, "d@agency.example", True)
    assert resolve(of_deactivated) is not None
    assert resolve("pf_not-a-token") is None


@pytest.fixture
def whoami(database):
    """A route that needs a principal, the way the routers will in phase B."""
    app = FastAPI()

    @app.get("/whoami")
    def who(principal: PrincipalDep) -> dict:
        return {"name": principal.name, "role": principal.role, "everything": principal.coordinates_everything}

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_the_resolver_takes_a_user_token_or_the_development_key(whoami):
    new_application()  # the company is known once it has applied
    add_user("company_representative", "ceo@sever-lab.example", company_registration="7707083893")
    _, token = create_token("ceo@sever-lab.example")
    assert whoami.get("/whoami", headers={"X-API-Key": token}).json() == {
        "name": "ceo", "role": "company_representative", "everything": False}
    assert whoami.get("/whoami", headers={"X-API-Key": "test-key"}).json() == {
        "name": DEVELOPMENT_COORDINATOR.name, "role": "coordinator", "everything": True}


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": ""}, {"X-API-Key": "wrong"},
                                     {"X-API-Key": "pf_" + "x" * 43}, {"X-API-Key": "тест".encode()}])
def test_the_resolver_answers_401_without_a_valid_key(whoami, headers):
    response = whoami.get("/whoami", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "a valid X-API-Key header is required"}


def test_resources_carry_their_company_site_and_coordinators(database):
    application_id = new_application()
    other_id = new_application(company_registration_number="7700000001")
    add_user("coordinator", "anna@agency.example")
    add_user("site_representative", "olga@site.example", site_code="RS-001")
    add_user("company_representative", "ivan@sever-lab.example", company_registration="77-07083893")
    with session_scope() as session:
        users.assign(session, "anna@agency.example", application_id)
        users.assign(session, "anna@agency.example", application_id)  # twice is harmless
    with session_scope() as session:
        before_pilot = users.application_resource(session, application_id)
    assert before_pilot.site_id is None and before_pilot.kind == "application"
    pilot_id, document_id = new_pilot(application_id, "RS-001")
    with session_scope() as session:
        anna, olga, ivan = (users.principal_of(users.find_user(session, email)) for email in
                            ("anna@agency.example", "olga@site.example", "ivan@sever-lab.example"))
        for resource in (users.application_resource(session, application_id),
                         users.pilot_resource(session, pilot_id), users.document_resource(session, document_id)):
            assert resource.coordinator_ids == {anna.user_id} and resource.site_id is not None
            assert authorize(anna, Action.START_STAGE, resource) is Verdict.ALLOWED
            assert authorize(olga, Action.DOWNLOAD, resource) is Verdict.ALLOWED
            assert authorize(ivan, Action.DOWNLOAD, resource) is Verdict.ALLOWED
        other = users.application_resource(session, other_id)
        assert authorize(ivan, Action.READ, other) is Verdict.HIDDEN
        assert authorize(anna, Action.START_STAGE, other) is Verdict.FORBIDDEN
        with pytest.raises(NotFound, match="document 999999 not found"):
            users.document_resource(session, 999999)
    with session_scope() as session:
        users.unassign(session, "anna@agency.example", application_id)
        assert users.application_resource(session, application_id).coordinator_ids == frozenset()
