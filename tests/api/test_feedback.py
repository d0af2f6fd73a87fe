"""Stage 4 over HTTP (SQLite and PostgreSQL): the public feedback link and its 429 rule, the QR code and
poster, and the CSV upload of measurements that stores all rows or none."""

import io
from datetime import timedelta

import pytest
from docx import Document as WordDocument
from sqlmodel import func, select

from documents.pdf import soffice_path
from models.db import session_scope
from models.settings import local_date, local_today
from models.rules.statistics import sus_score
from models.tables import Feedback, Measurement, Pilot
from tests.api.test_api import KEY, client, gateway  # noqa: F401  (fixtures)
from tests.pilots import make_pilot

SUS = [4, 2, 5, 1, 4, 2, 5, 1, 4, 2]
BROWSER = {"User-Agent": "Mozilla/5.0 (Android 14) Mobile"}


@pytest.fixture
def pilot_id(client) -> int:
    return make_pilot(local_today() - timedelta(days=20))


def token_of(pilot_id: int) -> str:
    with session_scope() as session:
        return session.get(Pilot, pilot_id).feedback_token


def stored(model) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_citizen_answer_is_stored_as_given_and_a_quick_repeat_is_429(client, pilot_id):
    token = token_of(pilot_id)
    page = client.get(f"/feedback/{token}")  # the QR code's link opens the portal's citizen page
    assert page.status_code == 200 and page.url.path == f"/portal/feedback/{token}"
    comment = "<script>alert(1)</script> {{ x }} ; DROP TABLE feedback; Удобно"
    body = {"rating": 4, "nps": 9, "sus": SUS, "comment": comment, "age_band": "65+", "has_disability": True}
    response = client.post(f"/feedback/{token}", json=body, headers=BROWSER)
    assert response.status_code == 201 and "Спасибо" in response.json()["thank_you"]
    with session_scope() as session:
        row = session.exec(select(Feedback)).one()
    assert (row.rating, row.nps, row.sus, row.age_band, row.has_disability) == (4, 9, SUS, "65+", True)
    assert row.comment == comment  # text, never interpreted
    assert row.sus_score == sus_score(SUS) == 85.0  # odd items 3+4+3+4+3, even 3+4+3+4+3: 34 x 2.5
    assert len(row.client_hash) == 64 and "testclient" not in row.client_hash

    again = client.post(f"/feedback/{token}", json={"rating": 5, "nps": 10}, headers=BROWSER)
    assert again.status_code == 429 and again.headers["Retry-After"] == "600"
    assert "уже получен" in again.json()["detail"] and "already" in again.json()["detail"]
    other_phone = client.post(f"/feedback/{token}", json={"rating": 5, "nps": 10}, headers={"User-Agent": "iPhone"})
    assert other_phone.status_code == 201
    with session_scope() as session:  # the window has passed for the first phone
        for answer in session.exec(select(Feedback)):
            answer.created_at -= timedelta(minutes=11)
    assert client.post(f"/feedback/{token}", json={"rating": 5, "nps": 10}, headers=BROWSER).status_code == 201
    assert stored(Feedback) == 3


@pytest.mark.parametrize(("body", "field"), [
    ({"nps": 9}, "rating"),
    ({"rating": 6, "nps": 9}, "rating"),
    ({"rating": 4}, "nps"),  # the public link asks both questions
    ({"rating": 4, "nps": 11}, "nps"),
    ({"rating": 4, "nps": 9, "sus": SUS[:9]}, "sus"),
    ({"rating": 4, "nps": 9, "sus": [0] + SUS[1:]}, "sus"),
    ({"rating": 4, "nps": 9, "age_band": "70"}, "age_band"),
    ({"rating": 4, "nps": 9, "phone": "+7 900 000-00-00"}, "phone"),  # no personal data accepted
    ({"rating": 4, "nps": 9, "comment": "x" * 2001}, "comment"),
    ({"rating": 4, "nps": 9, "comment": "bell\x07"}, "comment"),
])
def test_invalid_answers_are_422_naming_the_field(client, pilot_id, body, field):
    response = client.post(f"/feedback/{token_of(pilot_id)}", json=body)
    assert response.status_code == 422
    assert any(field in map(str, error["loc"]) for error in response.json()["detail"])
    assert stored(Feedback) == 0


