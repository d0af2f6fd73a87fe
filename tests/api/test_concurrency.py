"""50 concurrent clients posting citizen feedback to the API in uvicorn: every acknowledged answer is stored,
on SQLite (WAL, busy timeout) and PostgreSQL. The full 20,000 rows: bench/concurrency.py."""

import asyncio

from api.main import create_app
from bench.concurrency import feedback_pilot, post_feedback, serving, stored_feedback

CLIENTS = 50
ROWS = 500


def test_50_concurrent_clients_lose_no_feedback(database):
    pilot_id, token = feedback_pilot()
    with serving(create_app()) as base_url:
        acknowledged, others, _ = asyncio.run(post_feedback(base_url, token, CLIENTS, ROWS))
    assert acknowledged == ROWS and not others, others
    assert stored_feedback(pilot_id) == ROWS
