"""SQLModel tables. Timestamps are aware UTC; dates are calendar dates in Europe/Moscow."""

import secrets
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.rules.timeline import BASELINE_WINDOW_DAYS
from models.stages import ContractStatus, MethodologyStatus, PilotStatus, ReviewStatus, Stage, Status


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_feedback_token() -> str:
    """The unguessable part of a pilot's public feedback link (and its QR code)."""
    return secrets.token_urlsafe(24)


class Lifecycle(TypeDecorator):
    """A lifecycle (models/stages.py) stored as its plain string, not a database enum, so adding a status needs no
    type migration; read back as the enum's member."""

    impl = String
    cache_ok = True

    def __init__(self, lifecycle: type[StrEnum], length: int | None = None):
        super().__init__(length)
        self.lifecycle = lifecycle

    def process_bind_param(self, value, dialect):
        return None if value is None else str(self.lifecycle(value))

    def process_result_value(self, value, dialect):
        return None if value is None else self.lifecycle(value)


def json_field(default_factory=list) -> Any:
    return Field(default_factory=default_factory, sa_type=JSON)


class Sector(SQLModel, table=True):
    slug: str = Field(primary_key=True, max_length=40)
    name_en: str
    name_ru: str


class Company(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    registration_number: str = Field(index=True, max_length=40)
    country: str = Field(default="RU", max_length=2)
    address: str = Field(default="", max_length=500)
    contact_email: str = Field(max_length=254)
    signatory_name: str = Field(max_length=200)
    signatory_title: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Site(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)
    name_en: str
    name_ru: str
    sector: str = Field(foreign_key="sector.slug", index=True)
    allowed_sectors: list[str] = json_field()
    owner_type: str  # public | commercial
    owner_name: str
    owner_name_en: str
    district: str
    address_en: str
    address_ru: str
    need_en: str = Field(sa_column=Column(Text, nullable=False))
    need_ru: str = Field(sa_column=Column(Text, nullable=False))
    setting: str  # indoor | outdoor | mixed
    has_power: bool
    has_network: bool
    capacity: int  # concurrent pilots the site can host
    available_from: date
    daily_visitors: int
    signatory_name: str
    signatory_name_en: str
    signatory_title: str
    signatory_title_en: str


class Application(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    title: str = Field(max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    target_users: str = Field(default="", max_length=1000)
    wants_to_test: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    trl: int
    sector: str | None = Field(default=None, max_length=40)
    setting: str = Field(default="any", max_length=10)  # indoor | outdoor | any
    needs_power: bool = False
    needs_network: bool = False
    handles_personal_data: bool = False
    certificates: list[str] = json_field()
    desired_start: date | None = None
    language: str = Field(default="ru", max_length=2)  # language of the contract and letters
    # What the stage-2 rubric weighs (all optional for the applicant).
    entity_type: str | None = Field(default=None, max_length=30)
    personal_data_handling: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    impact_evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    novelty: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    team_size: int | None = None
    team_experience_years: int | None = None
    route_to_purchase: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The company details the submission gave, as typed. They update the company's record only when the
    # submitter may change it (models/application.py); otherwise they wait here for a coordinator.
    submitted_company_details: dict = json_field(dict)
    company_details_pending: bool = Field(default=False, index=True)
    status: Status = Field(default=Status.SUBMITTED, index=True, sa_type=Lifecycle(Status, 20))
    stage: Stage = Field(default=Stage.APPLICATION, sa_type=Lifecycle(Stage, 20))
    registration_number: str | None = Field(default=None, unique=True, max_length=20)
    duplicate_of_id: int | None = Field(default=None, foreign_key="application.id")
    screening: dict = json_field(dict)  # {"eligible": bool, "reasons": [...], "warnings": [...]}
    submitted_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Analysis(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    sector: str  # the sector the analysis settled on (declared, else the best suggestion)
    score: float
    score_breakdown: list[dict] = json_field()
    suggested_sectors: list[dict] = json_field()
    sector_note: str | None = None
    candidate_sites: list[dict] = json_field()
    gates: list[dict] = json_field()  # the rubric's pass/fail gates, each with its reason
    gates_passed: bool = True
    site_summary: dict = json_field(dict)  # sites considered, feasible, and excluded for which reason
    created_at: datetime = Field(default_factory=utcnow)
    flow_run_id: str | None = None


class Methodology(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    analysis_id: int = Field(foreign_key="analysis.id")
    site_id: int = Field(foreign_key="site.id")
    status: MethodologyStatus = Field(default=MethodologyStatus.DRAFT, sa_type=Lifecycle(MethodologyStatus))
    duration_weeks: int
    start_date: date
    end_date: date
    baseline_days: int = Field(default=BASELINE_WINDOW_DAYS, sa_column_kwargs={"server_default": str(BASELINE_WINDOW_DAYS)})
    hypotheses: list[str] = json_field()
    kpis: list[dict] = json_field()
    checkpoints: list[dict] = json_field()  # [{"number", "date", "kind"}]
    feedback_plan: dict = json_field(dict)
    success_criteria: list[str] = json_field()
    stop_criteria: list[str] = json_field()
    adopted_by: str | None = None
    adopted_at: datetime | None = None
    decision_comment: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)


class Pilot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", unique=True)
    methodology_id: int = Field(foreign_key="methodology.id")
    site_id: int = Field(foreign_key="site.id", index=True)
    company_id: int = Field(foreign_key="company.id")
    status: PilotStatus = Field(default=PilotStatus.ACTIVE, index=True, sa_type=Lifecycle(PilotStatus))
    contract_number: str = Field(unique=True, max_length=20)
    feedback_token: str = Field(default_factory=new_feedback_token, unique=True, max_length=43)
    start_date: date
    end_date: date
    created_at: datetime = Field(default_factory=utcnow)
    # The analytical report's verdict (roll_out | iterate | extend | stop), kept for the program's figures.
    recommendation: str | None = Field(default=None, max_length=20)


class Document(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("application_id", "kind", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    pilot_id: int | None = Field(default=None, foreign_key="pilot.id")
    kind: str  # contract | report | refusal
    version: int = 1
    language: str
    filename: str
    content_type: str
    storage_key: str
    sha256: str = Field(max_length=64)
    size: int
    template_name: str
    template_sha256: str = Field(max_length=64)
    template_version: str | None = Field(default=None, max_length=20)  # the template's revision (Word counts saves)
    # The PDF rendition made by LibreOffice with the .docx; none where LibreOffice is not installed.
    pdf_storage_key: str | None = None
    pdf_sha256: str | None = Field(default=None, max_length=64)
    pdf_size: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    flow_run_id: str | None = None


class Contract(SQLModel, table=True):
    """A pilot's tripartite contract; its number is the pilot's contract_number, its files are Documents."""

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", unique=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    status: ContractStatus = Field(default=ContractStatus.DRAFT, index=True, sa_type=Lifecycle(ContractStatus, 20))
    document_id: int = Field(foreign_key="document.id")  # the version sent for signature
    company_details: dict = json_field(dict)  # the company's confirmed details the contract prints
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    signed_at: datetime | None = None


class Signature(SQLModel, table=True):
    """One party's signature of a contract; each party signs once."""

    __table_args__ = (UniqueConstraint("contract_id", "party"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    party: str = Field(max_length=10)  # company | site | agency
    signatory_name: str = Field(max_length=200)
    signed_on: date
    # The signed scan (PDF) in the document store, when one was uploaded.
    scan_storage_key: str | None = None
    scan_sha256: str | None = Field(default=None, max_length=64)
    scan_size: int | None = None
    recorded_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Checkpoint(SQLModel, table=True):
    # One record per pilot and monitoring day: a re-run of the same day replaces it.
    __table_args__ = (UniqueConstraint("pilot_id", "as_of"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    as_of: date
    kind: str  # baseline | regular | midpoint | final | interim
    kpi_results: list[dict] = json_field()
    feedback_summary: dict = json_field(dict)
    deviations: list[str] = json_field()
    severity: str  # ok | warning | critical
    timeline: dict = json_field(dict)  # elapsed share, days left, next and overdue calendar checkpoints
    signals: dict = json_field(dict)  # deviation event -> its severity and details; only new ones become events
    flow_run_id: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Measurement(SQLModel, table=True):
    # Covers the monitoring sweep's "latest value per pilot and KPI" without reading the table.
    __table_args__ = (Index("ix_measurement_latest", "pilot_id", "kpi_code", "measured_at", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    kpi_code: str = Field(max_length=60)
    value: float
    measured_at: date
    source: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Feedback(SQLModel, table=True):
    """A citizen's answer. No names, phones or e-mails: only anonymous bands."""

    # Covers the monitoring sweep's feedback aggregates per pilot without reading the table.
    __table_args__ = (Index("ix_feedback_monitoring", "pilot_id", "created_at", "rating", "nps", "sus_score"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    rating: int  # satisfaction (CSAT), 1-5
    nps: int | None = None  # likelihood to recommend, 0-10
    sus: list[int] | None = Field(default=None, sa_type=JSON)  # the ten System Usability Scale items, 1-5
    sus_score: float | None = None  # the answers' SUS score, 0-100, kept so monitoring can average it in SQL
    age_band: str | None = Field(default=None, max_length=10)
    has_disability: bool | None = None
    comment: str | None = Field(default=None, sa_column=Column(Text))
    client_hash: str | None = Field(default=None, max_length=64, index=True)  # for the repeat-submission rule
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Notification(SQLModel, table=True):
    """A message to a pilot's coordinator about a severe deviation (written by the pilot-notification flow)."""

    # One per pilot, event and monitoring day: a repeated trigger or a re-run of the day adds nothing.
    __table_args__ = (UniqueConstraint("pilot_id", "event", "as_of"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    coordinator: str  # the coordinator who adopted the pilot's methodology
    event: str = Field(max_length=60)  # e.g. pilot.kpi.off-track
    severity: str = Field(max_length=10)
    as_of: date
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    email_status: str = Field(default="not configured", max_length=300)  # sent | not configured | failed: ...
    created_at: datetime = Field(default_factory=utcnow)


class MidpointReview(SQLModel, table=True):
    """The coordinator's continue / adjust / stop decision at a pilot's midpoint checkpoint."""

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", unique=True)
    status: ReviewStatus = Field(default=ReviewStatus.AWAITING, sa_type=Lifecycle(ReviewStatus, 10))
    flow_run_id: str | None = Field(default=None, max_length=36)  # the review run waiting for the decision
    requested_at: datetime = Field(default_factory=utcnow)
    decision: str | None = Field(default=None, max_length=10)  # continue | adjust | stop
    coordinator: str | None = None
    comment: str | None = Field(default=None, sa_column=Column(Text))
    decided_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Append-only: rows are inserted, never updated or deleted."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str
    application_id: int = Field(foreign_key="application.id", index=True)
    from_stage: str | None = None
    to_stage: str
    from_status: str | None = None
    to_status: str
    flow_run_id: str | None = None
    detail: str | None = Field(default=None, sa_column=Column(Text))


class StageRun(SQLModel, table=True):
    """A flow run started for an application, so its state can be shown and overlaps refused."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    stage: str = Field(sa_type=String(20))
    flow_run_id: str = Field(unique=True, max_length=36)
    requested_by: str
    created_at: datetime = Field(default_factory=utcnow)
    final_state: str | None = None  # cached once the run reached a final state


class User(SQLModel, table=True):
    """A person who calls the API with a token or signs in to the portal; the role decides what they may do
    (models/permissions.py)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str = Field(unique=True, max_length=254)  # stored lower-case
    role: str = Field(sa_type=String(30))  # models.permissions.Role
    # The company or the test site a representative speaks for; empty for agency people.
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # For signing in to the portal (models.users.hash_password: scrypt with a salt); none: API tokens only.
    password_hash: str | None = Field(default=None, max_length=200)


class ApiToken(SQLModel, table=True):
    """An API token. Only its SHA-256 is kept: the token itself is shown once, when it is created."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class PilotAssignment(SQLModel, table=True):
    """A coordinator in charge of a pilot, from its application on (the pilot row exists only after adoption)."""

    __table_args__ = (UniqueConstraint("application_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    assigned_at: datetime = Field(default_factory=utcnow)


class IdempotencyRecord(SQLModel, table=True):
    """A POST that starts work, by its `Idempotency-Key`: the request's fingerprint and, once answered, the
    answer that a retry with the same key gets again (models/idempotency.py)."""

    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=200)  # the method and path: a key is only ever compared within one route
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None  # none while the first request is being answered
    response: dict | None = Field(default=None, sa_type=JSON)
    # When the key was last reserved; its expiry and the purge of old keys count from it (indexed for the purge).
    created_at: datetime = Field(default_factory=utcnow, index=True)


class SignInFailure(SQLModel, table=True):
    """A failed portal sign-in, counted against the e-mail and against the client's address (models/signin.py).
    In the database, so that every API process counts the same failures; kept only for the throttle's window."""

    __table_args__ = (Index("ix_signinfailure_kind_key_at", "kind", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # email | address
    key: str = Field(max_length=254)
    at: datetime = Field(default_factory=utcnow, index=True)
