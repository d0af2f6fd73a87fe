"""Word templates, rendering and the document store (no database, no Prefect)."""

import base64
import hashlib
import io
import re
import zipfile
from typing import get_args, get_origin

import pytest
from docx import Document
from lxml import etree
from matplotlib.backends.backend_agg import FigureCanvasAgg
from pydantic import BaseModel

from documents import charts
from documents.contexts import (
    BandRow,
    ChartBlock,
    CheckpointRow,
    CheckpointSummaryRow,
    ContractContext,
    FigureRow,
    KpiResultRow,
    KpiRow,
    Party,
    Picture,
    ProgramReportContext,
    RefusalContext,
    ReportContext,
    ThemeRow,
)
from documents.render import TEMPLATES_DIR, DocumentRenderError, render_docx, template_sha256
from documents.store import DocumentIntegrityError, DocumentNotFound, DocumentStore

HOSTILE_NAME = "R&D <Lab> «Север» {{ x }}"
CONTEXT_MODELS = {"contract": ContractContext, "refusal": RefusalContext, "report": ReportContext,
                  "program_report": ProgramReportContext}
TEMPLATES = [(kind, language) for kind in CONTEXT_MODELS for language in ("en", "ru")]

# --- sample contexts -------------------------------------------------------------------------

SAMPLES = {
    "en": {
        "agency": Party(
            name="Autonomous Non-Profit Organisation “Moscow Innovation Agency”",
            registration_number="1177700000001",
            address="8 Presnenskaya Embankment, bldg. 1, Moscow 123112",
            signatory_name="Anna Sokolova",
            signatory_title="Director of Pilot Programmes",
        ),
        "company": Party(
            name="Talking City LLC",
            registration_number="1197746000002",
            address="12 Lesnaya St., Moscow 125047",
            signatory_name="Pavel Orlov",
            signatory_title="General Director",
        ),
        "site": Party(
            name="Presnensky Social Services Centre",
            registration_number="1027700000003",
            address="4 Zamorenova St., Moscow 123022",
            signatory_name="Elena Morozova",
            signatory_title="Director",
        ),
        "solution": "Talking City audio navigation",
        "kpi": "Share of boardings without assistance",
        "hypothesis": "Visually impaired passengers board the right bus without assistance.",
        "checkpoint": "Baseline (T0)",
        "comment": "Finally I hear which bus is arriving.",
        "annex": "PILOT TESTING METHODOLOGY",
        "recommendation": "Roll out",
    },
    "ru": {
        "agency": Party(
            name="Автономная некоммерческая организация «Агентство инноваций города Москвы»",
            registration_number="1177700000001",
            address="123112, г. Москва, Пресненская наб., д. 8, стр. 1",
            signatory_name="Соколова Анна Викторовна",
            signatory_title="директор по пилотным программам",
        ),
        "company": Party(
            name="ООО «Говорящий город»",
            registration_number="1197746000002",
            address="125047, г. Москва, ул. Лесная, д. 12",
            signatory_name="Орлов Павел Сергеевич",
            signatory_title="генеральный директор",
        ),
        "site": Party(
            name="ГБУ «Пресненский центр социального обслуживания»",
            registration_number="1027700000003",
            address="123022, г. Москва, ул. Заморёнова, д. 4",
            signatory_name="Морозова Елена Ивановна",
            signatory_title="директор",
        ),
        "solution": "Говорящий город: звуковая навигация",
        "kpi": "Доля посадок без посторонней помощи",
        "hypothesis": "Незрячие пассажиры садятся в нужный автобус без посторонней помощи.",
        "checkpoint": "Базовый замер (T0)",
        "comment": "Наконец-то слышу, какой автобус подъезжает.",
        "annex": "МЕТОДИКА ПИЛОТНОГО ТЕСТИРОВАНИЯ",
        "recommendation": "Рекомендовать к тиражированию",
    },
}


