"""Who acted, as the audit log (`auditevent.actor`), the stage runs (`stagerun.requested_by`) and the signatures
(`signature.recorded_by`) name them: one format everywhere.

- A user of the API: `<role>:<e-mail>`, e.g. `coordinator:a.sidorova@agency.example`. The e-mail is the user's
  unique login (`pilotflow users ...` names users by it); the role is the one they acted in, kept next to it
  because role and identity are different things: the stage table (models/stages.py) checks the role, the
  audit log records the person. The development key has no person behind it: `coordinator:development-key`.
- No user of the API: where the action came from, honestly, never a person's name it cannot vouch for:
  `applicant` (the public submission form), `prefect-ui` (a run started or a form answered in the Prefect UI
  or with its CLI: Prefect has no user accounts to tell who), `schedule` (a deployment's schedule),
  `automation:<name>` (an automation of prefect.yaml), `local` (a flow called in-process: tests, scripts).

The API passes the user to a flow in the flow's typed `requested_by` parameter, and to a waiting run in the
form's `decided_by` field; a flow without them names the run's origin (flows/common.py).
"""

APPLICANT = "applicant"
PREFECT_UI = "prefect-ui"
SCHEDULE = "schedule"
AUTOMATION = "automation"
LOCAL = "local"
MAX_LENGTH = 300  # a role, a colon and an e-mail (at most 254 characters)


def user_actor(role: str, login: str) -> str:
    """`<role>:<login>`; a login with spaces (the development key's name) gets dashes instead."""
    return f"{role}:{'-'.join(login.split())}"


def automation_actor(name: str | None) -> str:
    return f"{AUTOMATION}:{name}" if name else AUTOMATION
