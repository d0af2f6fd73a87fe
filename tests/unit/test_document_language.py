"""Every user-visible word of a document is in the application's language.

Each document is built the way the flows build it (documents/builders.py, documents/reports.py) from
realistic content: KPIs from several sectors' libraries, methodology texts, monitoring records with every
kind of deviation, citizens' comments with themes, the recommendation's reasons, the program's figures. The
text python-docx reads (body, tables, headers, footers) and the text drawn into the charts is then checked:
a Russian document may hold no Latin word (except the few below) and an English one no Cyrillic word.
"""

import io
import re
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from docx import Document as WordDocument
from matplotlib.text import Text

from documents import charts
from documents.builders import contract_context, refusal_context, site_name
from documents.poster import PosterText, feedback_poster_docx
from documents.render import render_docx
from documents.reports import program_report_context, report_context
from models.application import company_details
from models.catalog import feedback_questions, load_sectors, load_sites, sector_by_slug
from models.rules.evaluation import PilotFacts, Response, evaluate_pilot
from models.rules.methodology import draft_methodology
from models.rules.monitoring import FeedbackSoFar, PilotPlan, evaluate_checkpoint
from models.schemas import EvaluationInput
from models.settings import Settings
from models.stats import Count, CycleTime, ProgramStats, QuarterStats
from models.tables import Application, Company, Methodology, Pilot, Site
from tests.unit.test_documents import document_text

START = date(2026, 3, 2)
WEEKS = 12
END = START + timedelta(weeks=WEEKS)
SECTORS = ("retail-services", "healthcare", "energy-efficiency", "transport")

# Abbreviations and symbols a Russian text legitimately writes in Latin letters.
LATIN_ALLOWED = {
    "KPI", "NPS", "SUS", "CSAT", "QR",
    "t",  # Student's t (distribution, interval)
    "Sauro", "Lewis",  # the authors of the SUS grading curve
    "A", "B", "C", "D", "F",  # SUS letter grades
}
# Codes: KPI codes, site codes, document numbers, "T0", "PM2.5" (upper case with a digit or a separator).
CODE = re.compile(r"[A-Z][A-Z0-9]*(?:[-_./][A-Z0-9]+)+|[A-Z]+[0-9][A-Z0-9.]*")
# E-mail addresses, URLs and file names (the themes note names the keyword lists' file).
ADDRESS = re.compile(r"\S+@\S+|https?://\S+|[\w/.-]+\.json\b")
LATIN_TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./+-]*[A-Za-z0-9_+]|[A-Za-z]")
CYRILLIC_WORD = re.compile(r"[А-Яа-яЁё]+")

# User-provided content, in each language: it is printed as given, so it is written in the document's language.
CONTENT = {
    "ru": {
        "title": "Говорящий город: звуковая навигация",
        "description": "Маячки на остановках и приложение, которые объявляют маршрут и направление.",
        "company": Company(id=1, name="ООО «Говорящий город»", registration_number="1197746000002",
                           address="125047, г. Москва, ул. Лесная, д. 12", contact_email="info@talking.example",
                           signatory_name="Орлов Павел Сергеевич", signatory_title="генеральный директор"),
        "target_users": "незрячие и слабовидящие пассажиры",
        "coordinator": "Сидорова Анна",
        "comments": ["Удобно и громко, слышу автобус заранее", "Долго ждал, экран не работает",
                     "Очень полезно для незрячих", "Слишком тихо на шумной улице"],
        "reason": "Площадка не может разместить уличное оборудование до конца сезона.",
        "conclusions": "Решение надёжно работает в уличных условиях.",
        "incident": "Пассажир упал у остановки",
    },
    "en": {
        "title": "Talking City audio navigation",
        "description": "Beacons at stops and an app that announce the route and direction.",
        "company": Company(id=1, name="Talking City LLC", registration_number="1197746000002",
                           address="12 Lesnaya St., Moscow 125047", contact_email="info@talking.example",
                           signatory_name="Pavel Orlov", signatory_title="General Director"),
        "target_users": "blind and visually impaired passengers",
        "coordinator": "Anna Sidorova",
        "comments": ["Convenient and loud, I hear the bus early", "Waited too long, the screen does not work",
                     "Very helpful for blind people", "Too quiet on a noisy street"],
        "reason": "The site cannot host outdoor equipment before the season ends.",
        "conclusions": "The solution works reliably in street conditions.",
        "incident": "A passenger fell at the stop",
    },
}


