"""A roster ``Document`` as a PDF (fpdf2), A4 landscape, in a CJK font the PDF embeds.

PDF's standard fonts have no Chinese: the font is Debian's WenQuanYi Micro Hei
(``fonts-wqy-microhei``) or Noto Sans CJK when installed, or the file named by
``CHUISHAO_PDF_FONT``. Without one the export is refused with a message saying what to
install (503), never a PDF of empty boxes."""

from __future__ import annotations

from pathlib import Path

from domain.errors import ChuishaoError
from interfaces.roster_documents import Document, row_texts

PDF_MEDIA_TYPE = "application/pdf"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)


class PdfFontMissing(ChuishaoError):
    """No CJK font to write a PDF with: a deployment problem, answered 503."""

    code = "pdf_font_missing"

    def __init__(self, tried: list[str]) -> None:
        super().__init__(
            "无法生成 PDF：服务器未安装中文字体。请安装 fonts-wqy-microhei"
            "（apt-get install fonts-wqy-microhei），或以 CHUISHAO_PDF_FONT 指定字体文件；"
            "可先下载 Excel 版。",
            f"no CJK font for PDF exports (tried {', '.join(tried)}): install "
            "fonts-wqy-microhei or set CHUISHAO_PDF_FONT",
        )


def font_path(configured: str | None) -> Path:
    tried = [configured] if configured else list(FONT_CANDIDATES)
    for candidate in tried:
        if Path(candidate).is_file():
            return Path(candidate)
    raise PdfFontMissing(tried)


def pdf_bytes(doc: Document, font: Path) -> bytes:
    from fpdf import FPDF  # imported on use: only PDF exports need it
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(doc.title)
    pdf.set_creator("chuishao")
    pdf.set_auto_page_break(auto=True, margin=12)
    if font.suffix.lower() == ".ttc":
        pdf.add_font("cjk", fname=str(font), collection_font_number=0)
    else:
        pdf.add_font("cjk", fname=str(font))
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.cell(text=doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("cjk", size=10)
    for label, value in doc.facts:
        pdf.multi_cell(0, 6, text=f"{label}：{value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("cjk", size=8)
    widths = [c.width or 14 for c in doc.columns]
    heading = FontFace(emphasis=None, fill_color=(230, 230, 230))
    with pdf.table(
        col_widths=widths, headings_style=heading, line_height=4.5, first_row_as_headings=True
    ) as table:
        table.row([c.heading for c in doc.columns])
        for cells in row_texts(doc.rows):
            table.row(cells)
    if not doc.rows:
        pdf.cell(text="（本期间无记录）", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("cjk", size=9)
    for note in doc.notes:
        pdf.multi_cell(0, 5, text=note, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
