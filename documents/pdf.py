"""PDF renditions of the generated .docx files, made by LibreOffice running headless.

Each conversion gets its own LibreOffice profile directory: conversions sharing one profile fight
over its lock, and the loser can exit 0 without writing anything. So the PDF is also checked to
exist and to be a PDF before it is returned.
"""

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

CONVERSION_TIMEOUT_SECONDS = 120
_PDF_MAGIC = b"%PDF-"


class PdfUnavailable(Exception):
    """LibreOffice is not installed here: documents are kept as .docx only."""


class PdfConversionError(Exception):
    """LibreOffice ran but produced no usable PDF (it failed, timed out, or wrote nothing)."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(docx: bytes, timeout: float = CONVERSION_TIMEOUT_SECONDS) -> bytes:
    soffice = soffice_path()
    if soffice is None:
        raise PdfUnavailable("LibreOffice (soffice) is not installed, so no PDF was made; the .docx is the document. "
                             "scripts/system-deps.sh installs LibreOffice")
    with tempfile.TemporaryDirectory(prefix="pilotflow-pdf-") as work:
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
