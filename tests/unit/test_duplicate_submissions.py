"""The duplicate check against the database: stored embeddings, and two identical submissions at once."""

import numpy as np

from models.application import earlier_open_applications, register_screening, submit_application, text_vector
from models.db import session_scope
from models.facts import application_facts
from models.rules.application import find_duplicate, screen
from models.schemas import ApplicationCreate
from models.stages import Status
from models.tables import Application, Company
from tests.factories import application


def test_of_two_identical_applications_submitted_at_once_the_second_is_the_duplicate(database):
    with session_scope() as session:  # both stored before either is screened, as two requests racing
        first = submit_application(session, ApplicationCreate(**application()), "applicant")
        second = submit_application(session, ApplicationCreate(**application()), "applicant")
        ids = first.id, second.id
    with session_scope() as session:
        outcomes = []
        for application_id in reversed(ids):  # the second's flow run may well screen first
            row = session.get(Application, application_id)
            key = session.get(Company, row.company_id).registration_number
            earlier, vectors = earlier_open_applications(session, application_id)
            vector = text_vector(row)
            duplicate_of = find_duplicate(application_facts(row), key, earlier, vectors, vector)
            outcomes.append(register_screening(session, row, screen(application_facts(row)), duplicate_of,
                                               "applicant", None, vector))
        assert outcomes == [Status.DUPLICATE, Status.REGISTERED]
        assert session.get(Application, ids[1]).duplicate_of_id == ids[0]


def test_the_embedding_stored_at_screening_is_what_later_checks_read(database):
    with session_scope() as session:
        row = submit_application(session, ApplicationCreate(**application()), "applicant")
        vector = text_vector(row)
        register_screening(session, row, screen(application_facts(row)), None, "applicant", None, vector)
        later = submit_application(session, ApplicationCreate(**application(title="Another product")), "applicant")
        earlier, vectors = earlier_open_applications(session, later.id)
        assert [item[0] for item in earlier] == [row.id]
        assert np.array_equal(vectors[0], vector) and np.array_equal(text_vector(row), vector)