def test_unknown_link_is_404_and_an_ended_pilot_409(client, pilot_id):
    assert client.post("/feedback/not-a-real-token", json={"rating": 5, "nps": 9}).status_code == 404
    assert client.get("/feedback/not-a-real-token").status_code == 404
    with session_scope() as session:
        session.get(Pilot, pilot_id).status = "completed"
    ended = client.post(f"/feedback/{token_of(pilot_id)}", json={"rating": 5, "nps": 9})
    assert ended.status_code == 409 and "no longer collects feedback" in ended.json()["detail"]


def test_staff_type_in_paper_questionnaires_with_the_key(client, pilot_id):
    assert client.post(f"/pilots/{pilot_id}/feedback", json={"rating": 3}).status_code == 401
    response = client.post(f"/pilots/{pilot_id}/feedback", json={"rating": 3}, headers=KEY)
    assert response.status_code == 201 and stored(Feedback) == 1


@pytest.mark.parametrize("path", ["feedback-link", "feedback-qr.png", "feedback-poster.docx", "feedback-poster.pdf",
                                  "notifications"])
def test_link_downloads_and_notifications_need_the_key(client, pilot_id, path):
    assert client.get(f"/pilots/{pilot_id}/{path}").status_code == 401


def test_feedback_link_qr_code_and_poster(client, pilot_id, database):
    token = token_of(pilot_id)
    link = client.get(f"/pilots/{pilot_id}/feedback-link", headers=KEY).json()
    assert link["url"] == f"http://127.0.0.1:8000/feedback/{token}"
    qr = client.get(f"/pilots/{pilot_id}/feedback-qr.png", headers=KEY)
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png" and qr.content[:4] == b"\x89PNG"
    poster = client.get(f"/pilots/{pilot_id}/feedback-poster.docx", headers=KEY)
    assert poster.status_code == 200 and "attachment" in poster.headers["content-disposition"]
    word = WordDocument(io.BytesIO(poster.content))
    text = "\n".join(p.text for p in word.paragraphs)
    assert link["url"] in text and "Оцените" in text and "Rate this new solution" in text
    assert len(word.inline_shapes) == 1  # the QR code
    if database == "sqlite" and soffice_path():  # one conversion is enough to show the route works
        pdf = client.get(f"/pilots/{pilot_id}/feedback-poster.pdf", headers=KEY)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def upload(client, pilot_id: int, text: str | bytes, content_type: str = "text/csv"):
    return client.post(f"/pilots/{pilot_id}/measurements/csv", content=text,
                       headers={**KEY, "Content-Type": content_type})


def test_csv_upload_stores_every_row(client, pilot_id):
    day = (local_today() - timedelta(days=1)).isoformat()
    response = upload(client, pilot_id, f"kpi,value,measured_at,source\nQUEUE_MIN,15.5,{day},queue log\n"
                                        f"DAILY_USERS,\"130,5\",{day},\n")
    assert response.status_code == 201 and response.json() == {"pilot_id": pilot_id, "stored": 2}
    with session_scope() as session:
        rows = session.exec(select(Measurement).order_by(Measurement.id)).all()
    assert [(m.kpi_code, m.value, m.source) for m in rows] == [("QUEUE_MIN", 15.5, "queue log"),
                                                               ("DAILY_USERS", 130.5, "")]


def test_csv_with_a_bad_line_stores_nothing_and_names_the_line(client, pilot_id):
    day = (local_today() - timedelta(days=1)).isoformat()
    future = (local_today() + timedelta(days=3)).isoformat()
    text = (f"kpi,value,measured_at,source\nQUEUE_MIN,15,{day},log\nQUEUE_MIN,fifteen,{day},log\n"
            f"DAILY_USERS,120,{day},log\nSOMETHING,1,{day},log\nDAILY_USERS,120,{future},log\n")
    response = upload(client, pilot_id, text)
    assert response.status_code == 422
    assert [(e["line"], e["field"]) for e in response.json()["detail"]] == [
        (3, "value"), (5, "kpi"), (6, "measured_at")]
    assert stored(Measurement) == 0


@pytest.mark.parametrize(("content", "content_type", "code"), [
    ("kpi,value,measured_at\n", "application/json", 415),
    ("kpi,value,measured_at\n", "", 415),
    ("kpi,value,measured_at\n" + "x" * 2_000_000, "text/csv", 413),
    ("kpi,value,measured_at\nQUEUE_MIN,1,2026-01-01\n".encode("utf-16"), "text/csv", 422),
    ("kpi,value,measured_at\n", "text/csv", 422),  # a header and nothing else
])
def test_csv_content_type_size_and_encoding_are_checked(client, pilot_id, content, content_type, code):
    response = upload(client, pilot_id, content, content_type)
    assert response.status_code == code and response.json()["detail"]
    assert stored(Measurement) == 0


