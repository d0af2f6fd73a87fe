"""People who use pilotflow, their API tokens, the pilots assigned to coordinators, and the resources
the authorization checks in models/permissions.py are asked about.

A token is shown once, when it is created; the database keeps only its SHA-256, so a copy of the
database holds no working token. Looking a token up by its hash is also the constant-time comparison:
no secret is ever compared character by character.

A portal password is kept as a salted scrypt hash, slow on purpose: a stolen database makes guessing
each password expensive.
"""

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import ColumnElement, and_, false, true
from sqlmodel import Session, select

from models.application import company_key
from models.db import get_required
from models.errors import InvalidInput, NotFound
from models.permissions import PERMISSIONS, Action, Principal, Reach, Resource, Role
from models.tables import (
    ApiToken,
    Application,
    Company,
    Contract,
    Document,
    Pilot,
    PilotAssignment,
    Site,
    StageRun,
    User,
    utcnow,
)

TOKEN_PREFIX = "pf_"  # tells a pilotflow token apart in a config file or a leaked log
MAX_TOKEN_DAYS = 366
# Recording every use would make each API call a write; a token's last use to within minutes is enough.
LAST_USED_PRECISION = timedelta(minutes=5)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# scrypt's cost: 16 MiB of memory and some 50 ms per hash here, cheap for one sign-in, dear for guessing.
SCRYPT_COST = {"n": 2**14, "r": 8, "p": 1}
PASSWORD_LENGTH = (10, 200)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound("user", email)
    return user


def add_user(session: Session, *, name: str, email: str, role: str, company_registration: str | None = None,
             site_code: str | None = None) -> User:
    """A new active user; a company representative names their company, a site representative their site."""
    name, email = name.strip(), email.strip().lower()
    if not name or len(name) > 200:
        raise InvalidInput("the name must be 1 to 200 characters")
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise InvalidInput(f"{email!r} is not an e-mail address")
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}; one of: {', '.join(Role)}") from None
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise InvalidInput(f"a user with the e-mail {email} already exists")
    if role is Role.COMPANY_REPRESENTATIVE and not company_registration:
        raise InvalidInput("a company representative needs the company's registration number")
    if role is Role.SITE_REPRESENTATIVE and not site_code:
        raise InvalidInput("a site representative needs the test site's code")
    if (company_registration and role is not Role.COMPANY_REPRESENTATIVE
            or site_code and role is not Role.SITE_REPRESENTATIVE):
        raise InvalidInput("only a company representative names a company, and only a site representative a site")
    user = User(name=name, email=email, role=role)
    if company_registration:
        company = session.exec(select(Company).where(
            Company.registration_number == company_key(company_registration))).first()
        if company is None:
            raise InvalidInput(f"no company with registration number {company_registration}; a company is "
                               "known once it has submitted an application")
        user.company_id = company.id
    if site_code:
        site = session.exec(select(Site).where(Site.code == site_code.strip().upper())).first()
        if site is None:
            raise InvalidInput(f"no test site with the code {site_code}")
        user.site_id = site.id
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, email: str, active: bool) -> User:
    """Deactivating a user stops every token of theirs at once, without revoking them one by one."""
    user = find_user(session, email)
    user.active = active
    session.add(user)
    return user


def assign(session: Session, email: str, application_id: int) -> PilotAssignment:
    """Put a coordinator in charge of a pilot (from its application on); assigning twice is harmless."""
    user = find_user(session, email)
    if user.role != Role.COORDINATOR:
        raise InvalidInput(f"{user.email} is {user.role.replace('_', ' ')}; only coordinators are assigned to pilots")
    get_required(session, Application, application_id)
    assignment = session.exec(select(PilotAssignment).where(
        PilotAssignment.application_id == application_id, PilotAssignment.user_id == user.id)).first()
    if assignment is None:
        assignment = PilotAssignment(application_id=application_id, user_id=user.id)
        session.add(assignment)
        session.flush()
    return assignment


def unassign(session: Session, email: str, application_id: int) -> None:
    user = find_user(session, email)
    assignment = session.exec(select(PilotAssignment).where(
        PilotAssignment.application_id == application_id, PilotAssignment.user_id == user.id)).first()
    if assignment is None:
        raise NotFound(f"assignment of {user.email} to application", application_id)
    session.delete(assignment)


