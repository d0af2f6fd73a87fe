"""Stage 3 without a server: the adoption rules, the template version, and PDFs through LibreOffice."""

import io
import os
import shutil
import subprocess
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from documents.pdf import PdfConversionError, PdfUnavailable, convert_to_pdf, soffice_path
from documents.render import TEMPLATES_DIR, render_docx, template_version
from models.rules.adoption import adjusted_kpis, check_duration, contract_status
from tests.unit.test_documents import HOSTILE_NAME, SAMPLES, contract_context

QUEUE_WAIT = {"code": "RTL_QUEUE_WAIT", "direction": "decrease", "unit": "min", "baseline": 12.0, "target": 6.0,
              "minimum_acceptable": 9.0}
SELF_SERVICE = {"code": "RTL_SELF_SERVICE_SHARE", "direction": "increase", "unit": "%", "baseline": 15.0,
                "target": 35.0, "minimum_acceptable": 25.0}
KPIS = [QUEUE_WAIT, SELF_SERVICE]

needs_libreoffice = pytest.mark.skipif(
    (soffice_path() is None or shutil.which("pdftotext") is None) and not os.environ.get("CI"),
    reason="LibreOffice or pdftotext is not installed here (scripts/system-deps.sh installs them; CI has them)",
)


# --- what the coordinator may change -----------------------------------------------------------


def test_new_targets_replace_the_drafts_and_the_rest_stay():
    adjusted = adjusted_kpis(KPIS, [("RTL_QUEUE_WAIT", 7.5)])
    assert [k["target"] for k in adjusted] == [7.5, 35.0]
    assert KPIS[0]["target"] == 6.0  # the draft itself is untouched


@pytest.mark.parametrize(("targets", "problem"), [
    ([("RTL_QUEUE_WAIT", 9.0)], "must be below the minimum acceptable value 9"),
    ([("RTL_QUEUE_WAIT", 14.0)], "must be below the minimum acceptable value 9"),
    ([("RTL_SELF_SERVICE_SHARE", 20.0)], "must be above the minimum acceptable value 25"),
    ([("RTL_SELF_SERVICE_SHARE", 120.0)], "a share cannot be 120 %"),
    ([("NOT_A_KPI", 1.0)], "'NOT_A_KPI' is not a KPI of this methodology"),
    ([("RTL_QUEUE_WAIT", 7.0), ("RTL_QUEUE_WAIT", 8.0)], "given two targets"),
])
def test_targets_must_stay_beyond_the_minimum_acceptable(targets, problem):
    with pytest.raises(ValueError, match=problem):
        adjusted_kpis(KPIS, targets)


@pytest.mark.parametrize("weeks", [3, 27])
def test_duration_within_a_pilot_cycle(weeks):
    check_duration(4)
    check_duration(26)
    with pytest.raises(ValueError, match="4 to 26 weeks"):
        check_duration(weeks)


def test_contract_status_follows_the_signatures():
    assert contract_status([]) == "sent"
    assert contract_status(["site"]) == "partly_signed"
    assert contract_status(["site", "company"]) == "partly_signed"
    assert contract_status(["agency", "site", "company"]) == "signed"


# --- the template's version --------------------------------------------------------------------


def with_revision(template: bytes, revision: str | None) -> bytes:
    """The template as Word saves it after edits: a revision counter in its core properties."""
    source = zipfile.ZipFile(io.BytesIO(template))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml" and revision is not None:
                data = data.replace(b"</cp:coreProperties>", f"<cp:revision>{revision}</cp:revision>"
                                                             "</cp:coreProperties>".encode())
            target.writestr(info, data)
    return output.getvalue()


def test_template_version_is_the_revision_word_counts_up():
    template = (TEMPLATES_DIR / "contract_ru.docx").read_bytes()
    assert template_version(template) == "1"  # as scripts/build_templates.py wrote it
    assert template_version(with_revision(template, "14")) == "14"
    assert render_docx("contract_ru.docx", contract_context("ru")).template_version == "1"


# --- PDF through LibreOffice -------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@needs_libreoffice
@pytest.mark.parametrize("language", ["ru", "en"])
def test_contract_pdf_has_the_clause_numbers_and_the_cyrillic(language):
    hostile = SAMPLES[language]["company"].model_copy(update={"name": HOSTILE_NAME})
    rendered = render_docx(f"contract_{language}.docx", contract_context(language, company=hostile))

    text = " ".join(pdf_text(convert_to_pdf(rendered.content)).split())

    heading = "1. ПРЕДМЕТ ДОГОВОРА" if language == "ru" else "1. SUBJECT OF THE AGREEMENT"
    for expected in (heading, "1.1. ", "1.5. ", "2.2. ", "10.2. ", "11.4. ", HOSTILE_NAME, "PP-2025-017",
                     SAMPLES[language]["site"].signatory_name):
        assert expected in text, expected


@needs_libreoffice
def test_concurrent_conversions_each_get_their_pdf():
    """Each conversion has a profile of its own: a shared one makes the loser exit 0 without a PDF."""
    documents = [render_docx(f"contract_{language}.docx", contract_context(language)).content for language in ("ru", "en")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        pdfs = list(pool.map(convert_to_pdf, documents))
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs)
    assert "ДОГОВОР" in pdf_text(pdfs[0]) and "AGREEMENT" in pdf_text(pdfs[1])


def fake_soffice(tmp_path, monkeypatch, script: str) -> None:
    (tmp_path / "soffice").write_text(f"#!/bin/sh\n{script}\n")
    (tmp_path / "soffice").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))


def test_no_libreoffice_says_so(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PdfUnavailable, match="not installed.*system-deps.sh"):
        convert_to_pdf(b"docx")


def test_a_conversion_that_writes_nothing_fails(tmp_path, monkeypatch):
    fake_soffice(tmp_path, monkeypatch, "exit 0")
    with pytest.raises(PdfConversionError, match="exited 0 without a PDF"):
        convert_to_pdf(b"docx")


def test_a_conversion_that_hangs_is_killed(tmp_path, monkeypatch):
    fake_soffice(tmp_path, monkeypatch, "exec /bin/sleep 60")
    with pytest.raises(PdfConversionError, match="within 0.5 s"):
        convert_to_pdf(b"docx", timeout=0.5)


def test_a_killed_conversions_directory_is_removed_by_a_later_conversion(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # this test's own temporary directory
    fake_soffice(tmp_path, monkeypatch, "exit 0")
    left_behind, in_use = tmp_path / "pilotflow-pdf-killed", tmp_path / "pilotflow-pdf-running"
    for work in (left_behind, in_use):
        (work / "profile").mkdir(parents=True)
    hours_ago = time.time() - 2 * 3600
    os.utime(left_behind, (hours_ago, hours_ago))
    with pytest.raises(PdfConversionError):
        convert_to_pdf(b"docx")
    assert not left_behind.exists() and in_use.exists()
    assert [p.name for p in tmp_path.glob("pilotflow-pdf-*")] == ["pilotflow-pdf-running"]  # its own is gone too
