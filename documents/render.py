"""Render the Word templates in documents/templates/ into reproducible .docx bytes."""

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment, StrictUndefined, TemplateError
from lxml import etree
from pydantic import BaseModel

from documents.contexts import DocumentContext, Picture

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

CORE_PROPERTIES_PART = "docProps/core.xml"
# Earliest timestamp a zip entry can carry; any fixed value makes the bytes reproducible.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Word expects the content-types part first and the package relationships next.
_LEADING_ENTRIES = ("[Content_Types].xml", "_rels/.rels")

_CORE_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
}


class DocumentRenderError(Exception):
    """A template could not be rendered with the given context (e.g. it uses a missing variable)."""


@dataclass(frozen=True)
class RenderedDocument:
    content: bytes
    template_name: str
    template_sha256: str
    template_version: str


def template_path(template_name: str) -> Path:
    """Path of a template in TEMPLATES_DIR; only bare file names are accepted."""
    path = TEMPLATES_DIR / template_name
    if Path(template_name).name != template_name or not path.is_file():
        raise DocumentRenderError(f"unknown template {template_name!r} (looked in {TEMPLATES_DIR})")
    return path


def template_sha256(template_name: str) -> str:
    return hashlib.sha256(template_path(template_name).read_bytes()).hexdigest()


def template_version(template: bytes) -> str:
    """The template's revision number from its core properties: Word and LibreOffice count it up on every
    save, so it tells which edit of the template a document came from; "1" before the first edit."""
    with zipfile.ZipFile(io.BytesIO(template)) as package:
        if CORE_PROPERTIES_PART not in package.namelist():
            return "1"
        root = etree.fromstring(package.read(CORE_PROPERTIES_PART))
    revision = root.findtext(f"{{{_CORE_NS['cp']}}}revision")
    return revision.strip() if revision and revision.strip() else "1"


def render_docx(
    template_name: str, context: DocumentContext, title: str | None = None
) -> RenderedDocument:
    """Render `template_name` with the fields of `context`.

    `title` goes to the document properties; it defaults to `context.document_title`.
    Raises DocumentRenderError, naming the variable, if the template uses one the context lacks.
    """
    template_bytes = template_path(template_name).read_bytes()
    template = DocxTemplate(io.BytesIO(template_bytes))
    # Autoescape keeps data such as "R&D <Lab>" literal and the XML valid; StrictUndefined turns
    # a variable the context lacks into an error instead of an empty gap in a legal document.
    jinja_env = Environment(autoescape=True, undefined=StrictUndefined)
    try:
        template.render(template_variables(template, context), jinja_env=jinja_env)
    except TemplateError as exc:
        raise DocumentRenderError(f"cannot render {template_name}: {exc.message}") from exc
    buffer = io.BytesIO()
    template.save(buffer)
    content = normalize_package(
        buffer.getvalue(),
        title=title if title is not None else context.document_title,
        language=context.language,
    )
    return RenderedDocument(
        content=content,
        template_name=template_name,
        template_sha256=hashlib.sha256(template_bytes).hexdigest(),
        template_version=template_version(template_bytes),
    )


def template_variables(template: DocxTemplate, value):
    """The context as the template sees it: models become dicts, and each Picture an image placed inline."""
    if isinstance(value, Picture):
        return InlineImage(template, io.BytesIO(value.png), width=Mm(value.width_mm))
    if isinstance(value, BaseModel):
        return {name: template_variables(template, item) for name, item in value}
    if isinstance(value, list):
        return [template_variables(template, item) for item in value]
    return value


def normalize_package(docx: bytes, *, title: str, language: str) -> bytes:
    """Rewrite a .docx zip so identical content always gives identical bytes.

    Fixed timestamps and attributes, a stable entry order, one entry per name (the last one
    wins, as in zipfile), and a core.xml without the creation dates and authors Word and
    python-docx would otherwise record.
    """
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    entries[CORE_PROPERTIES_PART] = _core_properties_xml(title=title, language=language)
    ordered_names = [name for name in _LEADING_ENTRIES if name in entries] + sorted(
        name for name in entries if name not in _LEADING_ENTRIES
    )
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for name in ordered_names:
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # otherwise it depends on the OS that wrote the file
            info.external_attr = 0
            target.writestr(info, entries[name])
    return output.getvalue()


def _core_properties_xml(*, title: str, language: str) -> bytes:
    root = etree.Element(f"{{{_CORE_NS['cp']}}}coreProperties", nsmap=_CORE_NS)
    for tag, text in (("title", title), ("creator", "pilotflow"), ("language", language)):
        etree.SubElement(root, f"{{{_CORE_NS['dc']}}}{tag}").text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
