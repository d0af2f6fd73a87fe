"""The data the Word templates see, and nothing else.

Every value is already formatted and localized in Python (dates, numbers, labels), so the
templates hold no logic and a lawyer can edit them safely. The field names are the template
variables listed in documents/README.md.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

Language = Literal["en", "ru"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Party(_Frozen):
    name: str
    registration_number: str
    address: str
    signatory_name: str
    signatory_title: str


class KpiRow(_Frozen):
    name: str
    unit: str
    baseline: str
    target: str
    minimum_acceptable: str
    frequency: str
    data_source: str
    owner: str


class CheckpointRow(_Frozen):
    number: int
    date: str
    kind: str


class KpiResultRow(_Frozen):
    name: str
    unit: str
    baseline: str
    target: str
    actual: str
    change: str
    met: str


class CheckpointSummaryRow(_Frozen):
    date: str
    severity: str
    summary: str


class DocumentContext(_Frozen):
    """Base of the per-template contexts: what render_docx needs besides the variables."""

    language: Language

    @property
    def document_title(self) -> str:
        """Title written to docProps/core.xml (File > Properties), never taken from the template."""
        raise NotImplementedError


class ContractContext(DocumentContext):
    contract_number: str
    contract_date: str
    place: str
    agency: Party
    company: Party
    site: Party
    solution_title: str
    solution_description: str
    site_name: str
    site_address: str
    start_date: str
    end_date: str
    duration_weeks: int
    hypotheses: list[str]
    kpis: list[KpiRow]
    checkpoints: list[CheckpointRow]
    feedback_min_respondents: int
    feedback_questions: list[str]
    success_criteria: list[str]
    stop_criteria: list[str]

    @property
    def document_title(self) -> str:
        if self.language == "ru":
            return f"Договор № {self.contract_number} о пилотном тестировании"
        return f"Pilot testing agreement No. {self.contract_number}"


class RefusalContext(DocumentContext):
    """The letter telling a company that its application was rejected at adoption, and why."""

    letter_number: str
    letter_date: str
    place: str
    agency: Party
    company: Party
    application_number: str
    application_date: str
    solution_title: str
    reason: str
    coordinator: str

    @property
    def document_title(self) -> str:
        if self.language == "ru":
            return f"Письмо № {self.letter_number} об отказе в пилотном тестировании"
        return f"Letter No. {self.letter_number}: pilot testing declined"


class Picture(_Frozen):
    """A PNG image; render_docx places it inline at the tag, `width_mm` wide."""

    png: bytes
    width_mm: int = 160


class ChartBlock(_Frozen):
    title: str
    image: Picture


class BandRow(_Frozen):
    band: str
    count: str
    share: str
    reference: str


class ThemeRow(_Frozen):
    name: str
    count: str
    share: str
    mean_rating: str


class ReportContext(DocumentContext):
    report_number: str
    report_date: str
    application_number: str
    solution_title: str
    solution_description: str
    company_name: str
    site_name: str
    site_address: str
    site_owner: str
    pilot_start: str
    pilot_end: str
    recommendation: str
    recommendation_reason: str
    recommendation_rule: list[str]
    summary: list[str]
    methodology: list[str]
    hypotheses: list[str]
    deviations: list[str]
    kpi_results: list[KpiResultRow]
    kpi_method: str
    kpi_charts: list[ChartBlock]
    respondents: int
    min_respondents: int
    feedback: list[str]
    rating_chart: Picture
    feedback_chart: Picture
    bands: list[BandRow]
    bands_note: str
    themes: list[ThemeRow]
    themes_note: str
    comments: list[str]
    checkpoints: list[CheckpointSummaryRow]
    incidents: list[str]
    data_gaps: list[str]
    coordinator: str
    conclusions: str
    expert: str
    expert_conclusions: str

    @property
    def document_title(self) -> str:
        if self.language == "ru":
            return f"Аналитический отчёт № {self.report_number} по итогам пилотного тестирования"
        return f"Pilot analytical report No. {self.report_number}"


class FigureRow(_Frozen):
    name: str
    value: str


class ProgramReportContext(DocumentContext):
    """The quarterly program report: the dashboard's figures and the quarter's own."""

    period: str
    report_date: str
    agency_name: str
    figures: list[FigureRow]
    quarter_figures: list[FigureRow]
    by_sector: list[FigureRow]
    by_stage: list[FigureRow]
    sites: list[FigureRow]
    charts: list[ChartBlock]

    @property
    def document_title(self) -> str:
        if self.language == "ru":
            return f"Отчёт о пилотной программе за {self.period}"
        return f"Pilot program report, {self.period}"
