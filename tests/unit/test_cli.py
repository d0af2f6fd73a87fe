"""The `pilotflow` command's people and token commands, on every configured database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from admin.cli import main
from models import users
from models.db import session_scope
from models.tables import ApiToken, PilotAssignment, User
from tests.api.test_auth import new_application

PILOTFLOW = Path(sys.executable).parent / "pilotflow"  # the console script `pip install -e .` made


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_users_are_added_with_their_role_and_what_they_represent(database, capsys):
    new_application()
    assert run(capsys, "users", "add", "--name", "Anna Sidorova", "--email", "A.Sidorova@Agency.example",
               "--role", "coordinator")[0] == 0
    assert run(capsys, "users", "add", "--name", "Ivan Smirnov", "--email", "ceo@sever-lab.example",
               "--role", "company_representative", "--company-reg", "7707083893")[0] == 0
    code, out, _ = run(capsys, "users", "add", "--name", "Olga Petrova", "--email", "olga@site.example",
                       "--role", "site_representative", "--site-code", "rs-001")
    assert code == 0 and "site RS-001" in out
    code, out, _ = run(capsys, "users", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["e-mail", "name", "role", "represents", "active"]
    assert "a.sidorova@agency.example" in lines[1] and "company 7707083893" in lines[2] and "RS-001" in lines[3]


@pytest.mark.parametrize(("argv", "message"), [
    (["--email", "not-an-address", "--role", "staff"], "'not-an-address' is not an e-mail address"),
    (["--email", "x@agency.example", "--role", "company_representative"], "needs the company's registration number"),
    (["--email", "x@agency.example", "--role", "site_representative"], "needs the test site's code"),
    (["--email", "x@agency.example", "--role", "staff", "--site-code", "RS-001"], "only a company representative"),
    (["--email", "x@agency.example", "--role", "company_representative", "--company-reg", "1"], "no company with"),
    (["--email", "x@agency.example", "--role", "site_representative", "--site-code", "XX-999"], "no test site"),
    (["--email", "taken@agency.example", "--role", "staff"], "already exists"),
])
def test_bad_users_are_refused_with_a_message_and_status_1(database, capsys, argv, message):
    run(capsys, "users", "add", "--name", "Taken", "--email", "taken@agency.example", "--role", "staff")
    code, out, err = run(capsys, "users", "add", "--name", "X", *argv)
    assert code == 1 and message in err and "Traceback" not in err and out == ""
    with session_scope() as session:
        assert len(session.exec(select(User)).all()) == 1


def test_argument_errors_exit_2_with_usage(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["users", "add", "--name", "X", "--email", "x@agency.example", "--role", "admin"])
    assert exited.value.code == 2 and "invalid choice: 'admin'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["tokens", "create", "--user", "x@agency.example", "--name", "n", "--days", "many"])
    assert exited.value.code == 2


def test_a_token_is_printed_once_listed_without_itself_and_revoked(database, capsys):
    run(capsys, "users", "add", "--name", "Anna", "--email", "anna@agency.example", "--role", "coordinator")
    code, out, err = run(capsys, "tokens", "create", "--user", "Anna@agency.example", "--name", "laptop", "--days", "30")
    token = out.strip()
    assert code == 0 and token.startswith("pf_") and "shown only this once" in err
    with session_scope() as session:
        row = session.exec(select(ApiToken)).one()
        assert row.token_hash == users.hash_token(token)
        assert (row.expires_at - row.created_at).days == 30
        assert users.principal_for_token(session, token).name == "Anna"
    code, out, _ = run(capsys, "tokens", "list")
    assert code == 0 and token not in out and "laptop" in out and "active" in out
    assert run(capsys, "tokens", "revoke", str(row.id))[0] == 0
    assert "revoked" in run(capsys, "tokens", "list", "--user", "anna@agency.example")[1]
    with session_scope() as session:
        assert users.principal_for_token(session, token) is None
    code, _, err = run(capsys, "tokens", "revoke", "999999")
    assert code == 1 and "token 999999 not found" in err
    code, _, err = run(capsys, "tokens", "create", "--user", "anna@agency.example", "--name", "x", "--days", "400")
    assert code == 1 and "1 to 366 days" in err
    code, _, err = run(capsys, "tokens", "create", "--user", "nobody@agency.example", "--name", "x")
    assert code == 1 and "user nobody@agency.example not found" in err


def test_deactivating_a_user_stops_their_tokens(database, capsys):
    run(capsys, "users", "add", "--name", "Boris", "--email", "boris@agency.example", "--role", "staff")
    token = run(capsys, "tokens", "create", "--user", "boris@agency.example", "--name", "laptop")[1].strip()
    assert run(capsys, "users", "deactivate", "boris@agency.example")[0] == 0
    code, _, err = run(capsys, "tokens", "create", "--user", "boris@agency.example", "--name", "again")
    assert code == 1 and "deactivated" in err
    with session_scope() as session:
        assert users.principal_for_token(session, token) is None
    assert run(capsys, "users", "activate", "boris@agency.example")[0] == 0
    with session_scope() as session:
        assert users.principal_for_token(session, token) is not None


def test_coordinators_are_assigned_to_applications(database, capsys):
    application_id = new_application()
    run(capsys, "users", "add", "--name", "Anna", "--email", "anna@agency.example", "--role", "coordinator")
    run(capsys, "users", "add", "--name", "Boris", "--email", "boris@agency.example", "--role", "staff")
    assign = ["--user", "anna@agency.example", "--application", str(application_id)]
    code, out, _ = run(capsys, "users", "assign", *assign)
    assert code == 0 and f"now coordinates application {application_id}" in out
    code, _, err = run(capsys, "users", "assign", "--user", "boris@agency.example", "--application", str(application_id))
    assert code == 1 and "only coordinators" in err
    code, _, err = run(capsys, "users", "assign", "--user", "anna@agency.example", "--application", "999999")
    assert code == 1 and "application 999999 not found" in err
    with session_scope() as session:
        assert len(session.exec(select(PilotAssignment)).all()) == 1
    assert run(capsys, "users", "unassign", *assign)[0] == 0
    code, _, err = run(capsys, "users", "unassign", *assign)
    assert code == 1 and "not found" in err


def test_the_console_script_is_installed_and_explains_an_unmigrated_database(tmp_path):
    env = {**os.environ, "PILOTFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = subprocess.run([str(PILOTFLOW), "users", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "cannot be used: no such table: user" in result.stderr and "admin.migrate" in result.stderr
    assert "Traceback" not in result.stderr
    assert subprocess.run([str(PILOTFLOW), "--help"], capture_output=True, timeout=60).returncode == 0
