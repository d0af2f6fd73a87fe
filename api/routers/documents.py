"""Generated documents: download with the stored checksum verified, as .docx or as its PDF rendition."""

from typing import Literal

from fastapi import APIRouter, Response

from api.auth import PrincipalDep
from api.deps import RowId, SessionDep
from api.errors import errors
from api.presenters import document_response
from documents.registry import DOCX, PDF
from models.db import get_required
from models.permissions import Action, enforce
from models.tables import Document
from models.users import document_resource

router = APIRouter(prefix="/documents", tags=["documents"])


@router.get("/{document_id}", response_class=Response,
            responses={200: {"content": {DOCX: {}, PDF: {}}},
                       **errors(401, why={404: "Unknown document, or no PDF of it (LibreOffice was missing)"})})
def download(document_id: RowId, session: SessionDep, principal: PrincipalDep,
             format: Literal["docx", "pdf"] = "docx") -> Response:
    """Download a generated document (or its PDF with `?format=pdf`); its stored SHA-256 is verified first."""
    enforce(principal, Action.DOWNLOAD, document_resource(session, document_id))
    return document_response(get_required(session, Document, document_id), format)


