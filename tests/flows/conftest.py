import pytest


@pytest.fixture(scope="session")
def prefect_server():
    """One real, temporary Prefect server for the whole session (it takes seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