# --- the documents, built as the flows build them -----------------------------------------------


def library_kpis(sectors=SECTORS) -> list[dict]:
    by_slug = sector_by_slug()
    return [k.model_dump() for slug in sectors for k in by_slug[slug].kpis]


def catalog_site(sector: str = "transport") -> Site:
    seed = next(s for s in load_sites() if s.sector == sector)
    return Site(id=1, **seed.model_dump())


def application(language: str) -> Application:
    content = CONTENT[language]
    return Application(id=7, company_id=1, title=content["title"], description=content["description"], trl=7,
                       language=language, registration_number="APP-2026-00007",
                       submitted_at=datetime(2026, 1, 15, 9, tzinfo=UTC), target_users=content["target_users"])


def methodology(language: str, kpis: list[dict], site: Site) -> Methodology:
    content = CONTENT[language]
    draft = draft_methodology(title=content["title"], trl=7, site_name=site_name(site, language),
                              daily_visitors=site.daily_visitors, kpi_library=kpis,
                              questions=feedback_questions(language), start=START, language=language, weeks=WEEKS,
                              target_users=content["target_users"], handles_personal_data=True)
    return Methodology(id=1, application_id=7, analysis_id=1, site_id=1, status="adopted", **asdict(draft),
                       adopted_by=content["coordinator"], adopted_at=datetime(2026, 2, 20, 10, tzinfo=UTC),
                       decision_comment=content["conclusions"])


def pilot() -> Pilot:
    return Pilot(id=1, application_id=7, methodology_id=1, site_id=1, company_id=1, contract_number="PF-2026-0007",
                 start_date=START, end_date=END)


def monitoring_records(plan: PilotPlan) -> list[dict]:
    """Checkpoint records as the monitoring flow stores them, with every kind of deviation."""
    primary = next(k for k in plan.kpis if k["primary"])
    secondary = next(k for k in plan.kpis if not k["primary"])
    worse = primary["baseline"] + (primary["baseline"] - primary["target"])  # beyond the baseline
    records = []
    for day, latest, feedback in (
        (START + timedelta(weeks=2), {}, FeedbackSoFar()),  # no data, no feedback, an overdue checkpoint
        (START + timedelta(weeks=6), {primary["code"]: (worse, START + timedelta(weeks=6)),
                                      secondary["code"]: (secondary["baseline"], START + timedelta(weeks=6))},
         FeedbackSoFar.of_answers([2] * 8 + [5] * 4, last_answer=START + timedelta(weeks=3))),
    ):
        result = evaluate_checkpoint(plan, latest, feedback, day)
        records.append({"as_of": day.isoformat(), "kind": result["kind"], "severity": result["severity"],
                        "deviations": result["deviations"], "kpi_results": result["kpi_results"]})
    return records


def measurements(kpis: list[dict], scenario: str) -> dict[str, list[tuple[date, float]]]:
    """Weekly measurements: targets met for half of the KPIs, the rest short of it (or worse, to stop)."""
    series = {}
    for number, kpi in enumerate(kpis):
        good = number % 2 == 0
        end_value = kpi["target"] if good else (kpi["baseline"] + kpi["minimum_acceptable"]) / 2
        if scenario == "stop" and kpi["primary"] and not good:
            end_value = kpi["baseline"] + (kpi["baseline"] - kpi["target"])
        if scenario == "extend" and kpi["primary"] and not good:
            continue
        series[kpi["code"]] = [(START + timedelta(weeks=w), kpi["baseline"] + (end_value - kpi["baseline"]) * w / WEEKS)
                               for w in range(0, WEEKS + 1, 2)]
    return series


def responses(language: str, scenario: str) -> list[Response]:
    comments = CONTENT[language]["comments"]
    n = 30 if scenario == "extend" else 220
    return [Response(rating=5 if i % 3 else 2, day=START + timedelta(days=i % 80), nps=9 if i % 3 else 4,
                     sus=[4, 2] * 5 if i % 2 else None, age_band=("18-34", "35-54", "65+", "under-18", "55-64")[i % 5],
                     has_disability=i % 7 == 0, comment=comments[i % len(comments)] if i % 4 else None)
            for i in range(n)]


