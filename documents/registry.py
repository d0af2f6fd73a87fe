"""Store a rendered document and register it as a new, immutable version."""

from sqlalchemy import func
from sqlmodel import Session, select

from documents.render import RenderedDocument
from documents.store import DocumentStore
from models.settings import get_settings
from models.tables import Document

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


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