def create_token(session: Session, *, email: str, name: str, days: int,
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for the user; returns its row and the token itself, which is not stored anywhere."""
    user = find_user(session, email)
    if not user.active:
        raise InvalidInput(f"{user.email} is deactivated")
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("the token name must be 1 to 100 characters")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(f"a token lives 1 to {MAX_TOKEN_DAYS} days, not {days}")
    now = now or utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token), created_at=now,
                   expires_at=now + timedelta(days=days))
    session.add(row)
    session.flush()
    return row, token


def revoke_token(session: Session, token_id: int, now: datetime | None = None) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("token", token_id)
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        session.add(token)
    return token


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= (now or utcnow()) else "active"


def principal_of(user: User) -> Principal:
    return Principal(name=user.name, role=Role(user.role), user_id=user.id, company_id=user.company_id,
                     site_id=user.site_id, email=user.email)


def principal_for_token(session: Session, token: str, now: datetime | None = None) -> Principal | None:
    """The principal of a valid token (active user, not expired, not revoked), else None.
    Notes the token's use in the session; the caller commits."""
    row = session.exec(select(ApiToken, User).join(User).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None:
        return None
    api_token, user = row
    now = now or utcnow()
    if not user.active or token_state(api_token, now) != "active":
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_PRECISION:
        api_token.last_used_at = now
        session.add(api_token)
    return principal_of(user)


def owning_company(company_id: int, company_details_pending: bool) -> int | None:
    """The company an application (and what hangs off it) belongs to, as the permissions see it: none while its
    company details await a coordinator, for a stranger may have named the company, and its representatives
    must not see (or sign) what somebody else submitted in its name."""
    return None if company_details_pending else company_id


def _resource(session: Session, kind: str, key: int, application_id: int) -> Resource:
    application = session.get(Application, application_id)
    site_id = session.exec(select(Pilot.site_id).where(Pilot.application_id == application_id)).first()
    coordinators = session.exec(select(PilotAssignment.user_id)
                                .where(PilotAssignment.application_id == application_id)).all()
    company_id = owning_company(application.company_id, application.company_details_pending)
    return Resource(kind=kind, key=key, company_id=company_id, site_id=site_id,
                    coordinator_ids=frozenset(coordinators))


def application_resource(session: Session, application_id: int) -> Resource:
    get_required(session, Application, application_id)
    return _resource(session, "application", application_id, application_id)


def pilot_resource(session: Session, pilot_id: int) -> Resource:
    return _resource(session, "pilot", pilot_id, get_required(session, Pilot, pilot_id).application_id)


def document_resource(session: Session, document_id: int) -> Resource:
    return _resource(session, "document", document_id, get_required(session, Document, document_id).application_id)


def contract_resource(session: Session, contract_id: int) -> Resource:
    return _resource(session, "contract", contract_id, get_required(session, Contract, contract_id).application_id)


def flow_run_resource(session: Session, flow_run_id: object) -> Resource | None:
    """The flow run as a resource of the application it was started for; None for a program-wide run
    (the monitoring sweep, the dashboard) that belongs to no application."""
    application_id = session.exec(select(StageRun.application_id)
                                  .where(StageRun.flow_run_id == str(flow_run_id))).first()
    return None if application_id is None else _resource(session, "flow run", flow_run_id, application_id)


def visible_applications(principal: Principal, action: Action = Action.READ) -> ColumnElement[bool]:
    """The applications (with their pilots and documents) `principal` may `action`, as a condition on
    Application for a listing query: what authorize() answers for one resource, for a whole list at once."""
    if principal.coordinates_everything:
        return true()
    match PERMISSIONS[principal.role].get(action):
        case Reach.ALL:
            return true()
        case Reach.ASSIGNED if principal.user_id is not None:
            return Application.id.in_(select(PilotAssignment.application_id)
                                      .where(PilotAssignment.user_id == principal.user_id))
        case Reach.OWN_COMPANY if principal.company_id is not None:
            return and_(Application.company_id == principal.company_id, Application.company_details_pending.is_(False))
        case Reach.OWN_SITE if principal.site_id is not None:
            return Application.id.in_(select(Pilot.application_id).where(Pilot.site_id == principal.site_id))
    return false()


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash` (hex), with a new random salt: the same password never hashes alike twice."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT_COST)
    return "$".join(["scrypt", *(str(SCRYPT_COST[k]) for k in "nrp"), salt.hex(), digest.hex()])


def password_matches(stored: str, password: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                               dklen=len(digest) // 2)
    return hmac.compare_digest(candidate.hex(), digest)


@cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe())


def set_password(session: Session, email: str, password: str) -> User:
    """Give the user a portal password (replacing any earlier one, which ends their signed-in sessions)."""
    low, high = PASSWORD_LENGTH
    if not low <= len(password) <= high:
        raise InvalidInput(f"a password has {low} to {high} characters")
    user = find_user(session, email)
    user.password_hash = hash_password(password)
    session.add(user)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None. An unknown e-mail costs the same hashing
    as a wrong password, so the time of the answer does not tell which e-mails have an account."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    stored = user.password_hash if user is not None and user.password_hash else _decoy_hash()
    # No one's password is longer than set_password allows: a longer one is hashed as an empty one.
    if not password_matches(stored, password if len(password) <= PASSWORD_LENGTH[1] else ""):
        return None
    return user if user is not None and user.active and user.password_hash else None