def report_document(language: str, scenario: str) -> bytes:
    site = catalog_site()
    kpis = library_kpis()
    adopted = methodology(language, kpis, site)
    plan = PilotPlan(start=START, end=END, kpis=adopted.kpis, calendar=adopted.checkpoints)
    library = {k["code"]: {**k, "target": k["target"] * 1.01} for k in kpis[:2]}  # the coordinator changed targets
    facts = PilotFacts(
        kpis=adopted.kpis, measurements=measurements(adopted.kpis, scenario), start=START + timedelta(days=7),
        end=END, planned_start=START, planned_end=END, as_of=END - timedelta(days=5),
        planned_checkpoints=adopted.checkpoints, checkpoints=monitoring_records(plan),
        min_respondents=adopted.feedback_plan["min_respondents"], min_satisfied_share=0.7,
        population=adopted.feedback_plan["population"], library_kpis=library,
        critical_incident=CONTENT[language]["incident"] if scenario == "stop" else "",
        # Every midpoint decision the form allows, as the flow reads them from the pilot's review.
        decisions=[{"date": (START + timedelta(weeks=6)).isoformat(), "decision": decision,
                    "coordinator": CONTENT[language]["coordinator"], "comment": comment}
                   for decision, comment in (("continue", ""), ("adjust", CONTENT[language]["reason"]),
                                             ("stop", CONTENT[language]["incident"]))],
    )
    evaluation = evaluate_pilot(facts, responses(language, scenario))
    content = CONTENT[language]
    context = report_context(application(language), content["company"], site, pilot(), adopted, evaluation, END,
                             EvaluationInput(coordinator=content["coordinator"], conclusions=content["conclusions"],
                                             expert=content["coordinator"], expert_conclusions=content["conclusions"]))
    return render_docx(f"report_{language}.docx", context).content


def contract_document(language: str) -> bytes:
    """The contract with the whole KPI library in its methodology annex: every formula, unit and source."""
    site = catalog_site()
    company = company_details(CONTENT[language]["company"])
    context = contract_context(Settings(), application(language), company, site,
                               methodology(language, library_kpis([s.slug for s in load_sectors()]), site), pilot(),
                               END)
    return render_docx(f"contract_{language}.docx", context).content


def refusal_document(language: str) -> bytes:
    content = CONTENT[language]
    context = refusal_context(Settings(), application(language), company_details(content["company"]),
                              content["reason"], content["coordinator"], START)
    return render_docx(f"refusal_{language}.docx", context).content


def program_report_document(language: str) -> bytes:
    sectors = [Count(key=s.slug, label_en=s.name_en, label_ru=s.name_ru, count=10 - n)
               for n, s in enumerate(load_sectors()[:5])]
    statuses = [Count(key=status, label_en=status, label_ru=status, count=n + 1)  # as models.stats counts them
                for n, status in enumerate(("analysed", "evaluated", "piloting", "registered", "rejected"))]
    site = catalog_site()
    stats = ProgramStats(
        as_of=datetime(2026, 10, 1, tzinfo=UTC), applications=42, by_sector=sectors,
        by_month=[Count(key="2026-09", label_en="2026-09", label_ru="09.2026", count=12)],
        by_stage=[Count(key="analysis", label_en="analysis", label_ru="analysis", count=3)], by_status=statuses,
        reached_pilot=9, reached_pilot_share=0.21, pilots_active=4, pilots_completed=5, rolled_out=2,
        rolled_out_share=0.4, recommendations=[Count(key="roll_out", label_en="roll_out", label_ru="roll_out", count=2)],
        cycle=CycleTime(count=5, average_days=120.5, longest_days=180.0),
        pilot_duration=CycleTime(count=5, average_days=90.0, longest_days=120.0), feedback_responses=800,
        sites=[Count(key=site.code, label_en=site.name_en, label_ru=site.name_ru, count=3)],
    )
    quarter = QuarterStats(year=2026, quarter=3, start=date(2026, 7, 1), end=date(2026, 10, 1), applications=12,
                           by_sector=sectors, pilots_started=3, pilots_completed=2, rolled_out=1,
                           feedback_responses=300)
    name = Settings().agency_name_ru if language == "ru" else Settings().agency_name_en
    context = program_report_context(stats, quarter, name, date(2026, 10, 1), language)
    return render_docx(f"program_report_{language}.docx", context).content


DOCUMENTS = {
    "contract": contract_document,
    "refusal": refusal_document,
    "report (iterate)": lambda language: report_document(language, "iterate"),
    "report (stop)": lambda language: report_document(language, "stop"),
    "report (extend)": lambda language: report_document(language, "extend"),
    "program report": program_report_document,
}


