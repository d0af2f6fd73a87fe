"""A running pilot written straight into the database, for the stage-4 tests (no stage flows needed)."""

from datetime import date, timedelta

from sqlmodel import select

from models.db import session_scope
from models.rules.methodology import checkpoint_calendar
from models.tables import Analysis, Application, Company, Methodology, Pilot, Site

QUEUE = {"code": "QUEUE_MIN", "name_en": "Queue time", "name_ru": "Время ожидания", "unit": "min",
         "baseline": 20.0, "target": 10.0, "minimum_acceptable": 15.0, "direction": "decrease",
         "frequency_days": 14, "primary": True}
USERS = {"code": "DAILY_USERS", "name_en": "Daily users", "name_ru": "Пользователи в день", "unit": "people",
         "baseline": 100.0, "target": 200.0, "minimum_acceptable": 150.0, "direction": "increase",
         "frequency_days": 7, "primary": False}
COORDINATOR = "Сидорова Анна"


def make_pilot(start: date, weeks: int = 10, kpis: tuple[dict, ...] = (QUEUE, USERS), status: str = "active",
               title: str = "Electronic queue kiosk") -> int:
    """An application in 'piloting' with an adopted methodology and its pilot; returns the pilot's id."""
    with session_scope() as session:
        site = session.exec(select(Site).order_by(Site.id)).first()
        company = Company(name="ООО «Очередь»", registration_number="7700000099", contact_email="q@example.org",
                          signatory_name="Иванов И. И.")
        session.add(company)
        session.flush()
        application = Application(company_id=company.id, title=title, description="A kiosk that issues tickets.",
                                  trl=8, status="piloting", stage="adoption")
        session.add(application)
        session.flush()
        analysis = Analysis(application_id=application.id, sector=site.sector, score=70.0)
        session.add(analysis)
        session.flush()
        end = start + timedelta(weeks=weeks)
        methodology = Methodology(
            application_id=application.id, analysis_id=analysis.id, site_id=site.id, status="adopted",
            duration_weeks=weeks, start_date=start, end_date=end, kpis=list(kpis),
            checkpoints=checkpoint_calendar(start, weeks), feedback_plan={"min_respondents": 50},
            adopted_by=COORDINATOR)
        session.add(methodology)
        session.flush()
        pilot = Pilot(application_id=application.id, methodology_id=methodology.id, site_id=site.id,
                      company_id=company.id, status=status, contract_number=f"PF-T-{application.id:04d}",
                      start_date=start, end_date=end)
        session.add(pilot)
        session.flush()
        return pilot.id
