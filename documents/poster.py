"""The printable feedback poster for a pilot's site: a QR code to the pilot's public feedback link, in
Russian and English, on one A4 page (.docx; documents.pdf makes the PDF where LibreOffice exists)."""

import io
from dataclasses import dataclass
from datetime import date

import segno
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

QR_SCALE = 12  # pixels per module: sharp when printed 8 cm wide
QR_PRINT_WIDTH = Cm(8)


@dataclass(frozen=True)
class PosterText:
    url: str
    solution_title: str
    site_name_ru: str
    site_name_en: str
    contract_number: str
    end_date: date
    agency_name_ru: str
    agency_name_en: str


def feedback_qr_png(url: str) -> bytes:
    """The QR code of `url` as PNG (error correction M: still reads with a smudge or a fold)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=QR_SCALE, border=4)
    return buffer.getvalue()


def _paragraph(document, text: str, size: int, bold: bool = False, space_after: int = 6) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(space_after)
    run = paragraph.add_run(text)
    run.font.size, run.bold = Pt(size), bold


def feedback_poster_docx(text: PosterText) -> bytes:
    """One A4 page, large type (many respondents are elderly or visually impaired), Russian first."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    document.core_properties.title = f"Отзыв о пилоте {text.contract_number} / Feedback poster"
    _paragraph(document, "Оцените новое решение!", 30, bold=True, space_after=2)
    _paragraph(document, "Rate this new solution!", 22, bold=True)
    _paragraph(document, f"«{text.solution_title}»", 18, space_after=2)
    _paragraph(document, f"{text.site_name_ru} / {text.site_name_en}", 12)
    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.add_run().add_picture(io.BytesIO(feedback_qr_png(text.url)), width=QR_PRINT_WIDTH)
    _paragraph(document, "Наведите камеру телефона на QR-код и ответьте на два вопроса — это займёт минуту.", 16,
               space_after=2)
    _paragraph(document, "Point your phone's camera at the QR code and answer two questions: it takes a minute.",
               14)
    _paragraph(document, "Мы не спрашиваем имя, телефон или адрес электронной почты. "
               "We do not ask for your name, phone or e-mail.",
               12)
    _paragraph(document, text.url, 10)
    _paragraph(document, f"Пилотное тестирование {text.contract_number} до {text.end_date:%d.%m.%Y} · "
                         f"pilot testing until {text.end_date.isoformat()}", 10, space_after=2)
    _paragraph(document, f"{text.agency_name_ru} / {text.agency_name_en}", 10)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
