"""PDF renditions of the generated .docx files, made by LibreOffice running headless.

Each conversion gets its own LibreOffice profile directory: conversions sharing one profile fight
over its lock, and the loser can exit 0 without writing anything. So the PDF is also checked to
exist and to be a PDF before it is returned. A conversion whose process was killed (a worker's machine
died) leaves its directory behind; the next conversion removes such leftovers once they are old.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

CONVERSION_TIMEOUT_SECONDS = 120
WORK_DIR_PREFIX = "pilotflow-pdf-"
STALE_WORK_DIR_SECONDS = 3600  # far beyond any conversion's timeout: nothing still uses such a directory
_PDF_MAGIC = b"%PDF-"


class PdfUnavailable(Exception):
    """LibreOffice is not installed here: documents are kept as .docx only."""


class PdfConversionError(Exception):
    """LibreOffice ran but produced no usable PDF (it failed, timed out, or wrote nothing)."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def remove_stale_work_dirs(older_than: float = STALE_WORK_DIR_SECONDS) -> list[Path]:
    """Remove the conversion directories left by killed conversions (untouched for `older_than` s)."""
    removed = []
    for path in Path(tempfile.gettempdir()).glob(f"{WORK_DIR_PREFIX}*"):
        try:
            stale = path.is_dir() and time.time() - path.stat().st_mtime > older_than
        except FileNotFoundError:  # removed meanwhile by another conversion's sweep
            continue
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def convert_to_pdf(docx: bytes, timeout: float = CONVERSION_TIMEOUT_SECONDS) -> bytes:
    soffice = soffice_path()
    if soffice is None:
        raise PdfUnavailable("LibreOffice (soffice) is not installed, so no PDF was made; the .docx is the document. "
                             "scripts/system-deps.sh installs LibreOffice")
    remove_stale_work_dirs()
    with tempfile.TemporaryDirectory(prefix=WORK_DIR_PREFIX) as work:
        work_dir = Path(work)
        source = work_dir / "document.docx"
        source.write_bytes(docx)
        command = [
            soffice, f"-env:UserInstallation={(work_dir / 'profile').as_uri()}", "--headless", "--invisible",
            "--norestore", "--nolockcheck", "--nodefault", "--nologo",
            "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work_dir / "out"), str(source),
        ]
        # A session of its own, so a timeout kills soffice.bin too and not just its launcher script.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, "HOME": work})
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise PdfConversionError(f"LibreOffice did not convert the document within {timeout:g} s") from None
        pdf_path = work_dir / "out" / "document.pdf"
        pdf = pdf_path.read_bytes() if pdf_path.is_file() else b""
        if process.returncode != 0 or not pdf.startswith(_PDF_MAGIC):
            message = output.decode(errors="replace").strip()[-500:]
            raise PdfConversionError(f"LibreOffice exited {process.returncode} without a PDF: {message or 'no output'}")
        return pdf
