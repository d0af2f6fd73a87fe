"""Request and response models shared by the API and the flows (their typed parameters)."""

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StringConstraints

from models import actors
from models.rules.facts import SectorSlug
from models.rules.methodology import MAX_WEEKS, MIN_WEEKS
from models.settings import local_today
from models.stages import ContractStatus, Stage, Status

Language = Literal["ru", "en"]


def _is_control(character: str) -> bool:
    """C0 (but line breaks and tabs), DEL and C1: never typed, and C1's CSI (U+009B) drives terminals."""
    code = ord(character)
    return (code < 32 and character not in "\n\r\t") or 0x7F <= code <= 0x9F


def _no_control_chars(value):
    # Before the whitespace is stripped: str.strip() takes some controls (U+001C-U+001F, U+0085) for spaces.
    if isinstance(value, str) and any(_is_control(c) for c in value):
        raise ValueError("must not contain control characters")
    return value


# Characters that reorder the text around them (a signatory shown as "edirrevo-LTR") and ones that show nothing.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def _fit_for_documents(value: str) -> str:
    """What a contract or report prints as a party's or a solution's name: no direction overrides, and
    something visible."""
    if any(c in BIDI_CONTROLS for c in value):
        raise ValueError("must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069, ...)")
    if value and all(c in INVISIBLE or c.isspace() for c in value):
        raise ValueError("must contain visible characters, not only zero-width ones")
    return value


def _not_a_truth_value(value):
    """JSON's true and false are not the numbers 1 and 0 (pydantic's lax mode would store `true` as 1)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


def _calendar_day(value):
    """A date is `YYYY-MM-DD` (or a date): pydantic's lax mode would also take a number, or a numeric string,
    as seconds since 1970."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date as YYYY-MM-DD")
    if not isinstance(value, (str, date)):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


# The days of the input models.
Day = Annotated[date, BeforeValidator(_calendar_day)]
# Numbers of the input models: what the lax mode accepts (a form's "5"), but never a boolean.
Int = Annotated[int, BeforeValidator(_not_a_truth_value)]
Float = Annotated[float, BeforeValidator(_not_a_truth_value)]


def bounded_int(**bounds: int) -> Any:
    """An Int within `bounds` (ge, le, gt) inside a list or an optional field, where pydantic would otherwise
    leave the bounds out of the JSON schema (as raw "ge"/"le" keys that no client understands)."""
    return Annotated[int, Field(**bounds), BeforeValidator(_not_a_truth_value)]

@dataclass(frozen=True)
class SchemaPattern:
    """The rule of the validator beside it, as the JSON schema's `pattern`, so that clients (and schemathesis)
    know it; the validator still checks it and says what is wrong in words."""

    pattern: str

    def __get_pydantic_json_schema__(self, core_schema, handler) -> dict:
        return handler(core_schema) | {"pattern": self.pattern}


CONTROL_CLASS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
BIDI_CLASS = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
Text = Annotated[str, BeforeValidator(_no_control_chars), StringConstraints(strip_whitespace=True),
                 SchemaPattern(f"^[^{CONTROL_CLASS}]*$")]
# Text of legal weight: printed in contracts and reports as a party, a signatory or the solution.
LegalText = Annotated[Text, AfterValidator(_fit_for_documents), SchemaPattern(f"^[^{CONTROL_CLASS}{BIDI_CLASS}]*$")]
Name = Annotated[LegalText, StringConstraints(min_length=1, max_length=300)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Who acted, as the audit log names them (models/actors.py): `coordinator:a.sidorova@agency.example`,
# `prefect-ui`, `schedule`, ... The stage flows' `requested_by` parameter and the forms' `decided_by` field.
ActorName = Annotated[Text, StringConstraints(min_length=1, max_length=actors.MAX_LENGTH)]


class DecidedBy(Strict):
    """The field a waiting run's form adds to the answer: who gave it. The API fills it in with the caller;
    left empty (in the Prefect UI's form) the answer is recorded as given in the Prefect UI."""

    decided_by: ActorName | None = Field(
        default=None, description="Filled in by the API. Leave it empty here: the audit log then records that the "
                                  "answer was given in the Prefect UI")


class CompanyIn(Strict):
    name: Name
    registration_number: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z-]{5,20}$")] = Field(
        description="Tax or company registration number (INN/OGRN or the foreign equivalent)"
    )
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "RU"
    address: Annotated[LegalText, StringConstraints(max_length=500)] = ""
    contact_email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
    signatory_name: Annotated[LegalText, StringConstraints(min_length=1, max_length=200)]
    signatory_title: Annotated[LegalText, StringConstraints(max_length=200)] = ""


