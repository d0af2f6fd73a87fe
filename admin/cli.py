"""The `pilotflow` command: people, their API tokens, backup and restore.

    pilotflow users add --name "Anna Sidorova" --email a.sidorova@agency.example --role coordinator
    pilotflow users add --name "Ivan Smirnov" --email ceo@sever-lab.example --role company_representative --company-reg 7707083893
    pilotflow users add --name "Olga Petrova" --email o.petrova@site.example --role site_representative --site-code RS-001
    pilotflow users list
    pilotflow users assign --user a.sidorova@agency.example --application 12
    pilotflow users deactivate ceo@sever-lab.example
    pilotflow users set-password a.sidorova@agency.example          # asks twice; or --password-stdin
    pilotflow tokens create --user a.sidorova@agency.example --name laptop --days 90
    pilotflow tokens list [--user EMAIL]
    pilotflow tokens revoke 3
    pilotflow backup --out backups/2026-12-01
    pilotflow restore --from backups/2026-12-01 [--force]

The database and the document store are the ones in pilotflow's settings (PILOTFLOW_DATABASE_URL,
PILOTFLOW_DOCUMENT_DIR, or var/.env), as for the API.
"""

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from admin.backup import BackupError, create_backup, restore_backup
from models import users
from models.db import session_scope
from models.errors import InvalidInput, NotFound
from models.permissions import Role
from models.settings import get_settings
from models.tables import ApiToken, Company, Site, User


