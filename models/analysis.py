"""Stage 2 persistence: the stored analysis and the draft methodology it proposes."""

from sqlmodel import Session, select

from models.rules.analysis import AnalysisResult
from models.stages import MethodologyStatus, Stage, Status
from models.tables import Analysis, Application, Methodology
from models.transitions import transition


def latest_draft(session: Session, application_id: int) -> Methodology | None:
    return session.exec(
        select(Methodology).where(Methodology.application_id == application_id, Methodology.status == MethodologyStatus.DRAFT)
        .order_by(Methodology.id.desc())
    ).first()


def analysis_outcome(result: AnalysisResult) -> str:
    """One line for the audit log and the run's log."""
    if result.methodology is not None:
        where = f"draft methodology at {result.site.code}"
    elif result.site is None:
        where = "no site can take the pilot now"
    else:
        where = "no draft methodology"
    return f"score {result.score.total:g}; {result.score.verdict}; {where}"


def store_analysis(session: Session, application: Application, result: AnalysisResult, actor: str,
                   flow_run_id: str | None) -> Analysis:
    """Store the analysis and its draft methodology; a new analysis supersedes the previous draft."""
    analysis = Analysis(application_id=application.id, flow_run_id=flow_run_id, **result.analysis_fields())
    session.add(analysis)
    session.flush()
    drafts = select(Methodology).where(Methodology.application_id == application.id, Methodology.status == MethodologyStatus.DRAFT)
    for old_draft in session.exec(drafts):
        old_draft.status = MethodologyStatus.SUPERSEDED
    draft = result.methodology_fields()
    if draft is not None:
        session.add(Methodology(application_id=application.id, analysis_id=analysis.id, **draft))
    transition(session, application, Stage.ANALYSIS, Status.ANALYSED, actor, flow_run_id, analysis_outcome(result))
    return analysis
