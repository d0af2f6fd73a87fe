"""Hostile and broken input (issue 7): oversized and deeply nested bodies, bytes that are not UTF-8, SQL and
template syntax that must reach the contract and the report literally, dates in the wrong order, a KPI target
equal to its baseline, a pilot with no feedback at all. Bad input is a 4xx with a message, never a 500."""

import io
from datetime import date, timedelta

import pytest
from docx import Document as WordDocument
from sqlmodel import func, select

from documents.store import DocumentStore
from flows.adoption import generate_contract
from flows.evaluation import evaluate, generate_report
from models.db import session_scope
from models.monitoring import monitor_batch
from models.rules.adoption import adjusted_kpis
from models.rules.evaluation import kpi_result
from models.rules.monitoring import classify_kpi, progress
from models.rules.timeline import Timeline
from models.schemas import EvaluationInput
from models.settings import get_settings, local_today
from models.tables import Application, Checkpoint, Company, Document, Feedback, Measurement, Methodology, Pilot
from tests.api.test_api import KEY, client, gateway  # noqa: F401  (fixtures)
from tests.factories import application
from tests.piloting import give_feedback, measure_targets, pilot_days, piloting_application

SQL = "'; DROP TABLE application; --"
TEMPLATE = "{{ 7*7 }} {% for %} {{ config }} {#"
HOSTILE = f"{SQL} {TEMPLATE} <b>&amp;</b>"
JSON = {"Content-Type": "application/json"}


def count(model) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def hostile(label: str) -> str:
    """A distinct hostile text per field, so that each one can be found in the document."""
    return f"{label}: {HOSTILE}"


