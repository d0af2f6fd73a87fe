"""Generated documents: download with the stored checksum verified, as .docx or as its PDF rendition."""

from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Response, status

from api.auth import PrincipalDep
from api.deps import SessionDep
from documents.registry import DOCX, PDF, document_store
from models.db import get_required
from models.permissions import Action, enforce
from models.schemas import DocumentPublic
from models.settings import Settings
from models.tables import Document
from models.users import document_resource

router = APIRouter(prefix="/documents", tags=["documents"])


def content_disposition(filename: str) -> str:
    """RFC 6266/5987: an ASCII fallback plus the UTF-8 name, so Cyrillic names survive every browser."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def document_public(settings: Settings, d: Document) -> DocumentPublic:
    url = f"{settings.public_api_url}/documents/{d.id}"
    return DocumentPublic(**d.model_dump(include=set(DocumentPublic.model_fields)), download_url=url,
                          pdf_url=f"{url}?format=pdf" if d.pdf_storage_key else None)


@router.get("/{document_id}", response_class=Response,
            responses={200: {"content": {DOCX: {}, PDF: {}}},
                       404: {"description": "Unknown document, or no PDF of it (LibreOffice was missing)"}})
def download(document_id: int, session: SessionDep, principal: PrincipalDep,
             format: Literal["docx", "pdf"] = "docx") -> Response:
    """Download a generated document (or its PDF with `?format=pdf`); its stored SHA-256 is verified first."""
    enforce(principal, Action.DOWNLOAD, document_resource(session, document_id))
    return document_response(get_required(session, Document, document_id), format)


def document_response(document: Document, format: Literal["docx", "pdf"]) -> Response:
    """The document's file as an attachment, after its stored SHA-256 was checked (also the portal's download)."""
    if format == "docx":
        content = document_store().read(document.storage_key, document.sha256)
        return Response(content, media_type=document.content_type,
                        headers={"Content-Disposition": content_disposition(document.filename),
                                 "X-Content-SHA256": document.sha256})
    if document.pdf_storage_key is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"document {document.id} has no PDF: LibreOffice was not "
                            "installed when it was generated; download the .docx")
    content = document_store().read(document.pdf_storage_key, document.pdf_sha256)
    return Response(content, media_type=PDF,
                    headers={"Content-Disposition": content_disposition(document.filename.removesuffix(".docx") + ".pdf"),
                             "X-Content-SHA256": document.pdf_sha256})