def contract_context(language: str, **overrides) -> ContractContext:
    sample = SAMPLES[language]
    fields = dict(
        language=language,
        contract_number="PP-2025-017",
        contract_date="14.03.2025",
        place="Moscow" if language == "en" else "Москва",
        agency=sample["agency"],
        company=sample["company"],
        site=sample["site"],
        solution_title=sample["solution"],
        solution_description="Beacons on buses and a smartphone app that announce route and direction.",
        site_name="Bus stop “Krasnopresnenskaya Zastava”",
        site_address="Krasnaya Presnya St., Moscow",
        start_date="01.04.2025",
        end_date="30.06.2025",
        duration_weeks=13,
        hypotheses=[sample["hypothesis"], "Announcements are audible at 70 dB street noise."],
        kpis=[
            KpiRow(
                name=sample["kpi"], unit="%", baseline="35", target="80", minimum_acceptable="60",
                frequency="every 14 days", data_source="trip log", owner="Agency",
            ),
            KpiRow(
                name="Announcement latency", unit="s", baseline="—", target="2", minimum_acceptable="5",
                frequency="weekly", data_source="app telemetry", owner="Company",
            ),
        ],
        checkpoints=[
            CheckpointRow(number=1, date="01.04.2025", kind=sample["checkpoint"]),
            CheckpointRow(number=2, date="15.05.2025", kind="Midpoint review"),
            CheckpointRow(number=3, date="30.06.2025", kind="Final data lock"),
        ],
        feedback_min_respondents=40,
        feedback_questions=["How easy was it to find your bus?", "Would you use it every day?"],
        success_criteria=["Boardings without assistance reach 60 % or more."],
        stop_criteria=["A safety incident caused by the solution.", "The app is down for 3 days."],
    )
    return ContractContext(**{**fields, **overrides})


