"""Who the audit log names for a flow run that no user of the API asked for: where the run came from."""

from types import SimpleNamespace
from uuid import uuid4

import pytest

from flows.common import origin_of
from models.actors import user_actor


def run(created_by=None, deployment=True):
    """The parts of a Prefect flow run origin_of() reads."""
    return SimpleNamespace(deployment_id=uuid4() if deployment else None, created_by=created_by)


@pytest.mark.parametrize(("flow_run", "origin"), [
    (run(SimpleNamespace(id=uuid4(), type="SCHEDULE", display_value="CronSchedule")), "schedule"),
    (run(SimpleNamespace(id=uuid4(), type="AUTOMATION", display_value="pilot-notification on critical pilot "
                                                                      "deviations")),
     "automation:pilot-notification on critical pilot deviations"),
    (run(SimpleNamespace(id=uuid4(), type="AUTOMATION", display_value=None)), "automation"),
    (run(), "prefect-ui"),  # a run of a deployment nobody in particular created: by hand, in the UI or the CLI
    (run(deployment=False), "local"),  # a flow called in-process
    (None, "local"),
])
def test_a_run_names_its_origin(flow_run, origin):
    assert origin_of(flow_run) == origin


def test_a_user_is_their_role_and_login():
    assert user_actor("coordinator", "a.sidorova@agency.example") == "coordinator:a.sidorova@agency.example"
    assert user_actor("coordinator", "development key") == "coordinator:development-key"
