"""The five pilot stages, declared once as data.

Both the flows and the API consult this table: the API answers 409 with `reason` when a stage
is triggered out of order, and each flow checks again before it writes anything, so a run
started from the Prefect UI obeys the same rules.
"""

from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    APPLICATION = "application"
    ANALYSIS = "analysis"
    ADOPTION = "adoption"
    MONITORING = "monitoring"
    EVALUATION = "evaluation"


class Status(StrEnum):
    SUBMITTED = "submitted"  # stored, waiting for screening
    REGISTERED = "registered"  # eligible, waiting for analysis
    INELIGIBLE = "ineligible"
    DUPLICATE = "duplicate"
    ANALYSED = "analysed"  # analysis and draft methodology stored, waiting for adoption
    REJECTED = "rejected"
    CONTRACTING = "contracting"  # methodology adopted, contract generated, waiting for the three signatures
    PILOTING = "piloting"  # contract signed by all three parties, pilot active
    EVALUATED = "evaluated"  # analytical report stored


class PilotStatus(StrEnum):
    CONTRACTING = "contracting"  # approved, the contract waits for its signatures
    ACTIVE = "active"  # signed: monitored, collects feedback
    STOPPED = "stopped"  # stopped at the midpoint review
    COMPLETED = "completed"  # evaluated, the report stored


class MethodologyStatus(StrEnum):
    DRAFT = "draft"
    ADOPTED = "adopted"
    SUPERSEDED = "superseded"  # a later analysis drafted another


class ContractStatus(StrEnum):
    DRAFT = "draft"  # being prepared
    SENT = "sent"  # open for the parties' signatures
    PARTLY_SIGNED = "partly_signed"
    SIGNED = "signed"  # by all three parties


class ReviewStatus(StrEnum):
    AWAITING = "awaiting"
    DECIDED = "decided"


class Pause(StrEnum):
    """What a suspended stage run waits for; its pause key is `<pause>-<attempt>`, so the API can tell which."""

    DECISION = "decision"  # the coordinator's decision on the draft methodology (adoption)
    SIGNATURES = "signatures"  # the contract's three signatures (adoption)

    def key(self, attempt: int) -> str:
        return f"{self}-{attempt}"

    def holds(self, pause_key: str | None) -> bool:
        return (pause_key or "").startswith(f"{self}-")


class Actor(StrEnum):
    APPLICANT = "applicant"
    COORDINATOR = "coordinator"
    SCHEDULE = "schedule"


@dataclass(frozen=True)
class StageSpec:
    stage: Stage
    order: int
    flow_name: str
    allowed_from: frozenset[Status]  # statuses in which the stage may start
    outcomes: frozenset[Status]  # statuses the stage may leave behind
    actors: frozenset[Actor]  # who may start it

    @property
    def deployment_name(self) -> str:
        return f"{self.flow_name}/{self.flow_name}"


STAGES: tuple[StageSpec, ...] = (
    StageSpec(
        Stage.APPLICATION, 1, "pilot-application",
        allowed_from=frozenset({Status.SUBMITTED}),
        outcomes=frozenset({Status.REGISTERED, Status.INELIGIBLE, Status.DUPLICATE}),
        actors=frozenset({Actor.APPLICANT, Actor.COORDINATOR}),
    ),
    StageSpec(
        Stage.ANALYSIS, 2, "pilot-analysis",
        # Re-running the analysis of an analysed application replaces the draft.
        allowed_from=frozenset({Status.REGISTERED, Status.ANALYSED}),
        outcomes=frozenset({Status.ANALYSED}),
        actors=frozenset({Actor.COORDINATOR}),
    ),
    StageSpec(
        Stage.ADOPTION, 3, "pilot-adoption",
        # From 'contracting' a new run picks up a contract whose signatures are complete (or still awaited).
        allowed_from=frozenset({Status.ANALYSED, Status.CONTRACTING}),
        # "request changes" sends the application back to analysis; approval leads through the
        # signatures ('contracting') to 'piloting'.
        outcomes=frozenset({Status.CONTRACTING, Status.PILOTING, Status.REJECTED, Status.REGISTERED}),
        actors=frozenset({Actor.COORDINATOR}),
    ),
    StageSpec(
        Stage.MONITORING, 4, "pilot-monitoring",
        allowed_from=frozenset({Status.PILOTING}),
        outcomes=frozenset({Status.PILOTING}),
        actors=frozenset({Actor.COORDINATOR, Actor.SCHEDULE}),
    ),
    StageSpec(
        Stage.EVALUATION, 5, "pilot-evaluation",
        allowed_from=frozenset({Status.PILOTING}),
        outcomes=frozenset({Status.EVALUATED}),
        actors=frozenset({Actor.COORDINATOR}),
    ),
)

STAGE_BY_SLUG: dict[Stage, StageSpec] = {spec.stage: spec for spec in STAGES}
CLOSED_STATUSES = frozenset({Status.INELIGIBLE, Status.DUPLICATE, Status.REJECTED, Status.EVALUATED})


class StageNotAllowed(Exception):
    """A stage was started, or a status change attempted, that the stage table does not allow."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _stages_leading_to(status: Status) -> list[Stage]:
    return [spec.stage for spec in STAGES if status in spec.outcomes]


def check_can_start(stage: Stage, status: Status, actor: Actor) -> StageSpec:
    """Return the stage's spec if `actor` may start `stage` now; raise StageNotAllowed otherwise."""
    spec = STAGE_BY_SLUG[stage]
    if actor not in spec.actors:
        raise StageNotAllowed(f"the {actor} may not start the {stage} stage")
    if status in spec.allowed_from:
        return spec
    if status in CLOSED_STATUSES:
        raise StageNotAllowed(f"the application is closed (status '{status}'); no stage can start")
    needed = " or ".join(f"'{s}'" for s in sorted(spec.allowed_from))
    previous = sorted({p for s in spec.allowed_from for p in _stages_leading_to(s)} - {stage})
    hint = f"; run the {' or '.join(previous)} stage first" if previous else ""
    raise StageNotAllowed(
        f"the {stage} stage needs status {needed}, but the application is '{status}'{hint}"
    )


def check_outcome(stage: Stage, status: Status) -> None:
    """Raise StageNotAllowed if `stage` may not leave the application in `status`."""
    if status not in STAGE_BY_SLUG[stage].outcomes:
        raise StageNotAllowed(f"the {stage} stage cannot set status '{status}'")