EntityType = Literal["startup", "sme", "large_company", "research_organisation", "individual_entrepreneur",
                     "public_body"]
PLANNING_HORIZON = timedelta(days=730)


def _within_planning_horizon(value: date) -> date:
    if value > local_today() + PLANNING_HORIZON:
        raise ValueError(f"must be within {PLANNING_HORIZON.days} days from today")
    return value


class ApplicationCreate(Strict):
    """What a company submits: who it is, the solution, its readiness, what and where to test."""

    company: CompanyIn
    title: Annotated[LegalText, StringConstraints(min_length=3, max_length=200)]
    description: Annotated[Text, StringConstraints(min_length=20, max_length=10_000)]
    target_users: Annotated[Text, StringConstraints(max_length=1000)] = ""
    wants_to_test: Annotated[Text, StringConstraints(max_length=5000)] = ""
    trl: Int = Field(ge=1, le=9, description="Technology readiness level, 1-9")
    sector: SectorSlug | None = None
    setting: Literal["indoor", "outdoor", "any"] = "any"
    needs_power: StrictBool = False
    needs_network: StrictBool = False
    handles_personal_data: StrictBool = False
    certificates: list[Annotated[Text, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=20
    )
    desired_start: Annotated[Day, AfterValidator(_within_planning_horizon)] | None = None
    language: Language = "ru"
    # What the stage-2 rubric weighs: leaving them out costs points, never validity.
    entity_type: EntityType | None = Field(default=None,
                                           description="Who applies; a public body is a site, not an applicant")
    personal_data_handling: Annotated[Text, StringConstraints(max_length=2000)] = Field(
        default="", description="How citizens' personal data is handled: legal basis, storage, access, deletion")
    impact_evidence: Annotated[Text, StringConstraints(max_length=5000)] = Field(
        default="", description="Evidence of the expected impact: measured results of earlier pilots, customers")
    novelty: Annotated[Text, StringConstraints(max_length=2000)] = Field(
        default="", description="What is new compared with existing solutions; patents or registered software")
    team_size: bounded_int(ge=1, le=100_000) | None = Field(default=None, description="People working on the solution")
    team_experience_years: bounded_int(ge=0, le=100) | None = Field(
        default=None, description="The team's years of experience in the field")
    route_to_purchase: Annotated[Text, StringConstraints(max_length=2000)] = Field(
        default="", description="Who would buy or roll out the solution after the pilot, how, at what price")


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


class MeasurementCreate(Strict):
    kpi_code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,60}$")]
    value: Annotated[Float, AfterValidator(_finite)]
    measured_at: Day
    source: Annotated[Text, StringConstraints(max_length=200)] = ""


AgeBand = Literal["under-18", "18-34", "35-54", "55-64", "65+"]
SusAnswer = bounded_int(ge=1, le=5)


class FeedbackCreate(Strict):
    """A citizen's feedback: no names, phones or e-mails, only optional anonymous bands."""

    rating: Int = Field(ge=1, le=5, description="Satisfaction, 1 (very poor) to 5 (excellent)")
    nps: bounded_int(ge=0, le=10) | None = Field(default=None, description="How likely to recommend it, 0-10")
    sus: list[SusAnswer] | None = Field(default=None, min_length=10, max_length=10,
                                        description="The ten System Usability Scale items, each 1-5, in order")
    age_band: AgeBand | None = None
    has_disability: StrictBool | None = None
    comment: Annotated[Text, StringConstraints(max_length=2000)] | None = None


class PaperFeedbackCreate(FeedbackCreate):
    """A paper questionnaire the pilot's coordinator types in: dated the day the citizen filled it in."""

    answered_on: Day | None = Field(default=None, description="The day on the questionnaire; default today")


class CitizenFeedbackCreate(FeedbackCreate):
    """What the public feedback link (the QR code) accepts: both the CSAT and the NPS question are answered."""

    nps: Int = Field(ge=0, le=10, description="How likely to recommend it, 0-10")


