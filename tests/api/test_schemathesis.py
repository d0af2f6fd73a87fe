"""Schemathesis against pilotflow's own OpenAPI schema, in-process (ASGI), on a real SQLite database with the
recording Prefect gateway: at least 1,000 generated requests, valid and invalid, and not one 5xx nor one
response that breaks the documented schema."""

import collections
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.generation import GenerationMode

from api.deps import get_gateway
from api.main import create_app
from models.db import session_scope
from models.settings import local_today
from tests.api.test_api import RecordingGateway
from tests.piloting import piloting_application

KEY = {"X-API-Key": "test-key"}
EXAMPLES_PER_OPERATION_AND_MODE = 25
MINIMUM_REQUESTS = 1000
CHECKS = [checks.not_a_server_error, checks.response_schema_conformance, checks.content_type_conformance]


class Gateway(RecordingGateway):
    """No run is ever waiting for input: decisions and conclusions answer 409."""

    async def pause_keys(self, flow_run_ids):
        return {}

    async def resume(self, flow_run_id, run_input=None):
        return None


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_generated_requests_get_no_5xx_and_match_the_schema(database):
    with session_scope() as session:  # something for small generated ids to find: an application with a pilot
        piloting_application(session, start=local_today() - timedelta(weeks=4))
    app = create_app()
    app.dependency_overrides[get_gateway] = Gateway
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    sent = collections.Counter()
    failures: dict[tuple[str, str], str] = {}

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES_PER_OPERATION_AND_MODE, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case):
                sent[operation.label] += 1
                try:
                    case.call_and_validate(headers=KEY, checks=CHECKS)
                except (Exception, BaseExceptionGroup) as exc:  # every distinct failure is reported, not only the first
                    failures.setdefault((operation.label, type(exc).__name__), f"{exc}"[:2000])

            try:
                exercise()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body): positive mode covers it
                pass

    report = "\n\n".join(f"{label} ({kind}):\n{text}" for (label, kind), text in failures.items())
    assert not failures, report
    print(f"schemathesis: {sum(sent.values())} requests over {len(sent)} operations, {len(failures)} failures")
    assert sum(sent.values()) >= MINIMUM_REQUESTS, sent
