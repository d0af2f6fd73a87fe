"""Schemathesis against pilotflow's own OpenAPI schema, in-process (ASGI), on a real SQLite database with the
recording Prefect gateway and a coordinator's key: at least 1,000 generated requests, valid and invalid, every
check schemathesis has, and not one 5xx, undocumented status code or response that breaks the documented
schema. CI runs it once more with a larger budget (PILOTFLOW_FUZZ_EXAMPLES; .ci/run)."""

import collections
import os
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from api.deps import get_gateway
from api.main import create_app
from models.db import session_scope
from models.settings import local_today
from tests.api.test_api import RecordingGateway
from tests.piloting import piloting_application

KEY = {"X-API-Key": "test-key"}
EXAMPLES_PER_OPERATION_AND_MODE = int(os.environ.get("PILOTFLOW_FUZZ_EXAMPLES", "25"))
MINIMUM_REQUESTS = 1000
# Every check, as configured by default, but one expectation: a schema-valid request may still be a 422 when
# the domain's rules refuse it (a KPI that is not the pilot's, a CSV row that does not parse, a name of
# zero-width spaces), which no JSON schema can say.
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}}})


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
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
    sent = collections.Counter()
    failures: dict[tuple[str, str], str] = {}

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES_PER_OPERATION_AND_MODE, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case):
                sent[operation.label] += 1
                try:
                    case.call_and_validate(headers=KEY)
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