class MidpointDecision(Strict):
    """The coordinator's decision at a pilot's midpoint checkpoint (stage 4): the form in the Prefect UI."""

    decision: Literal["continue", "adjust", "stop"] = Field(
        description="continue as planned / adjust (say what in the comment) / stop the pilot early")
    coordinator: Annotated[LegalText, StringConstraints(min_length=1, max_length=200)]
    comment: Annotated[Text, StringConstraints(max_length=2000)] = ""


class KpiTarget(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,60}$")]
    target: Annotated[Float, AfterValidator(_finite)]


class AdoptionDecision(Strict):
    """The coordinator's decision on the draft methodology (stage 3): the form the waiting
    pilot-adoption run shows in the Prefect UI, and the body of POST /applications/{id}/decision."""

    decision: Literal["approve", "request_changes", "reject"]
    coordinator: Annotated[LegalText, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Who decides; recorded in the audit log")
    comment: Annotated[Text, StringConstraints(max_length=2000)] = Field(
        default="", description="Required to request changes or to reject: the reason (a refusal letter quotes it)")
    site_id: bounded_int(gt=0) | None = Field(
        default=None, description="One of the ranked candidate sites; default: the draft's")
    start_date: Day | None = Field(default=None, description="Default: the draft methodology's start date")
    duration_weeks: bounded_int(ge=MIN_WEEKS, le=MAX_WEEKS) | None = Field(
        default=None, description="Default: the draft methodology's duration")
    kpi_targets: list[KpiTarget] | None = Field(
        default=None, max_length=20,
        description="New targets for some KPIs (each beyond its minimum acceptable value); the rest keep the draft's")


class SignatureCreate(Strict):
    """One party's signature of a tripartite contract (the signed scan, if any, comes as a file)."""

    party: Literal["company", "site", "agency"]
    signatory_name: Annotated[LegalText, StringConstraints(min_length=1, max_length=200)]
    signed_on: Day


class EvaluationInput(Strict):
    """The coordinator's and expert's conclusions for the analytical report (stage 5): the form the waiting
    pilot-evaluation run shows in the Prefect UI, and the body of POST /applications/{id}/conclusions."""

    coordinator: Annotated[LegalText, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Who signs the report; recorded in the audit log")
    conclusions: Annotated[Text, StringConstraints(max_length=5000)] = Field(
        default="", description="The coordinator's conclusions")
    expert: Annotated[LegalText, StringConstraints(max_length=200)] = Field(default="", description="The expert's name")
    expert_conclusions: Annotated[Text, StringConstraints(max_length=5000)] = Field(
        default="", description="The expert's assessment of the results")
    critical_incident: Annotated[Text, StringConstraints(max_length=2000)] = Field(
        default="", description="An incident that endangered citizens or their data, if any; it makes the "
                                "recommendation 'stop'. Leave empty when there was none.")
    early_end_reason: Annotated[Text, StringConstraints(max_length=2000)] = Field(
        default="", description="Why the pilot is evaluated before its planned end, if it is; without a reason "
                                "an early evaluation cannot recommend roll-out. The report states it.")


class StageRunRequest(Strict):
    """Body of POST /applications/{id}/stages/{stage}/runs; each stage reads its own part."""

    as_of: Day | None = Field(default=None, description="Monitoring day; default today")
    override_trl_gate: StrictBool = Field(
        default=False, description="Analysis: the coordinator lets a technology below TRL 5 through the live-pilot "
                                   "gate")


# --- responses -------------------------------------------------------------------------------


class CompanyPublic(BaseModel):
    id: int
    name: str
    registration_number: str
    country: str


class CompanyDetailsPublic(BaseModel):
    name: str
    registration_number: str
    country: str
    address: str
    contact_email: str
    signatory_name: str
    signatory_title: str


class CompanyDetailsReview(Strict):
    """A coordinator's answer to an application whose company details differ from the company's record."""

    accept: StrictBool = Field(description="true: write the submitted details into the company's record; "
                                           "false: keep the record as it is")


class FlowRunPublic(BaseModel):
    id: str
    name: str | None = None
    deployment: str | None = None
    state_type: str | None = None
    state_name: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    ui_url: str | None = None


class StageRunPublic(BaseModel):
    stage: Stage
    flow_run_id: str
    requested_by: str
    created_at: datetime
    state_type: str | None = None
    state_name: str | None = None


class DocumentPublic(BaseModel):
    id: int
    kind: str
    version: int
    language: str
    filename: str
    sha256: str
    size: int
    created_at: datetime
    template_name: str
    template_version: str | None = Field(description="The template's revision (Word counts it up on every save)")
    template_sha256: str
    download_url: str
    pdf_url: str | None = Field(default=None, description="None where no PDF could be made (LibreOffice missing)")


class AnalysisContent(BaseModel):
    """Stage 2's result, as stored by the pilot-analysis flow and as POST /analysis/preview returns it."""

    sector: str = Field(description="The sector the analysis settled on: the declared one, else the best suggestion")
    suggested_sectors: list[dict] = Field(description="All 11 sectors ranked: {sector, score}")
    sector_note: str | None = Field(description="Set when the text disagrees strongly with the declared sector")
    score: float = Field(description="Points out of 100 from the weighted criteria")
    score_breakdown: list[dict] = Field(description="Every criterion: {criterion, label, points, max_points, reason}")
    gates: list[dict] = Field(description="Every pass/fail gate: {gate, label, passed, reason, overridden}")
    gates_passed: bool = Field(description="False: the application may not go to a live pilot as it stands")
    candidate_sites: list[dict] = Field(description="Ranked {site_id, name, sector, score, reasons}, then excluded")
    site_summary: dict = Field(description="Sites in the catalog, feasible, and excluded for which reason")


class AnalysisPublic(AnalysisContent):
    id: int
    created_at: datetime


class MethodologyContent(BaseModel):
    site_id: int
    duration_weeks: int
    start_date: date
    end_date: date
    hypotheses: list[str]
    kpis: list[dict]
    checkpoints: list[dict]
    feedback_plan: dict
    success_criteria: list[str]
    stop_criteria: list[str]


class MethodologyPublic(MethodologyContent):
    id: int
    status: str


class AnalysisPreview(AnalysisContent):
    methodology: MethodologyContent | None = Field(description="The draft methodology; none when no site can host "
                                                               "the pilot or a gate failed")


class CheckpointPublic(BaseModel):
    as_of: date
    kind: str
    severity: str
    kpi_results: list[dict]
    feedback_summary: dict
    deviations: list[str]
    timeline: dict


class PilotPublic(BaseModel):
    id: int
    status: str
    contract_number: str
    site_id: int
    start_date: date
    end_date: date
    feedback_url: str
    checkpoints: list[CheckpointPublic]


class ApplicationPublic(BaseModel):
    id: int
    registration_number: str | None
    status: Status
    stage: Stage
    title: str
    description: str
    trl: int
    sector: str | None
    language: str
    company: CompanyPublic
    company_details_pending: bool = Field(
        description="The submission's company details differ from the company's record and await a coordinator "
                    "(POST /applications/{id}/company-details); until then the record stands")
    submitted_company_details: CompanyDetailsPublic | None = Field(
        None, description="While pending: the details the submission gave")
    screening: dict
    duplicate_of_id: int | None
    submitted_at: datetime
    updated_at: datetime
    next_stages: list[Stage] = Field(description="Stages that may be started now")
    analysis: AnalysisPublic | None = None
    methodology: MethodologyPublic | None = None
    pilot: PilotPublic | None = None
    documents: list[DocumentPublic] = []
    flow_runs: list[StageRunPublic] = []


class ApplicationAccepted(BaseModel):
    id: int
    status: Status
    stage: Stage
    flow_run_id: str | None
    links: dict[str, str]


class StageRunAccepted(BaseModel):
    application_id: int
    stage: Stage
    flow_run_id: str
    status_url: str


class DecisionAccepted(BaseModel):
    application_id: int
    decision: str
    flow_run_id: str = Field(description="The pilot-adoption run that was waiting and now goes on")
    status_url: str


class SignaturePublic(BaseModel):
    party: str
    signatory_name: str
    signed_on: date
    scan_sha256: str | None
    created_at: datetime


class ContractPublic(BaseModel):
    id: int
    contract_number: str
    application_id: int
    pilot_id: int
    status: ContractStatus
    company: str
    site: str
    created_at: datetime
    sent_at: datetime | None
    signed_at: datetime | None
    awaiting: list[str] = Field(description="Parties whose signature is still missing")
    signatures: list[SignaturePublic]
    document: DocumentPublic


class SignatureRecorded(BaseModel):
    contract: ContractPublic
    activation: str | None = Field(description="Once all three signed: what happened to the waiting adoption run")
