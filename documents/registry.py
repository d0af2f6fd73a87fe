"""Issue a document: render its template, make its PDF, name it, store it and register it as a new, immutable
version."""

from sqlalchemy import func
from sqlmodel import Session, select

from documents.pdf import PdfUnavailable, convert_to_pdf
from documents.render import RenderedDocument, render_docx
from documents.store import DocumentStore
from models.settings import get_settings
from models.tables import Document

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
# What the downloaded file is called, in the document's language; its number follows.
FILE_LABELS = {
    "contract": {"ru": "Договор", "en": "Contract"},
    "refusal": {"ru": "Отказ", "en": "Refusal"},
    "report": {"ru": "Отчёт", "en": "Report"},
    "program_report": {"ru": "Отчёт о программе", "en": "Program report"},
}


def document_filename(kind: str, language: str, number: str) -> str:
    return f"{FILE_LABELS[kind][language]} {number}.docx"


def pdf_rendition(docx: bytes) -> bytes | None:
    """The PDF of a rendered document, or None (with the reason in the run's log) without LibreOffice."""
    try:
        return convert_to_pdf(docx)
    except PdfUnavailable as exc:
        print(f"no PDF: {exc}")
        return None


def document_store() -> DocumentStore:
    return DocumentStore(get_settings().document_dir)


def register_document(
    session: Session, *, application_id: int, pilot_id: int | None, kind: str, language: str,
    rendered: RenderedDocument, filename: str, flow_run_id: str | None, pdf: bytes | None = None,
) -> Document:
    """`pdf` is the document's PDF rendition, when LibreOffice could make one."""
    store = document_store()
    stored = store.put(rendered.content, "docx")
    stored_pdf = store.put(pdf, "pdf") if pdf is not None else None
    version = session.exec(
        select(func.coalesce(func.max(Document.version), 0))
        .where(Document.application_id == application_id, Document.kind == kind)
    ).one() + 1
    document = Document(
        application_id=application_id, pilot_id=pilot_id, kind=kind, version=version, language=language,
        filename=filename, content_type=DOCX, storage_key=stored.storage_key, sha256=stored.sha256,
        size=stored.size, template_name=rendered.template_name, template_sha256=rendered.template_sha256,
        template_version=rendered.template_version, flow_run_id=flow_run_id,
        pdf_storage_key=stored_pdf and stored_pdf.storage_key, pdf_sha256=stored_pdf and stored_pdf.sha256,
        pdf_size=stored_pdf and stored_pdf.size,
    )
    session.add(document)
    session.flush()
    return document


def issue_document(session: Session, *, kind: str, language: str, context, number: str, application_id: int,
                   pilot_id: int | None, flow_run_id: str | None) -> Document:
    """Render the `kind` template (`<kind>_<language>.docx`) with `context`, add its PDF where LibreOffice is
    installed, and register it under the file name of its kind and `number`."""
    rendered = render_docx(f"{kind}_{language}.docx", context)
    return register_document(
        session, application_id=application_id, pilot_id=pilot_id, kind=kind, language=language, rendered=rendered,
        pdf=pdf_rendition(rendered.content), filename=document_filename(kind, language, number),
        flow_run_id=flow_run_id,
    )
