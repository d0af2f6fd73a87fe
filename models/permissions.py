"""Who may do what, declared once as data, and the pure checks that read it.

A check needs only the caller (a `Principal`) and the thing asked for (a `Resource`: an application,
a pilot or a document, with the company, the test site and the coordinators it belongs to); it does
no I/O. Whoever may not even read a resource learns nothing about it: the answer is the same
"not found" as for an id that does not exist, so a company representative cannot probe another
company's contracts. Whoever may read it but not do this to it is told why ("forbidden").

The anonymous citizen is not a principal: feedback is accepted with the pilot's feedback token.
"""

from dataclasses import dataclass
from enum import StrEnum

from models.actors import user_actor
from models.errors import NotFound


class Role(StrEnum):
    COORDINATOR = "coordinator"  # agency staff who run the pilots assigned to them, and the program
    STAFF = "staff"  # agency staff who read and download
    SITE_REPRESENTATIVE = "site_representative"  # a pilot test site's own pilots and documents
    COMPANY_REPRESENTATIVE = "company_representative"  # a company's own applications, pilots and documents


class Action(StrEnum):
    READ = "read"  # an application with its analysis, methodology, pilot, checkpoints and flow runs
    DOWNLOAD = "download"  # a generated contract or report
    START_STAGE = "start_stage"  # trigger a stage flow for one application, or answer its waiting form
    RECORD_MEASUREMENT = "record_measurement"  # a KPI measurement of a running pilot
    SIGN_CONTRACT = "sign_contract"  # record a party's signature, with its signed scan
    RUN_PROGRAM = "run_program"  # program-wide work: the monitoring sweep, assigning coordinators
    UPDATE_COMPANY = "update_company"  # change a company's record: its name, address, contact and signatory


class Reach(StrEnum):
    """Which resources a role's permission to an action extends to."""

    ALL = "all"
    ASSIGNED = "assigned"  # the pilots the coordinator is assigned to
    OWN_COMPANY = "own_company"  # resources of the company the user represents
    OWN_SITE = "own_site"  # pilots at the test site the user represents


# The matrix of roles x actions. An action missing from a role's row is refused.
PERMISSIONS: dict[Role, dict[Action, Reach]] = {
    Role.COORDINATOR: {
        Action.READ: Reach.ALL,
        Action.DOWNLOAD: Reach.ALL,
        Action.START_STAGE: Reach.ASSIGNED,
        Action.RECORD_MEASUREMENT: Reach.ASSIGNED,
        Action.SIGN_CONTRACT: Reach.ASSIGNED,
        Action.RUN_PROGRAM: Reach.ALL,
        Action.UPDATE_COMPANY: Reach.ALL,
    },
    Role.STAFF: {
        Action.READ: Reach.ALL,
        Action.DOWNLOAD: Reach.ALL,
    },
    Role.SITE_REPRESENTATIVE: {
        Action.READ: Reach.OWN_SITE,
        Action.DOWNLOAD: Reach.OWN_SITE,
        Action.SIGN_CONTRACT: Reach.OWN_SITE,
    },
    Role.COMPANY_REPRESENTATIVE: {
        Action.READ: Reach.OWN_COMPANY,
        Action.DOWNLOAD: Reach.OWN_COMPANY,
        Action.SIGN_CONTRACT: Reach.OWN_COMPANY,
        Action.UPDATE_COMPANY: Reach.OWN_COMPANY,
    },
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user with a role, and the company or site a representative speaks for."""

    name: str
    role: Role
    user_id: int | None = None
    company_id: int | None = None
    site_id: int | None = None
    email: str | None = None
    # The development key's built-in coordinator is in charge of every pilot, so the local stack,
    # the demo and the tests can drive all stages without assigning anyone.
    coordinates_everything: bool = False

    @property
    def actor(self) -> str:
        """Who did it, as the audit log and the flow-run and signature records name them (models/actors.py):
        `<role>:<e-mail>` for a user, `<role>:<name>` for the development key."""
        return user_actor(self.role, self.email or self.name)

    def decides_as(self, typed_name: str) -> str:
        """The name a decision or a report's conclusions are recorded and signed under: a user's own name,
        whatever was typed; the development key has no person behind it, so the typed name stands."""
        return typed_name if self.user_id is None else self.name


@dataclass(frozen=True)
class Resource:
    kind: str  # application | pilot | document | company: the word a "not found" answer uses
    key: object  # its id
    company_id: int | None  # None: no company's (models.users.owning_company)
    site_id: int | None = None  # the pilot's test site, once a pilot exists
    coordinator_ids: frozenset[int] = frozenset()  # users assigned to the pilot


class Verdict(StrEnum):
    ALLOWED = "allowed"
    FORBIDDEN = "forbidden"  # the caller may see the resource, not do this to it (403)
    HIDDEN = "hidden"  # the caller may not even know the resource exists (404)


class Forbidden(Exception):
    """The caller may see the resource but not do this to it."""


def _covers(principal: Principal, reach: Reach | None, resource: Resource) -> bool:
    match reach:
        case Reach.ALL:
            return True
        case Reach.ASSIGNED:
            return principal.coordinates_everything or (
                principal.user_id is not None and principal.user_id in resource.coordinator_ids)
        case Reach.OWN_COMPANY:
            return principal.company_id is not None and principal.company_id == resource.company_id
        case Reach.OWN_SITE:
            return principal.site_id is not None and principal.site_id == resource.site_id
    return False


def authorize(principal: Principal, action: Action, resource: Resource | None = None) -> Verdict:
    """May `principal` do `action` to `resource` (None: to the program as a whole)?"""
    reach = PERMISSIONS[principal.role].get(action)
    if resource is None:
        return Verdict.ALLOWED if reach is Reach.ALL else Verdict.FORBIDDEN
    if _covers(principal, reach, resource):
        return Verdict.ALLOWED
    if _covers(principal, PERMISSIONS[principal.role].get(Action.READ), resource):
        return Verdict.FORBIDDEN
    return Verdict.HIDDEN


def enforce(principal: Principal, action: Action, resource: Resource | None = None) -> None:
    """Raise NotFound (worded as for a missing id) or Forbidden unless `authorize` allows the action."""
    verdict = authorize(principal, action, resource)
    if verdict is Verdict.HIDDEN:
        raise NotFound(resource.kind, resource.key)
    if verdict is Verdict.FORBIDDEN:
        if resource is not None and PERMISSIONS[principal.role].get(action) is Reach.ASSIGNED:
            raise Forbidden(f"{resource.kind} {resource.key} is not assigned to you "
                            f"(an administrator assigns it with `pilotflow users assign`)")
        raise Forbidden(f"the {principal.role.replace('_', ' ')} role may not {action.replace('_', ' ')}")


# The contract party a representative speaks for; agency people record any party's signature.
SIGNING_PARTY: dict[Role, str] = {Role.COMPANY_REPRESENTATIVE: "company", Role.SITE_REPRESENTATIVE: "site"}


def enforce_signature(principal: Principal, party: str, contract: Resource) -> None:
    """As enforce(SIGN_CONTRACT), and a representative signs only for their own party."""
    enforce(principal, Action.SIGN_CONTRACT, contract)
    own = SIGNING_PARTY.get(principal.role)
    if own is not None and party != own:
        raise Forbidden(f"a {principal.role.replace('_', ' ')} signs for the {own}, not for the {party}")
