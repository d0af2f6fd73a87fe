"""Stage 5 against a real Prefect server: the evaluation run suspends for the conclusions, the API resumes it,
and the analytical report appears; the program-report flow publishes the dashboard artifact."""

import asyncio
import io
from datetime import timedelta

import pytest
from docx import Document as WordDocument
from fastapi.testclient import TestClient
from prefect import get_client
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow
from sqlmodel import select

from api.main import create_app
from documents.registry import document_store
from flows.evaluation import pilot_evaluation
from flows.program_report import ARTIFACT_KEY, program_report
from models.db import session_scope
from models.schemas import EvaluationInput
from models.settings import local_today
from models.stages import Status
from models.tables import Application, AuditEvent, Document, Pilot, StageRun
from tests.piloting import give_feedback, measure_targets, pilot_days, piloting_application

pytestmark = [pytest.mark.prefect, pytest.mark.parametrize("database", ["sqlite"], indirect=True)]
KEY = {"X-API-Key": "test-key"}


def report_text(document_id: int) -> str:
    with session_scope() as session:
        document = session.get(Document, document_id)
        content = document_store().read(document.storage_key, document.sha256)
    word = WordDocument(io.BytesIO(content))
    return "\n".join([p.text for p in word.paragraphs] + [c.text for t in word.tables for r in t.rows for c in r.cells])


def completed_pilot(respondents: int) -> tuple[int, int]:
    with session_scope() as session:
        pilot = piloting_application(session, start=local_today() - timedelta(weeks=12))
        measure_targets(session, pilot, pilot_days(pilot, 4))
        give_feedback(session, pilot, [5, 4, 5, 5] * (respondents // 4), comment="Удобно, быстро")
        return pilot.application_id, pilot.id


async def deployment_run(application_id: int):
    deployment = await pilot_evaluation.to_deployment(name="pilot-evaluation")
    deployment_id = await deployment.apply()
    async with get_client() as client:
        return await client.create_flow_run_from_deployment(deployment_id, parameters={"application_id": application_id})


async def read_run(flow_run_id):
    async with get_client() as client:
        return await client.read_flow_run(flow_run_id)


def test_the_run_waits_for_the_conclusions_and_the_api_resumes_it(prefect_server, database):
    application_id, pilot_id = completed_pilot(respondents=120)
    flow_run = asyncio.run(deployment_run(application_id))
    with pytest.raises(Pause):
        run_flow(pilot_evaluation, flow_run=flow_run)
    assert asyncio.run(read_run(flow_run.id)).state.name == "Suspended"

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        invalid = client.post(f"/applications/{application_id}/conclusions", headers=KEY, json={"conclusions": "x"})
        assert invalid.status_code == 422 and "coordinator" in invalid.text  # the run keeps waiting
        conclusions = {"coordinator": "A. Sidorova", "conclusions": "Цели достигнуты.", "expert": "Prof. Ivanov",
                       "expert_conclusions": "The effect is robust."}
        accepted = client.post(f"/applications/{application_id}/conclusions", headers=KEY, json=conclusions)
        assert accepted.status_code == 202 and accepted.json()["flow_run_id"] == str(flow_run.id)
        again = client.post(f"/applications/{application_id}/conclusions", headers=KEY, json=conclusions)
        assert again.status_code == 409 and "waiting" in again.json()["detail"]

    # The worker would now run the resumed flow again from the top; the suspend returns the conclusions.
    document_id = run_flow(pilot_evaluation, flow_run=asyncio.run(read_run(flow_run.id)))
    text = report_text(document_id)
    assert "Рекомендовать к тиражированию" in text and "Цели достигнуты." in text and "Prof. Ivanov" in text
    with session_scope() as session:
        assert session.get(Application, application_id).status == Status.EVALUATED
        pilot = session.get(Pilot, pilot_id)
        assert (pilot.status, pilot.recommendation) == ("completed", "roll_out")
        assert session.exec(select(StageRun).where(StageRun.application_id == application_id)).one().flow_run_id == (
            str(flow_run.id))
        last = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.actor == "coordinator:development-key" and last.to_status == "evaluated"  # who gave the conclusions over the API


def test_conclusions_given_up_front_finalise_at_once_and_feed_the_dashboard(prefect_server, database):
    application_id, _ = completed_pilot(respondents=20)
    document_id = pilot_evaluation(application_id, conclusions=EvaluationInput(coordinator="B"))
    text = report_text(document_id)
    # the pilot phase is over but too few answered: insufficient evidence (the old rule said extend a finished pilot)
    assert "Недостаточно данных для вывода" in text and "Опрошено 20 из" in text

    assert program_report() == {"applications": 1, "pilots": 1, "completed": 1, "rolled_out": 0}

    async def artifacts():
        async with get_client() as client:
            return await client.read_artifacts()
    dashboards = [a for a in asyncio.run(artifacts()) if a.key == ARTIFACT_KEY]
    assert dashboards and "data:image/png;base64," in dashboards[-1].data
    assert "| Applications received | 1 |" in dashboards[-1].data
