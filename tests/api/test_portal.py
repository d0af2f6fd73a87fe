"""The portal over HTTP without a browser (SQLite and PostgreSQL): the session cookie, CSRF, the sign-in
throttle, who sees which application, the citizen form's validation, bad input answered with a page and a
4xx; the password command. The browser tests (tests/browser/) drive the same pages in Chromium."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from admin.cli import main as pilotflow
from api.deps import get_gateway
from api.main import create_app
from flows.analysis import analyse_technology, load_inputs, store_analysis
from models import users
from models.db import session_scope
from models.permissions import Action, Principal, Role, Verdict, authorize
from models.settings import local_today
from models.signin import SignInThrottle
from models.stages import Actor
from models.tables import Application, Feedback, Pilot, SignInFailure, User
from tests.api.test_api import RecordingGateway
from tests.api.test_auth import add_user, new_application, new_pilot
from tests.api.test_feedback import stored, token_of
from tests.pilots import make_pilot

PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def portal(database):
    app = create_app()
    pages = next(route.app for route in app.routes if getattr(route, "path", None) == "/portal")
    pages.dependency_overrides[get_gateway] = RecordingGateway
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def person(role: str, email: str, **represents) -> str:
    add_user(role, email, **represents)
    with session_scope() as session:
        users.set_password(session, email, PASSWORD)
    return email


def csrf(client: TestClient, path: str) -> str:
    return CSRF.search(client.get(path).text).group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, **extra):
    return client.post("/portal/login", data={"email": email, "password": password,
                                              "csrf_token": csrf(client, "/portal/login"), **extra})


def test_sign_in_sets_a_signed_http_only_lax_cookie_and_a_new_password_ends_the_session(portal):
    email = person("staff", "m.ivanova@agency.example")
    response = portal.get("/portal/applications")
    assert response.status_code == 303 and response.headers["location"] == "/portal/login?next=%2Fportal%2Fapplications"
    response = sign_in(portal, "M.Ivanova@Agency.example ", back_to="/portal/contracts")
    assert response.status_code == 303 and response.headers["location"] == "/portal/contracts"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/portal" in cookie
    page = portal.get("/portal/applications")
    assert page.status_code == 200 and '<html lang="ru">' in page.text and "m.ivanova (сотрудник агентства)" in page.text
    assert '<html lang="en">' in portal.get("/portal/applications?lang=en").text
    assert '<html lang="en">' in portal.get("/portal/contracts").text  # the choice stays for the session

    with session_scope() as session:
        users.set_password(session, email, "another long password")
    assert portal.get("/portal/applications").status_code == 303


def test_a_deactivated_user_is_out_at_once_and_sign_out_needs_the_form(portal):
    email = person("staff", "b@agency.example")
    sign_in(portal, email)
    assert portal.post("/portal/logout").status_code == 403  # no CSRF token: not a sign-out from another site
    assert portal.get("/portal/contracts").status_code == 200
    with session_scope() as session:
        users.set_active(session, email, False)
    assert portal.get("/portal/contracts").status_code == 303
    assert sign_in(portal, email).status_code == 401


@pytest.mark.parametrize("back_to", ["https://evil.example/portal/", "//evil.example/portal/x", "/portal\\..\\x",
                                     "/applications"])
def test_after_signing_in_only_a_portal_page_is_a_destination(portal, back_to):
    person("staff", "c@agency.example")
    response = sign_in(portal, "c@agency.example", back_to=back_to)
    assert response.status_code == 303 and response.headers["location"] == "/portal/applications"


def test_forms_without_the_session_csrf_token_are_refused(portal):
    person("staff", "d@agency.example")
    response = portal.post("/portal/login", data={"email": "d@agency.example", "password": PASSWORD})
    assert response.status_code == 403 and "Обновите её" in response.text
    response = portal.post("/portal/login", data={"email": "d@agency.example", "password": PASSWORD,
                                                  "csrf_token": "forged"})
    assert response.status_code == 403
    token = token_of(make_pilot(local_today() - timedelta(days=10)))
    assert portal.post(f"/portal/feedback/{token}", data={"rating": "5", "nps": "9"}).status_code == 403
    assert stored(Feedback) == 0


def test_sign_in_is_throttled_after_five_failures_for_the_e_mail(portal):
    email = person("staff", "e@agency.example")
    for _ in range(5):
        response = sign_in(portal, email, "wrong password")
        assert response.status_code == 401 and "Неверная почта или пароль" in response.text
    response = sign_in(portal, email)  # even the right password waits now
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 800
    assert "Попробуйте снова через 15 мин" in response.text
    assert sign_in(portal, "nobody@agency.example", "wrong password").status_code == 401  # another e-mail


def test_the_throttle_forgets_failures_once_they_leave_the_window(database):
    throttle = SignInThrottle(per_email=2, per_address=100, window=timedelta(seconds=900))
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    at = lambda seconds: start + timedelta(seconds=seconds)  # noqa: E731
    with session_scope() as session:
        throttle.failed(session, "a@x.example", "10.0.0.1", at(0))
        assert throttle.retry_after(session, "a@x.example", "10.0.0.1", at(0)) == 0  # one failure, limit two
        throttle.failed(session, "a@x.example", "10.0.0.1", at(10))
        assert throttle.retry_after(session, "a@x.example", "10.0.0.1", at(899)) == 1  # the first leaves at 900
        assert throttle.retry_after(session, "a@x.example", "10.0.0.1", at(901)) == 0
        throttle.failed(session, "b@x.example", "10.0.0.2", at(911))  # and the two old rows are deleted
        assert session.exec(select(func.count()).select_from(SignInFailure)).one() == 2


def test_every_api_process_counts_the_same_failures(database):
    """Two processes are two sessions on one database: failures seen by one throttle the other."""
    throttle = SignInThrottle(per_email=5, per_address=30)
    for _ in range(5):
        with session_scope() as first_process:
            throttle.failed(first_process, "c@x.example", "10.0.0.3")
    with session_scope() as second_process:
        assert 890 < throttle.retry_after(second_process, "c@x.example", "10.0.0.4") <= 900
        throttle.succeeded(second_process, "c@x.example")  # the right password, once the wait is over
    with session_scope() as first_process:
        assert throttle.retry_after(first_process, "c@x.example", "10.0.0.3") == 0


def test_an_unknown_e_mail_and_a_wrong_password_get_the_same_answer(portal):
    person("staff", "f@agency.example")
    unknown, wrong = sign_in(portal, "ghost@agency.example"), sign_in(portal, "f@agency.example", "wrong password")
    assert unknown.status_code == wrong.status_code == 401
    assert CSRF.sub("", unknown.text).replace("ghost", "f") == CSRF.sub("", wrong.text)


def test_representatives_see_their_own_applications_and_nothing_else(portal):
    own, other = new_application(), new_application(company_registration_number="7728168971",
                                                    title="Another company's sensors")
    own_pilot, own_document = new_pilot(own, "RS-001")
    other_pilot, other_document = new_pilot(other, "TR-001")
    person("company_representative", "ceo@sever-lab.example", company_registration="7707083893")
    sign_in(portal, "ceo@sever-lab.example")
    listing = portal.get("/portal/applications")
    assert listing.status_code == 200 and "Найдено: 1" in listing.text and "Another company" not in listing.text
    assert "R&amp;D &lt;Lab&gt; «Север» {{ x }}" in listing.text  # the company's name, as text
    for path in (f"/portal/applications/{other}", f"/portal/pilots/{other_pilot}",
                 f"/portal/documents/{other_document}"):
        response = portal.get(path)
        assert response.status_code == 404 and "Another company" not in response.text, path
    assert portal.get(f"/portal/pilots/{own_pilot}").headers["location"] == f"/portal/applications/{own}#pilot"
    assert portal.get(f"/portal/applications/{own}").status_code == 200
    assert portal.get("/portal/dashboard").status_code == 403


def test_the_list_filter_agrees_with_authorize_for_every_role(database):
    """visible_applications() is authorize(READ) for a whole list: the two must never disagree."""
    first, second = new_application(), new_application(company_registration_number="7728168971")
    new_pilot(first, "RS-001")
    with session_scope() as session:
        coordinator = users.add_user(session, name="A", email="a@agency.example", role="coordinator")
        users.assign(session, "a@agency.example", second)
        company, site = (session.get(Application, first).company_id,
                         session.exec(select(Pilot.site_id).where(Pilot.application_id == first)).one())
        principals = [
            Principal("staff", Role.STAFF), Principal("coordinator", Role.COORDINATOR, user_id=coordinator.id),
            Principal("development key", Role.COORDINATOR, coordinates_everything=True),
            Principal("company", Role.COMPANY_REPRESENTATIVE, company_id=company),
            Principal("site", Role.SITE_REPRESENTATIVE, site_id=site),
            Principal("nobody's representative", Role.COMPANY_REPRESENTATIVE),
        ]
        for principal in principals:
            for action in (Action.READ, Action.START_STAGE):
                listed = set(session.exec(select(Application.id).where(users.visible_applications(principal, action))))
                allowed = {key for key in (first, second) if authorize(
                    principal, action, users.application_resource(session, key)) is Verdict.ALLOWED}
                assert listed == allowed, (principal.name, action)


def test_the_analysis_reasons_read_in_the_page_language(portal):
    application_id = new_application()
    facts, language, sites = load_inputs.fn(application_id)
    store_analysis.fn(application_id, analyse_technology.fn(facts, sites, language, local_today(), False),
                      Actor.COORDINATOR)
    person("staff", "h@agency.example")
    sign_in(portal, "h@agency.example")
    russian = portal.get(f"/portal/applications/{application_id}").text
    assert "та же отрасль" in russian and "совпадения с потребностью площадки: «" in russian
    assert "same sector" not in russian and "need matches" not in russian and "visitors a day" not in russian
    english = portal.get(f"/portal/applications/{application_id}?lang=en").text
    assert "same sector" in english and "need matches: &#39;" in english and "та же отрасль" not in english


@pytest.mark.parametrize("path", [
    "/portal/applications?stage=bogus", "/portal/applications?status=%00", "/portal/applications?sector=mars",
    "/portal/applications?site=XX-999", "/portal/applications?page=abc", "/portal/applications?page=99",
    "/portal/applications/abc", "/portal/documents/1?format=exe", "/portal/contracts?status=lost",
    "/portal/applications/999999", "/portal/pilots/-1", "/portal/no-such-page",
])
def test_bad_input_gets_a_page_with_a_4xx_never_a_500(portal, path):
    person("staff", "g@agency.example")
    sign_in(portal, "g@agency.example")
    response = portal.get(path)
    assert 400 <= response.status_code < 500 and response.headers["content-type"].startswith("text/html")
    assert "Ошибка" in response.text and "Traceback" not in response.text


def test_a_sign_in_form_with_fields_missing_or_too_long_gets_a_page_not_a_500(portal):
    token = csrf(portal, "/portal/login")
    for data in ({"csrf_token": token}, {"csrf_token": token, "email": "x" * 300, "password": "p"},
                 {"csrf_token": token, "email": "a@agency.example", "password": "p" * 1001}):
        response = portal.post("/portal/login", data=data)
        assert response.status_code == 422 and "Проверьте введённые данные" in response.text


def test_the_qr_code_link_opens_the_citizen_page(portal):
    token = token_of(make_pilot(local_today() - timedelta(days=10)))
    response = portal.get(f"/feedback/{token}?lang=en")
    assert response.status_code == 307 and response.headers["location"] == f"/portal/feedback/{token}?lang=en"
    page = portal.get(response.headers["location"])
    assert page.status_code == 200 and "Rate “Electronic queue kiosk”" in page.text and '<html lang="en">' in page.text
    assert portal.get("/portal/feedback/unknown-token").status_code == 404
    ended = token_of(make_pilot(local_today() - timedelta(days=100), weeks=4, status="completed"))
    page = portal.get(f"/portal/feedback/{ended}")  # still in English: the session keeps the choice
    assert page.status_code == 409 and "no longer collects feedback" in page.text


@pytest.mark.parametrize(("answers", "status", "message"), [
    ({"nps": "9"}, 422, "Выберите оценку от 1 до 5"),
    ({"rating": "6", "nps": "9"}, 422, "Выберите оценку от 1 до 5"),
    ({"rating": "4"}, 422, "Выберите число от 0 до 10"),
    ({"rating": "4", "nps": "9", "sus_1": "4", "sus_2": "2"}, 422, "Ответьте на все десять"),
    ({"rating": "4", "nps": "9", "age_band": "70"}, 422, "Выберите возраст из списка"),
    ({"rating": "4", "nps": "9", "phone": "+7 900 000-00-00"}, 422, "лишнее поле: phone"),
    ({"rating": "4", "nps": "9", "comment": "x" * 2001}, 422, "не длиннее 2000 знаков"),
    ({"rating": "4", "nps": "9", "comment": "Удобно", "age_band": "65+", "has_disability": "yes",
      **{f"sus_{n}": "3" for n in range(1, 11)}}, 303, None),
])
def test_the_citizen_form_is_checked_by_the_feedback_endpoint_schema(portal, answers, status, message):
    pilot_id = make_pilot(local_today() - timedelta(days=10))
    token = token_of(pilot_id)
    response = portal.post(f"/portal/feedback/{token}",
                           data={**answers, "csrf_token": csrf(portal, f"/portal/feedback/{token}")})
    assert response.status_code == status
    if message:
        assert message in response.text and 'role="alert"' in response.text and stored(Feedback) == 0
        if answers.get("nps") == "9":
            assert re.search(r'name="nps" value="9" required\s+checked', response.text)  # answers stay
        if "rating" not in answers:  # the summary's link takes the keyboard to the question
            assert 'href="#rating"' in response.text and 'id="rating"' in response.text
        return
    assert response.headers["location"] == f"/portal/feedback/{token}/thanks"
    with session_scope() as session:
        row = session.exec(select(Feedback)).one()
        assert (row.rating, row.nps, row.age_band, row.has_disability, row.sus) == (4, 9, "65+", True, [3] * 10)
    again = portal.post(f"/portal/feedback/{token}",
                        data={"rating": "5", "nps": "10", "csrf_token": csrf(portal, f"/portal/feedback/{token}")})
    assert again.status_code == 429 and again.headers["retry-after"] == "600" and "уже получен" in again.text


def test_the_password_command_asks_twice_or_reads_stdin(database, capsys, monkeypatch):
    add_user("staff", "h@agency.example")
    answers = iter(["first password!", "second password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert pilotflow(["users", "set-password", "h@agency.example"]) == 1
    assert "differ" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert pilotflow(["users", "set-password", "h@agency.example", "--password-stdin"]) == 1
    assert "10 to 200 characters" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    assert pilotflow(["users", "set-password", "h@agency.example", "--password-stdin"]) == 0
    assert "sign in at /portal/login" in capsys.readouterr().out
    assert pilotflow(["users", "set-password", "ghost@agency.example", "--password-stdin"]) == 1
    with session_scope() as session:
        stored = session.exec(select(User.password_hash)).one()
        assert stored.startswith("scrypt$") and PASSWORD not in stored
        assert users.authenticate(session, "H@agency.example", PASSWORD).email == "h@agency.example"
        assert users.authenticate(session, "h@agency.example", PASSWORD + "x") is None