# --- the check ----------------------------------------------------------------------------------


def foreign_words(text: str, language: str) -> list[str]:
    """The words of `text` not in `language`: Latin words in Russian, Cyrillic ones in English."""
    text = ADDRESS.sub(" ", text)
    if language == "en":
        return CYRILLIC_WORD.findall(text)
    return [token for token in LATIN_TOKEN.findall(text)
            if re.search("[A-Za-z]", token) and token not in LATIN_ALLOWED and not CODE.fullmatch(token)]


@pytest.fixture
def chart_texts(monkeypatch) -> list[str]:
    """Every text drawn into a chart (titles, axis labels, legends, tick and bar labels)."""
    drawn: list[str] = []
    original = charts._png

    def recording(figure):
        png = original(figure)  # drawing places the tick labels
        drawn.extend(t.get_text() for t in figure.findobj(Text) if t.get_text().strip())
        return png

    monkeypatch.setattr(charts, "_png", recording)
    return drawn


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("document", list(DOCUMENTS))
def test_document_speaks_its_language(document, language, chart_texts):
    content = DOCUMENTS[document](language)
    in_text = foreign_words(document_text(content), language)
    assert not in_text, f"{document} ({language}): {sorted(set(in_text))}"
    in_charts = foreign_words("\n".join(chart_texts), language)
    assert not in_charts, f"{document} ({language}) charts: {sorted(set(in_charts))}"


def test_the_checks_see_a_foreign_word():
    assert foreign_words("Время ожидания, min (RTL_QUEUE_WAIT, PM2.5, KPI, TR-001)", "ru") == ["min"]
    assert foreign_words("Queue time, мин (RTL_QUEUE_WAIT)", "en") == ["мин"]


@pytest.mark.parametrize("field", ["formula", "unit", "data_source"])
def test_every_kpi_of_the_library_has_its_russian_text(field):
    for kpi in library_kpis([s.slug for s in load_sectors()]):
        assert not foreign_words(kpi[f"{field}_ru"], "ru"), (kpi["code"], kpi[f"{field}_ru"])
        assert not foreign_words(kpi[field], "en"), (kpi["code"], kpi[field])


def test_poster_russian_lines_are_russian():
    """The poster speaks both languages, one line (or half line) each: the Russian ones hold no English."""
    site = catalog_site()
    settings = Settings()
    content = feedback_poster_docx(PosterText(
        url="http://127.0.0.1:8000/feedback/abc", solution_title=CONTENT["ru"]["title"], site_name_ru=site.name_ru,
        site_name_en=site.name_en, contract_number="PF-2026-0007", end_date=END,
        agency_name_ru=settings.agency_name_ru, agency_name_en=settings.agency_name_en))
    paragraphs = [p.text for p in WordDocument(io.BytesIO(content)).paragraphs if p.text.strip()]
    segments = [s for p in paragraphs for s in re.split(r" / | · |(?<=[.!?])\s+", p)]
    russian = [s for s in segments if CYRILLIC_WORD.search(s)]
    english = [s for s in segments if not CYRILLIC_WORD.search(s)]
    assert russian and english
    assert not [s for s in russian if foreign_words(s, "ru")], russian


@pytest.mark.parametrize("language, expected", [
    ("ru", "на промежуточном анализе Сидорова Анна принял(а) решение скорректировать пилот. Комментарий: "
           "«Площадка не может разместить уличное оборудование до конца сезона.»"),
    ("en", "at the midpoint review Anna Sidorova decided to adjust the pilot. Comment: “The site cannot host "
           "outdoor equipment before the season ends.”"),
])
def test_the_midpoint_decisions_are_worded_in_the_report_language(language, expected):
    lines = document_text(report_document(language, "iterate")).splitlines()
    assert sum(expected in line for line in lines) == 1
    assert sum(word in line for line in lines for word in ("промежуточном анализе", "midpoint review")) == 3


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_contract_names_the_site_party_and_the_agency_signatory_in_its_language(language):
    site, settings = catalog_site(), Settings()
    if language == "ru":
        names = (site.owner_name, site.signatory_name, site.signatory_title, settings.agency_signatory_name)
    else:
        names = (site.owner_name_en, site.signatory_name_en, site.signatory_title_en, settings.agency_signatory_name_en)
    text = document_text(contract_document(language))
    assert [name for name in names if name not in text] == []