def test_csv_for_unknown_or_ended_pilot(client, pilot_id):
    assert upload(client, 999, "kpi,value,measured_at\n").status_code == 404
    with session_scope() as session:
        session.get(Pilot, pilot_id).status = "stopped"
    assert upload(client, pilot_id, "kpi,value,measured_at\nQUEUE_MIN,1,2026-01-01\n").status_code == 409


def test_a_single_measurement_from_the_future_is_422(client, pilot_id):
    future = (local_today() + timedelta(days=2)).isoformat()
    response = client.post(f"/pilots/{pilot_id}/measurements", headers=KEY,
                           json={"kpi_code": "QUEUE_MIN", "value": 12, "measured_at": future})
    assert response.status_code == 422 and "in the future" in response.json()["detail"]
    assert stored(Measurement) == 0


def test_a_measurement_before_the_baseline_window_is_422_naming_the_windows(client, pilot_id):
    with session_scope() as session:
        start = session.get(Pilot, pilot_id).start_date
    before_t0 = (start - timedelta(days=15)).isoformat()
    response = client.post(f"/pilots/{pilot_id}/measurements", headers=KEY,
                           json={"kpi_code": "QUEUE_MIN", "value": 12, "measured_at": before_t0})
    detail = response.json()["detail"]
    assert response.status_code == 422 and "before the baseline window (T0)" in detail
    assert f"{(start - timedelta(days=14)).isoformat()} – {(start - timedelta(days=1)).isoformat()}" in detail
    in_t0 = (start - timedelta(days=14)).isoformat()
    assert client.post(f"/pilots/{pilot_id}/measurements", headers=KEY, json={
        "kpi_code": "QUEUE_MIN", "value": 21, "measured_at": in_t0}).status_code == 201
    csv = f"kpi,value,measured_at\nQUEUE_MIN,12,{before_t0}\n"
    assert upload(client, pilot_id, csv).status_code == 422
    assert stored(Measurement) == 1  # the T0 reading only


def test_answers_before_the_start_are_409_saying_when_it_starts(client):
    start = local_today() + timedelta(days=5)
    token = token_of(make_pilot(start, title="Not started yet"))
    response = client.post(f"/feedback/{token}", json={"rating": 5, "nps": 9}, headers=BROWSER)
    assert response.status_code == 409 and f"{start:%d.%m.%Y}" in response.json()["detail"]
    assert start.isoformat() in response.json()["detail"]
    with session_scope() as session:
        pilot_id = session.exec(select(Pilot.id).where(Pilot.feedback_token == token)).one()
    paper = client.post(f"/pilots/{pilot_id}/feedback", headers=KEY, json={"rating": 4})
    assert paper.status_code == 409 and start.isoformat() in paper.json()["detail"]
    page = client.get(f"/portal/feedback/{token}")
    assert page.status_code == 409 and f"{start:%d.%m.%Y}" in page.text
    assert stored(Feedback) == 0


def test_a_paper_questionnaire_is_dated_the_day_it_was_filled_in(client, pilot_id):
    with session_scope() as session:
        start = session.get(Pilot, pilot_id).start_date
    url = f"/pilots/{pilot_id}/feedback"
    on_day_three = client.post(url, headers=KEY, json={"rating": 4, "answered_on": (start + timedelta(days=3)).isoformat()})
    assert on_day_three.status_code == 201
    with session_scope() as session:
        assert local_date(session.exec(select(Feedback)).one().created_at) == start + timedelta(days=3)
    before = client.post(url, headers=KEY, json={"rating": 4, "answered_on": (start - timedelta(days=1)).isoformat()})
    assert before.status_code == 409 and start.isoformat() in before.json()["detail"]
    future = client.post(url, headers=KEY, json={"rating": 4,
                                                 "answered_on": (local_today() + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and "in the future" in future.json()["detail"]
    assert client.post(f"/feedback/{token_of(pilot_id)}", headers=BROWSER, json={
        "rating": 4, "nps": 9, "answered_on": start.isoformat()}).status_code == 422  # a citizen cannot date it
    assert stored(Feedback) == 1
