"""The roles x actions matrix, walked for every role and action on a resource of the caller's own and on
someone else's; written out here independently of models/permissions.py, as the specification."""

import pytest

from models.errors import NotFound
from models.permissions import (
    PERMISSIONS,
    Action,
    Forbidden,
    Principal,
    Resource,
    Role,
    Verdict,
    authorize,
    enforce,
    enforce_signature,
)

A, F, H = Verdict.ALLOWED, Verdict.FORBIDDEN, Verdict.HIDDEN
COORDINATOR = Principal(name="Anna", role=Role.COORDINATOR, user_id=7)
STAFF = Principal(name="Boris", role=Role.STAFF, user_id=8)
SITE = Principal(name="Olga", role=Role.SITE_REPRESENTATIVE, user_id=9, site_id=10)
COMPANY = Principal(name="Ivan", role=Role.COMPANY_REPRESENTATIVE, user_id=11, company_id=1)

# A pilot of company 1 at site 10, coordinated by user 7; and one of another company, site and coordinator.
OWN = Resource(kind="document", key=5, company_id=1, site_id=10, coordinator_ids=frozenset({7}))
OTHER = Resource(kind="document", key=6, company_id=2, site_id=20, coordinator_ids=frozenset({99}))

# (verdict on OWN, verdict on OTHER, verdict on the program as a whole) per role and action.
EXPECTED = {
    COORDINATOR: {
        Action.READ: (A, A, A), Action.DOWNLOAD: (A, A, A), Action.START_STAGE: (A, F, F),
        Action.RECORD_MEASUREMENT: (A, F, F), Action.SIGN_CONTRACT: (A, F, F), Action.RUN_PROGRAM: (A, A, A),
        Action.UPDATE_COMPANY: (A, A, A),
    },
    STAFF: {
        Action.READ: (A, A, A), Action.DOWNLOAD: (A, A, A), Action.START_STAGE: (F, F, F),
        Action.RECORD_MEASUREMENT: (F, F, F), Action.SIGN_CONTRACT: (F, F, F), Action.RUN_PROGRAM: (F, F, F),
        Action.UPDATE_COMPANY: (F, F, F),
    },
    SITE: {
        Action.READ: (A, H, F), Action.DOWNLOAD: (A, H, F), Action.START_STAGE: (F, H, F),
        Action.RECORD_MEASUREMENT: (F, H, F), Action.SIGN_CONTRACT: (A, H, F), Action.RUN_PROGRAM: (F, H, F),
        Action.UPDATE_COMPANY: (F, H, F),
    },
    COMPANY: {
        Action.READ: (A, H, F), Action.DOWNLOAD: (A, H, F), Action.START_STAGE: (F, H, F),
        Action.RECORD_MEASUREMENT: (F, H, F), Action.SIGN_CONTRACT: (A, H, F), Action.RUN_PROGRAM: (F, H, F),
        Action.UPDATE_COMPANY: (A, H, F),
    },
}


@pytest.mark.parametrize("principal", EXPECTED, ids=lambda p: p.role)
@pytest.mark.parametrize("action", list(Action))
def test_the_matrix_of_roles_and_actions(principal, action):
    on_own, on_other, on_program = EXPECTED[principal][action]
    assert authorize(principal, action, OWN) == on_own
    assert authorize(principal, action, OTHER) == on_other
    assert authorize(principal, action) == on_program


def test_every_role_has_a_row_and_may_read_something():
    # enforce() tells "forbidden" from "hidden" by the READ permission, so every role needs one.
    assert set(PERMISSIONS) == set(Role)
    assert all(Action.READ in row for row in PERMISSIONS.values())


def test_another_companys_contract_is_not_found_worded_as_a_missing_id():
    with pytest.raises(NotFound) as hidden:
        enforce(COMPANY, Action.DOWNLOAD, OTHER)
    assert str(hidden.value) == str(NotFound("document", 6)) == "document 6 not found"


def test_a_representative_without_a_pilot_yet_sees_nothing():
    # An application before adoption has no site: a site representative with no site must not match it.
    unmatched = Resource(kind="application", key=3, company_id=2)
    nobody = Principal(name="?", role=Role.SITE_REPRESENTATIVE, user_id=12)
    assert authorize(nobody, Action.READ, unmatched) is Verdict.HIDDEN
    assert authorize(SITE, Action.READ, unmatched) is Verdict.HIDDEN


def test_forbidden_says_why():
    with pytest.raises(Forbidden, match="document 6 is not assigned to you"):
        enforce(COORDINATOR, Action.START_STAGE, OTHER)
    with pytest.raises(Forbidden, match="the staff role may not start stage"):
        enforce(STAFF, Action.START_STAGE, OWN)
    with pytest.raises(Forbidden, match="the company representative role may not run program"):
        enforce(COMPANY, Action.RUN_PROGRAM)
    enforce(COORDINATOR, Action.START_STAGE, OWN)


def test_the_development_coordinator_coordinates_every_pilot():
    development = Principal(name="development key", role=Role.COORDINATOR, coordinates_everything=True)
    for action in Action:
        assert authorize(development, action, OTHER) is Verdict.ALLOWED


def test_a_representative_signs_for_their_own_party_and_the_coordinator_for_any():
    enforce_signature(COMPANY, "company", OWN)
    enforce_signature(SITE, "site", OWN)
    for party in ("company", "site", "agency"):
        enforce_signature(COORDINATOR, party, OWN)
    with pytest.raises(Forbidden, match="signs for the company, not for the agency"):
        enforce_signature(COMPANY, "agency", OWN)
    with pytest.raises(Forbidden, match="signs for the site, not for the company"):
        enforce_signature(SITE, "company", OWN)
    with pytest.raises(NotFound):  # another company's contract stays hidden, whatever the party
        enforce_signature(COMPANY, "company", OTHER)


def test_a_user_acts_under_their_own_name_and_the_development_key_under_the_typed_one():
    user = Principal(name="Anna", role=Role.COORDINATOR, user_id=7, email="anna@agency.example")
    development = Principal(name="development key", role=Role.COORDINATOR, coordinates_everything=True)
    assert (user.actor, user.decides_as("Someone Else")) == ("coordinator:anna@agency.example", "Anna")
    assert (development.actor, development.decides_as("A. Sidorova")) == ("coordinator:development-key",
                                                                          "A. Sidorova")
    # The role is part of who acted: the same person as another role is told apart in the audit log.
    staff = Principal(name="Anna", role=Role.STAFF, user_id=7, email="anna@agency.example")
    assert staff.actor == "staff:anna@agency.example"