# --- size, nesting, encoding ---------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_with_a_message(client):
    limit = get_settings().max_request_body_bytes
    body = b'{"title": "' + b"x" * limit + b'"}'
    response = client.post("/applications", content=body, headers=JSON)
    assert response.status_code == 413 and str(limit) in response.json()["detail"]
    # The same when the body streams without a Content-Length.
    response = client.post("/applications", content=iter([body[:limit // 2], body[limit // 2:]]), headers=JSON)
    assert response.status_code == 413
    assert count(Application) == 0


def test_an_upload_over_the_upload_limit_is_413_before_the_route_reads_it(client):
    limit = get_settings().max_upload_body_bytes
    files = {"scan": ("signed.pdf", b"%PDF-1.4 " + b"0" * limit, "application/pdf")}
    response = client.post("/contracts/1/signatures", headers=KEY, files=files,
                           data={"party": "company", "signatory_name": "I. Smirnov", "signed_on": "2026-12-01"})
    assert response.status_code == 413 and "larger than" in response.json()["detail"]


def test_a_content_length_that_is_not_a_number_is_400(client):
    response = client.post("/applications", content=b"{}", headers={**JSON, "Content-Length": "many"})
    assert response.status_code == 400


@pytest.mark.parametrize("depth", [33, 100_000])
@pytest.mark.parametrize(("path", "needs_key"), [("/applications", False), ("/analysis/preview", True),
                                                 ("/feedback/some-token", False)])
def test_deeply_nested_json_is_422_not_a_recursion_error(client, depth, path, needs_key):
    body = b'{"a": ' * depth + b"1" + b"}" * depth
    response = client.post(path, content=body, headers={**JSON, **(KEY if needs_key else {})})
    assert response.status_code == 422 and "nested deeper" in response.json()["detail"][0]["msg"]


def test_brackets_inside_strings_do_not_count_as_nesting(client):
    body = application(description="[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{ "
                                   "a perfectly ordinary description of a technology worth piloting in the city")
    assert client.post("/applications", json=body).status_code == 201


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/octet-stream", None])
def test_bytes_that_are_not_utf8_are_422(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/applications", content=b'{"title": "\xff\xfe\xc3"}', headers=headers)
    assert response.status_code == 422 and response.json()["detail"]
    assert count(Application) == 0


def test_invalid_utf8_in_a_feedback_answer_is_422(client):
    response = client.post("/feedback/some-token", content=b'{"rating": 5, "nps": 9, "comment": "\xed\xa0\x80"}',
                           headers=JSON)
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/applications/99999999999999999999", "/applications/2147483648",
                                  "/pilots/9223372036854775808/feedback-link", "/documents/4294967296",
                                  "/contracts?application_id=2147483648"])
def test_ids_beyond_what_the_database_holds_are_not_a_500(client, path):
    response = client.get(path, headers=KEY)
    # SQLite holds 64-bit ids, PostgreSQL 32-bit ones: no such row (404, or an empty list), or 422 out of range.
    assert response.status_code in (200, 404, 422), response.text
    assert response.json() == [] if response.status_code == 200 else response.json()["detail"]


def test_a_nul_character_in_text_is_422(client):
    response = client.post("/applications", json=application(title="queue\x00analytics"))
    assert response.status_code == 422 and "title" in str(response.json()["detail"])


# --- what JSON cannot carry back, control and direction characters, truth values as numbers -----------

SURROGATE_BODY = ('{"company": {"name": "ab\\ud800cd", "registration_number": "7705550101", '
                  '"contact_email": "a@b.example", "signatory_name": "M"}, "title": "Title", '
                  '"description": "A description long enough for the rules to read.", "trl": 3, '
                  '"rating": 5, "nps": 9, "comment": "ab\\ud800cd"}')
NON_FINITE_BODY = '{"rating": NaN, "nps": Infinity, "trl": NaN, "value": -Infinity}'


@pytest.mark.parametrize("path", ["/applications", "/analysis/preview", "/feedback/no-such-link"])
@pytest.mark.parametrize("body", [SURROGATE_BODY, NON_FINITE_BODY], ids=["lone-surrogate", "nan-infinity"])
def test_a_body_json_cannot_echo_back_is_422_with_a_message(client, path, body):
    response = client.post(path, content=body, headers={**KEY, **JSON})
    assert response.status_code == 422, response.text
    assert response.json()["detail"]  # JSON, and it says what is wrong


def test_a_feedback_answer_with_a_non_finite_rating_is_422_naming_it(client, pilot_id):
    with session_scope() as session:
        token = session.get(Pilot, pilot_id).feedback_token
    response = client.post(f"/feedback/{token}", content='{"rating": NaN, "nps": 9}', headers=JSON)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "rating"]


def test_a_csv_cell_over_the_csv_modules_limit_is_422_naming_its_line(client, pilot_id):
    day = (local_today() - timedelta(days=1)).isoformat()
    with session_scope() as session:
        kpi = session.get(Methodology, session.get(Pilot, pilot_id).methodology_id).kpis[0]["code"]
    text = f"kpi,value,measured_at\n{kpi},15,{day}\n{kpi},{'9' * 140_000},{day}\n"
    response = client.post(f"/pilots/{pilot_id}/measurements/csv", content=text,
                           headers={**KEY, "Content-Type": "text/csv"})
    assert response.status_code == 422, response.text
    assert [(e["line"], "field limit" in e["msg"]) for e in response.json()["detail"]] == [(3, True)]
    assert count(Measurement) == 0


@pytest.mark.parametrize("field, value", [
    ("signatory_name", "RTL\u202eoverride"), ("name", "Isolate\u2066d\u2069"), ("signatory_title", "CSI\u009b31m"),
    ("address", "DEL\u007f"),
])
def test_direction_and_control_characters_in_a_partys_details_are_422_naming_the_field(client, field, value):
    response = client.post("/applications", json=application(**{f"company_{field}": value}))
    assert response.status_code == 422, response.text
    assert field in str(response.json()["detail"])
    assert count(Application) == 0


def test_a_title_of_zero_width_characters_only_is_422(client):
    response = client.post("/applications", json=application(title="\u200b\u200b\u200b"))
    assert response.status_code == 422 and "visible characters" in str(response.json()["detail"])


def test_a_citizens_comment_keeps_direction_marks_they_typed(client, pilot_id):
    """Free text is the citizen's own: an Arabic or Hebrew comment may carry direction marks."""
    with session_scope() as session:
        token = session.get(Pilot, pilot_id).feedback_token
    comment = "\u202bשלום\u202c, удобно"
    response = client.post(f"/feedback/{token}", json={"rating": 5, "nps": 9, "comment": comment})
    assert response.status_code == 201, response.text
    with session_scope() as session:
        assert session.exec(select(Feedback.comment)).one() == comment


@pytest.mark.parametrize("body", [{"rating": True, "nps": 9}, {"rating": 5, "nps": False}])
def test_true_and_false_are_not_numbers_in_a_feedback_answer(client, pilot_id, body):
    with session_scope() as session:
        token = session.get(Pilot, pilot_id).feedback_token
    response = client.post(f"/feedback/{token}", json=body)
    assert response.status_code == 422 and "not true or false" in str(response.json()["detail"])
    assert count(Feedback) == 0


def test_true_and_false_are_not_numbers_in_an_application(client):
    response = client.post("/applications", json=application(team_experience_years=False))
    assert response.status_code == 422 and "team_experience_years" in str(response.json()["detail"])


# --- SQL and template syntax, literally ------------------------------------------------------------

TEXT_FIELDS = ["title", "description", "target_users", "wants_to_test"]
COMPANY_TEXT_FIELDS = ["name", "address", "signatory_name", "signatory_title"]


def test_sql_and_template_syntax_in_every_text_field_is_stored_literally(client):
    body = application(**{field: hostile(field) + (" a long enough description of the technology" * 3
                                                   if field == "description" else "")
                          for field in TEXT_FIELDS},
                       **{f"company_{field}": hostile(field)[:200] for field in COMPANY_TEXT_FIELDS})
    response = client.post("/applications", json=body)
    assert response.status_code == 201, response.text
    read = client.get(f"/applications/{response.json()['id']}", headers=KEY).json()
    assert read["title"] == body["title"] and read["description"] == body["description"]
    assert read["company"]["name"] == body["company"]["name"]
    with session_scope() as session:
        stored = session.get(Application, response.json()["id"])
        for field in TEXT_FIELDS:
            assert getattr(stored, field) == body[field]
        company = session.get(Company, stored.company_id)
        for field in COMPANY_TEXT_FIELDS:
            assert getattr(company, field) == body["company"][field]
    assert count(Application) == 1  # the table is still there


def document_text(content: bytes) -> str:
    document = WordDocument(io.BytesIO(content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(texts)


def stored_text(document_id: int) -> str:
    with session_scope() as session:
        document = session.get(Document, document_id)
        return document_text(DocumentStore(get_settings().document_dir).read(document.storage_key, document.sha256))


def assert_literal(text: str, values: list[str]) -> None:
    for value in values:
        assert value in text, f"{value!r} is not in the document literally"
    assert "{{ 7*7 }} {% for %} {{ config }} {#" in text  # printed, never evaluated


@pytest.fixture
def no_pdf(monkeypatch):
    """The documents' text is what is checked here; LibreOffice's PDF is tested elsewhere."""
    monkeypatch.setattr("documents.registry.pdf_rendition", lambda content: None)


def hostile_pilot(start: date) -> tuple[int, dict[str, str]]:
    """A pilot whose application and company carry hostile text in every text field that documents print."""
    values = {}
    with session_scope() as session:
        pilot = piloting_application(session, start=start)
        application_row = session.get(Application, pilot.application_id)
        company = session.get(Company, pilot.company_id)
        for field in ("title", "description"):
            values[field] = hostile(field)
            setattr(application_row, field, values[field])
        for field in COMPANY_TEXT_FIELDS:
            values[f"company_{field}"] = hostile(f"company {field}")
            setattr(company, field, values[f"company_{field}"])
        return pilot.application_id, values


def test_hostile_text_reaches_the_contract_literally(database, no_pdf):
    application_id, values = hostile_pilot(local_today() + timedelta(days=14))
    contract_id = generate_contract.fn(application_id)
    with session_scope() as session:
        from models.tables import Contract
        document_id = session.get(Contract, contract_id).document_id
    assert_literal(stored_text(document_id), list(values.values()))


def test_hostile_text_reaches_the_report_literally_and_a_pilot_without_feedback_is_reported(database, no_pdf):
    application_id, values = hostile_pilot(local_today() - timedelta(weeks=12))
    with session_scope() as session:
        pilot = session.exec(select(Pilot).where(Pilot.application_id == application_id)).one()
        measure_targets(session, pilot, pilot_days(pilot, 3))
    assert count(Feedback) == 0
    evaluation = evaluate.fn(application_id, local_today())
    assert evaluation["feedback"]["respondents"] in (0, None) or evaluation["feedback"].get("n") in (0, None)
    conclusions = EvaluationInput(coordinator=hostile("coordinator")[:200], conclusions=hostile("conclusions"),
                                  expert=hostile("expert")[:200], expert_conclusions=hostile("expert conclusions"))
    document_id = generate_report.fn(application_id, evaluation, conclusions, local_today())
    text = stored_text(document_id)
    assert_literal(text, [values["title"], values["company_name"], conclusions.conclusions,
                          conclusions.expert_conclusions])


def test_hostile_feedback_comments_reach_the_report_literally(database, no_pdf):
    application_id, _ = hostile_pilot(local_today() - timedelta(weeks=12))
    with session_scope() as session:
        pilot = session.exec(select(Pilot).where(Pilot.application_id == application_id)).one()
        measure_targets(session, pilot, pilot_days(pilot, 3))
        give_feedback(session, pilot, [5, 4, 2] * 10, comment=hostile("comment"))
    evaluation = evaluate.fn(application_id, local_today())
    document_id = generate_report.fn(application_id, evaluation, EvaluationInput(coordinator="A. Sidorova"),
                                     local_today())
    text = stored_text(document_id)
    if "comment:" in text:  # quoted when the report picks it as a theme's example
        assert hostile("comment") in text


# --- dates in the wrong order ----------------------------------------------------------------------


@pytest.fixture
def pilot_id(client) -> int:
    with session_scope() as session:
        return piloting_application(session, start=local_today() - timedelta(weeks=4)).id


def test_a_measurement_from_the_future_is_422(client, pilot_id):
    with session_scope() as session:
        from models.tables import Methodology
        kpi = session.get(Methodology, session.get(Pilot, pilot_id).methodology_id).kpis[0]["code"]
    response = client.post(f"/pilots/{pilot_id}/measurements", headers=KEY,
                           json={"kpi_code": kpi, "value": 1, "measured_at": str(local_today() + timedelta(days=3))})
    assert response.status_code == 422


def test_monitoring_before_the_pilot_started_does_not_fail(client):
    with session_scope() as session:
        pilot = piloting_application(session, start=local_today() + timedelta(weeks=2))
    with session_scope() as session:
        monitor_batch(session, [pilot.id], local_today(), None)
    with session_scope() as session:
        checkpoint = session.exec(select(Checkpoint).where(Checkpoint.pilot_id == pilot.id)).one()
        assert checkpoint.timeline  # days left etc., whatever the order of the dates


# --- a KPI target equal to its baseline ------------------------------------------------------------

KPI = {"code": "Q", "direction": "decrease", "baseline": 12.0, "target": 12.0, "minimum_acceptable": 9.0,
       "unit": "min", "frequency_days": 7, "name_en": "Queue", "name_ru": "Очередь", "primary": True}


def test_a_target_equal_to_its_baseline_is_refused_by_the_decision_rules():
    with pytest.raises(ValueError, match="Q"):
        adjusted_kpis([{**KPI, "target": 6.0}], [("Q", 12.0)])


@pytest.mark.parametrize(("value", "met", "worse"), [(12.0, True, False), (10.0, True, False), (14.0, False, True)])
def test_a_target_equal_to_its_baseline_divides_by_nothing(value, met, worse):
    start = date(2026, 1, 1)
    assert (progress(KPI, value) >= 1.0) is met
    verdict = classify_kpi(KPI, (value, start + timedelta(days=30)), 0.5, start + timedelta(days=31), start)
    assert verdict["status"] == ("off_track" if worse else "on_track")
    readings = [(start + timedelta(days=day), value) for day in (30, 40, 50)]  # a verdict needs three readings
    row = kpi_result(KPI, readings, Timeline(start, start + timedelta(days=60)))
    assert row["met"] is met and row["worse"] is worse


# --- a pilot with no feedback at all ---------------------------------------------------------------


def test_monitoring_a_pilot_with_no_feedback_at_all(client):
    with session_scope() as session:
        pilot = piloting_application(session, start=local_today() - timedelta(weeks=4))
    with session_scope() as session:
        monitor_batch(session, [pilot.id], local_today(), None)
    with session_scope() as session:
        checkpoint = session.exec(select(Checkpoint).where(Checkpoint.pilot_id == pilot.id)).one()
    assert checkpoint.feedback_summary["respondents"] == 0
    assert checkpoint.feedback_summary["csat_share"] is None and checkpoint.feedback_summary["nps"] is None