class Failure(Exception):
    """What the command prints before it exits with status 1."""


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _table(header: Sequence[str], rows: list[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    return "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in [header, *rows])


def _represents(session: Session, user: User) -> str:
    if user.company_id is not None:
        company = session.get(Company, user.company_id)
        return f"company {company.registration_number} {company.name}"
    if user.site_id is not None:
        return f"site {session.get(Site, user.site_id).code}"
    return "-"


def users_add(args: argparse.Namespace) -> None:
    with session_scope() as session:
        user = users.add_user(session, name=args.name, email=args.email, role=args.role,
                              company_registration=args.company_reg, site_code=args.site_code)
        print(f"user {user.email} added: {user.role}, {_represents(session, user)}")


def users_list(_: argparse.Namespace) -> None:
    with session_scope() as session:
        rows = [(u.email, u.name, u.role, _represents(session, u), "yes" if u.active else "no")
                for u in session.exec(select(User).order_by(User.email)).all()]
    print(_table(("e-mail", "name", "role", "represents", "active"), rows) if rows else "no users yet")


def users_activate(args: argparse.Namespace) -> None:
    with session_scope() as session:
        user = users.set_active(session, args.email, args.command == "activate")
    print(f"user {user.email} is {'active' if user.active else 'deactivated: none of their tokens works now'}")


def _new_password(from_stdin: bool) -> str:
    if from_stdin:  # one line, for scripts: printf '%s\n' "$PASSWORD" | pilotflow users set-password ...
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("New password: ")
    if getpass.getpass("The same password again: ") != password:
        raise Failure("the two passwords differ; nothing was changed")
    return password


def users_set_password(args: argparse.Namespace) -> None:
    with session_scope() as session:
        users.find_user(session, args.email)  # before asking for a password an unknown user cannot use
    password = _new_password(args.password_stdin)
    with session_scope() as session:
        user = users.set_password(session, args.email, password)
    print(f"password set for {user.email}: they sign in at /portal/login")


def users_assign(args: argparse.Namespace) -> None:
    with session_scope() as session:
        if args.command == "assign":
            users.assign(session, args.user, args.application)
        else:
            users.unassign(session, args.user, args.application)
    print(f"{args.user} {'now coordinates' if args.command == 'assign' else 'no longer coordinates'} "
          f"application {args.application}")


def tokens_create(args: argparse.Namespace) -> None:
    with session_scope() as session:
        row, token = users.create_token(session, email=args.user, name=args.name, days=args.days)
    # The token alone on stdout, so a script can capture it; the advice goes to stderr.
    print(f"token {row.id} '{row.name}' for {args.user.strip().lower()}, expires {_when(row.expires_at)}.\n"
          f"It is shown only this once (pilotflow keeps its SHA-256); send it as the X-API-Key header:",
          file=sys.stderr)
    print(token)


def tokens_list(args: argparse.Namespace) -> None:
    with session_scope() as session:
        query = select(ApiToken, User).join(User).order_by(ApiToken.id)
        if args.user:
            query = query.where(User.id == users.find_user(session, args.user).id)
        rows = [(str(t.id), u.email, t.name, users.token_state(t), _when(t.created_at), _when(t.expires_at),
                 _when(t.last_used_at)) for t, u in session.exec(query).all()]
    print(_table(("id", "user", "name", "state", "created", "expires", "last used"), rows)
          if rows else "no tokens")


def tokens_revoke(args: argparse.Namespace) -> None:
    with session_scope() as session:
        token = users.revoke_token(session, args.id)
    print(f"token {token.id} '{token.name}' revoked {_when(token.revoked_at)}")


def _report(action: str, outcome) -> None:
    print(f"{action}: {outcome.files} stored files, each checked against its SHA-256")
    if outcome.problems:
        raise Failure(f"{len(outcome.problems)} stored files failed the check:\n  " + "\n  ".join(outcome.problems))


def backup(args: argparse.Namespace) -> None:
    settings = get_settings()
    _report(f"backup written to {args.out}",
            create_backup(args.out, settings.database_url, settings.document_dir))


def restore(args: argparse.Namespace) -> None:
    settings = get_settings()
    _report(f"restored from {args.source}",
            restore_backup(args.source, settings.database_url, settings.document_dir, force=args.force))
    print("bring the schema up to date before starting the stack: python -m admin.migrate "
          "(scripts/stack.py does it on start)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pilotflow", description="pilotflow administration: people, "
                                     "API tokens, backup and restore of the database and the document store.")
    commands = parser.add_subparsers(dest="group", required=True, metavar="{users,tokens,backup,restore}")

    people = commands.add_parser("users", help="people and their roles").add_subparsers(dest="command", required=True)
    add = people.add_parser("add", help="add a user")
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    represents = add.add_mutually_exclusive_group()
    represents.add_argument("--company-reg", metavar="N", help="the represented company's registration number")
    represents.add_argument("--site-code", metavar="C", help="the represented test site's code")
    add.set_defaults(run=users_add)
    people.add_parser("list", help="list the users").set_defaults(run=users_list)
    for command, text in (("activate", "let a user in again"), ("deactivate", "shut a user out (every token)")):
        switch = people.add_parser(command, help=text)
        switch.add_argument("email")
        switch.set_defaults(run=users_activate)
    password = people.add_parser("set-password", help="set the password a user signs in to the portal with")
    password.add_argument("email")
    password.add_argument("--password-stdin", action="store_true", help="read it from the first line of stdin "
                          "instead of asking twice")
    password.set_defaults(run=users_set_password)
    for command, text in (("assign", "put a coordinator in charge of an application's pilot"),
                          ("unassign", "take a coordinator off an application's pilot")):
        assignment = people.add_parser(command, help=text)
        assignment.add_argument("--user", required=True, metavar="EMAIL")
        assignment.add_argument("--application", required=True, type=int, metavar="ID")
        assignment.set_defaults(run=users_assign)

    tokens = commands.add_parser("tokens", help="API tokens").add_subparsers(dest="command", required=True)
    create = tokens.add_parser("create", help="create a token and print it once")
    create.add_argument("--user", required=True, metavar="EMAIL")
    create.add_argument("--name", required=True, help="what the token is for, e.g. the laptop or the script")
    create.add_argument("--days", type=int, default=90, help="days until it expires (default 90, at most "
                        f"{users.MAX_TOKEN_DAYS})")
    create.set_defaults(run=tokens_create)
    listing = tokens.add_parser("list", help="list the tokens (never the tokens themselves)")
    listing.add_argument("--user", metavar="EMAIL")
    listing.set_defaults(run=tokens_list)
    revoke = tokens.add_parser("revoke", help="revoke a token")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(run=tokens_revoke)

    save = commands.add_parser("backup", help="back up the database and the document store")
    save.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
    save.set_defaults(run=backup)
    load = commands.add_parser("restore", help="restore a backup and verify every stored file's checksum")
    load.add_argument("--from", dest="source", required=True, metavar="DIR")
    load.add_argument("--force", action="store_true", help="replace a database that holds applications")
    load.set_defaults(run=restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], None] = args.run
    try:
        run(args)
    except (Failure, InvalidInput, NotFound, BackupError) as exc:
        print(f"pilotflow: {exc}", file=sys.stderr)
        return 1
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        database = make_url(get_settings().database_url).render_as_string(hide_password=True)
        print(f"pilotflow: the database {database} cannot be used: {str(exc.orig or exc).strip().splitlines()[0]}\n"
              f"Is it reachable, and migrated (python -m admin.migrate)?", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