# A 1x1 PNG: enough for python-docx to place an image.
PIXEL = Picture(png=base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="), width_mm=20)


def report_context(language: str, **overrides) -> ReportContext:
    sample = SAMPLES[language]
    fields = dict(
        language=language,
        report_number="PP-2025-017-R",
        report_date="15.07.2025",
        application_number="A-2025-0042",
        solution_title=sample["solution"],
        solution_description="Beacons on buses and a smartphone app that announce route and direction.",
        company_name=sample["company"].name,
        site_name="Bus stop “Krasnopresnenskaya Zastava”",
        site_address="Krasnaya Presnya St., Moscow",
        site_owner="Mosgortrans",
        pilot_start="01.04.2025",
        pilot_end="30.06.2025",
        recommendation=sample["recommendation"],
        recommendation_reason="All KPIs met their targets with enough respondents.",
        recommendation_rule=["Roll out: every primary KPI met its target."],
        summary=["Primary KPIs: 2 of 2 met their target."],
        methodology=["Planned period: 1 Apr 2025 – 30 Jun 2025 (13 weeks)."],
        hypotheses=[sample["hypothesis"]],
        deviations=["The checkpoint of 15 May 2025 was not recorded."],
        kpi_results=[
            KpiResultRow(name=sample["kpi"], unit="%", baseline="35", target="80", actual="84 (81 to 87)",
                         change="+49 (+46 to +52)", met="yes"),
            KpiResultRow(name="Announcement latency", unit="s", baseline="—", target="2", actual="1,6",
                         change="—", met="yes"),
        ],
        kpi_method="Actual: the mean of the measurements in the second half of the pilot.",
        kpi_charts=[ChartBlock(title=sample["kpi"], image=PIXEL)],
        respondents=57,
        min_respondents=40,
        feedback=["Satisfied (rating 4 or 5): 88% (95 % Wilson interval 77% to 94%); plan: 70%."],
        rating_chart=PIXEL,
        feedback_chart=PIXEL,
        bands=[BandRow(band="65+", count="12", share="21%", reference="18%")],
        bands_note="57 of 57 respondents gave their age band.",
        themes=[ThemeRow(name="Sound and volume", count="9", share="30%", mean_rating="3,9")],
        themes_note="30 comments.",
        comments=[sample["comment"], "Louder at rush hour, please."],
        checkpoints=[
            CheckpointSummaryRow(
                date="15.05.2025", severity="warning", summary="Beacon 3 offline for 2 days"
            ),
            CheckpointSummaryRow(date="30.06.2025", severity="on track", summary="All targets met"),
        ],
        incidents=["None recorded."],
        data_gaps=["None recorded."],
        coordinator="Anna Sokolova",
        conclusions="The solution works reliably in street conditions.",
        expert="Prof. Ivanov",
        expert_conclusions="The effect is robust.",
    )
    return ReportContext(**{**fields, **overrides})


def program_report_context(language: str, **overrides) -> ProgramReportContext:
    fields = dict(
        language=language,
        period="Q3 2025",
        report_date="01.10.2025",
        agency_name=SAMPLES[language]["agency"].name,
        figures=[FigureRow(name="Applications received", value="553")],
        quarter_figures=[FigureRow(name="Pilots completed", value="7")],
        by_sector=[FigureRow(name="Transport and mobility", value="81")],
        by_stage=[FigureRow(name="evaluated", value="36")],
        sites=[FigureRow(name="TR-001 Bus stop", value="4")],
        charts=[ChartBlock(title="Applications by month", image=PIXEL)],
    )
    return ProgramReportContext(**{**fields, **overrides})


def refusal_context(language: str, **overrides) -> RefusalContext:
    sample = SAMPLES[language]
    fields = dict(
        language=language, letter_number="APP-2025-00042/REF", letter_date="20.03.2025",
        place="Moscow" if language == "en" else "Москва", agency=sample["agency"], company=sample["company"],
        application_number="APP-2025-00042", application_date="01.03.2025", solution_title=sample["solution"],
        reason="No test site can host outdoor equipment before the season ends.", coordinator="Anna Sokolova",
    )
    return RefusalContext(**{**fields, **overrides})


SAMPLE_CONTEXTS = {"contract": contract_context, "refusal": refusal_context, "report": report_context,
                   "program_report": program_report_context}


def sample_context(kind: str, language: str, **overrides):
    return SAMPLE_CONTEXTS[kind](language, **overrides)


def expected_text(kind: str, language: str) -> list[str]:
    sample = SAMPLES[language]
    if kind == "contract":
        return [
            sample["agency"].name, sample["company"].name, sample["site"].name,
            sample["site"].signatory_name, sample["agency"].registration_number,
            sample["kpi"], "every 14 days", "Announcement latency", sample["hypothesis"],
            sample["checkpoint"], "Final data lock", "The app is down for 3 days.",
            "How easy was it to find your bus?", sample["annex"], "PP-2025-017",
            "КАЛЕНДАРЬ КОНТРОЛЬНЫХ ТОЧЕК" if language == "ru" else "CHECKPOINT CALENDAR",
        ]
    if kind == "refusal":
        return [sample["company"].name, sample["company"].signatory_name, sample["solution"], "APP-2025-00042/REF",
                "No test site can host outdoor equipment", sample["agency"].signatory_name, "Anna Sokolova"]
    if kind == "program_report":
        return ["Q3 2025", "553", "Transport and mobility", "TR-001 Bus stop", sample["agency"].name]
    return [
        sample["company"].name, sample["kpi"], "+49", sample["comment"], sample["recommendation"],
        "Beacon 3 offline for 2 days", "All KPIs met their targets", "PP-2025-017-R", "88%",
        "Mosgortrans", "Prof. Ivanov", "Sound and volume", "The checkpoint of 15 May 2025 was not recorded.",
    ]


# --- reading rendered files ------------------------------------------------------------------


def xml_parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return {
            name: package.read(name) for name in package.namelist() if name.endswith((".xml", ".rels"))
        }


def document_text(content: bytes) -> str:
    """Text as python-docx reads it: body paragraphs, table cells, headers and footers."""
    document = Document(io.BytesIO(content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                texts += [paragraph.text for paragraph in part.paragraphs]
    return "\n".join(texts)


def template_source_text(template_name: str) -> str:
    """The text of the template's body, headers and footers, as a lawyer sees it in Word."""
    parts = xml_parts((TEMPLATES_DIR / template_name).read_bytes())
    return "".join(
        re.sub(r"<[^>]+>", "", xml.decode()) for name, xml in parts.items()
        if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name)
    )


# --- rendering -------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "language"), TEMPLATES)
def test_rendered_document_contains_the_data_and_no_tags(kind, language):
    rendered = render_docx(f"{kind}_{language}.docx", sample_context(kind, language))

    text = document_text(rendered.content)
    for expected in expected_text(kind, language):
        assert expected in text, expected
    for name, xml in xml_parts(rendered.content).items():
        etree.fromstring(xml)  # every part is well-formed XML
        assert b"{{" not in xml and b"{%" not in xml, f"unrendered tag in {name}"


@pytest.mark.parametrize(("kind", "language"), TEMPLATES)
def test_values_are_escaped_and_appear_literally(kind, language):
    hostile_party = SAMPLES[language]["company"].model_copy(update={"name": HOSTILE_NAME})
    overrides = {"contract": {"company": hostile_party}, "refusal": {"company": hostile_party},
                 "report": {"company_name": HOSTILE_NAME}, "program_report": {"agency_name": HOSTILE_NAME}}[kind]
    rendered = render_docx(f"{kind}_{language}.docx", sample_context(kind, language, **overrides))

    for xml in xml_parts(rendered.content).values():
        etree.fromstring(xml)
    assert HOSTILE_NAME in document_text(rendered.content)


def test_missing_variable_raises_naming_it():
    complete = contract_context("en")
    without_place = ContractContext.model_construct(
        **{name: value for name, value in complete if name != "place"}
    )
    with pytest.raises(DocumentRenderError, match="'place' is undefined"):
        render_docx("contract_en.docx", without_place)


def test_context_of_another_template_is_refused():
    with pytest.raises(DocumentRenderError, match="report_number"):
        render_docx("report_ru.docx", contract_context("ru"))


def test_unknown_or_escaping_template_name_is_refused():
    for name in ("missing.docx", "../templates/contract_en.docx"):
        with pytest.raises(DocumentRenderError, match="unknown template"):
            render_docx(name, contract_context("en"))


def test_rendering_is_byte_for_byte_reproducible():
    first = render_docx("contract_ru.docx", contract_context("ru"))
    second = render_docx("contract_ru.docx", contract_context("ru"))

    assert first.content == second.content
    template_bytes = (TEMPLATES_DIR / "contract_ru.docx").read_bytes()
    assert first.template_sha256 == template_sha256("contract_ru.docx")
    assert first.template_sha256 == hashlib.sha256(template_bytes).hexdigest()
    with zipfile.ZipFile(io.BytesIO(first.content)) as package:
        names = package.namelist()
        assert names[0] == "[Content_Types].xml" and len(names) == len(set(names))
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = package.read("docProps/core.xml").decode()
    assert "Договор № PP-2025-017" in core and "dcterms:created" not in core


def test_title_parameter_overrides_the_context_title():
    rendered = render_docx("report_en.docx", report_context("en"), title="Final report")
    assert Document(io.BytesIO(rendered.content)).core_properties.title == "Final report"


# --- template lint ---------------------------------------------------------------------------

PRINT_TAG = re.compile(r"\{\{(.*?)\}\}")
FOR_TAG = re.compile(r"\{%-?\s*(?:(?:p|tr|tc)\s+)?for\s+(\w+)\s+in\s+(.*?)\s*-?%\}")
ENDFOR_TAG = re.compile(r"\{%-?\s*(?:(?:p|tr|tc)\s+)?endfor\s*-?%\}")
BLOCK_TAG_KEYWORD = re.compile(r"\{%-?\s*(?:(?:p|tr|tc)\s+)?(\w+)")
PLAIN_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def resolve(path: str, scope: dict[str, object], template_name: str):
    assert PLAIN_PATH.fullmatch(path), f"{template_name}: {path!r} is not a plain variable"
    root, *attributes = path.split(".")
    assert root in scope, f"{template_name}: {root!r} is not a context field or loop variable"
    annotation = scope[root]
    for attribute in attributes:
        assert isinstance(annotation, type) and issubclass(annotation, BaseModel), (
            f"{template_name}: {path!r} reads an attribute of a plain value"
        )
        assert attribute in annotation.model_fields, f"{template_name}: {path!r} is not a field"
        annotation = annotation.model_fields[attribute].annotation
    return annotation


@pytest.mark.parametrize(("kind", "language"), TEMPLATES)
def test_template_uses_only_fields_of_its_context(kind, language):
    template_name = f"{kind}_{language}.docx"
    source = template_source_text(template_name)
    model = CONTEXT_MODELS[kind]
    scope: dict[str, object] = {name: field.annotation for name, field in model.model_fields.items()}
    open_loops: list[str] = []

    assert set(BLOCK_TAG_KEYWORD.findall(source)) <= {"for", "endfor"}, "only for loops are allowed"
    tags = sorted(
        [(m.start(), "for", m.groups()) for m in FOR_TAG.finditer(source)]
        + [(m.start(), "endfor", ()) for m in ENDFOR_TAG.finditer(source)]
        + [(m.start(), "print", (m.group(1).strip(),)) for m in PRINT_TAG.finditer(source)]
    )
    assert tags, f"{template_name} has no tags"
    for _, tag, groups in tags:
        if tag == "for":
            item, items = groups
            annotation = resolve(items, scope, template_name)
            assert get_origin(annotation) is list, f"{template_name}: loop over non-list {items!r}"
            scope[item] = get_args(annotation)[0]
            open_loops.append(item)
        elif tag == "endfor":
            del scope[open_loops.pop()]
        else:
            resolve(groups[0], scope, template_name)
    assert not open_loops, f"{template_name}: unclosed loop over {open_loops}"


REVISION_MARKS = re.compile(rb"<w:(ins|del|moveFrom|moveTo|commentRangeStart|commentReference)\b")


@pytest.mark.parametrize(("kind", "language"), TEMPLATES)
def test_template_has_no_tracked_changes_comments_or_tags_in_its_properties(kind, language):
    """Tracked changes and comments inside a tag break it; tags in File > Properties get double-escaped."""
    parts = xml_parts((TEMPLATES_DIR / f"{kind}_{language}.docx").read_bytes())
    for name, xml in parts.items():
        assert not REVISION_MARKS.search(xml), f"{name}: accept or reject all tracked changes, remove comments"
    assert "word/comments.xml" not in parts
    for name in (n for n in parts if n.startswith("docProps/")):
        assert b"{{" not in parts[name] and b"{%" not in parts[name], f"a tag in the document properties ({name})"


# --- document store --------------------------------------------------------------------------


def test_store_round_trip_is_content_addressed(tmp_path):
    store = DocumentStore(tmp_path)
    content = render_docx("report_ru.docx", report_context("ru")).content

    stored = store.put(content, ".docx")

    assert stored.sha256 == hashlib.sha256(content).hexdigest() and stored.size == len(content)
    assert stored.storage_key == f"{stored.sha256[:2]}/{stored.sha256}.docx"
    assert store.read(stored.storage_key, stored.sha256) == content
    assert store.put(content, "docx") == stored
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{stored.sha256}.docx"]


def test_store_detects_a_tampered_file(tmp_path):
    store = DocumentStore(tmp_path)
    stored = store.put(b"original", "docx")
    store.path_for(stored.storage_key).write_bytes(b"tampered")

    with pytest.raises(DocumentIntegrityError):
        store.read(stored.storage_key, stored.sha256)
    with pytest.raises(DocumentIntegrityError):
        store.put(b"original", "docx")  # never silently replaces the damaged file
    assert store.path_for(stored.storage_key).read_bytes() == b"tampered"


def test_store_refuses_keys_outside_its_root(tmp_path):
    store = DocumentStore(tmp_path / "store")
    (tmp_path / "secret.docx").write_bytes(b"secret")

    for key in ("../secret.docx", str(tmp_path / "secret.docx"), "ab/../../secret.docx"):
        with pytest.raises(DocumentNotFound):
            store.read(key, hashlib.sha256(b"secret").hexdigest())
    with pytest.raises(DocumentNotFound):
        store.read("ab/missing.docx", "0" * 64)


def test_long_labels_of_a_horizontal_bar_chart_are_wrapped_not_cut(monkeypatch):
    drawn = []
    monkeypatch.setattr(charts, "_png", lambda figure: drawn.append(figure) or b"")
    names = [f"EE-00{n} Административное здание префектуры Юго-Западного административного округа"[:40 + 10 * n]
             for n in range(4)]
    charts.bar_chart("Площадки", [(name, 1) for name in names], horizontal=True)
    [figure] = drawn
    renderer = FigureCanvasAgg(figure).get_renderer()  # as savefig draws it
    labels = figure.axes[0].get_yticklabels()
    assert sorted(label.get_text().replace("\n", " ") for label in labels) == sorted(names)
    assert all(label.get_window_extent(renderer).x0 >= 0 for label in labels)  # nothing beyond the left edge
