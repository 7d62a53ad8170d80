"""Pages as images for people to check citations on: a PDF page rendered by pdfium, or an image document
itself, at `scale` pixels per unit of its character boxes (PDF points; an image's own pixels)."""

from __future__ import annotations

import io
from pathlib import Path

from .errors import LoadError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


def render_page(source: str, page: int, scale: float) -> tuple[bytes, int]:
    """PNG of a 1-based page of the document at `source` and its page count; `LoadError` naming the file when
    it cannot be rendered."""
    if Path(source).suffix.lower() in IMAGE_EXTENSIONS:
        return _render_image(source, page, scale)
    return _render_pdf_page(source, page, scale)


def _render_image(source: str, page: int, scale: float) -> tuple[bytes, int]:
    from PIL import Image, UnidentifiedImageError

    if page != 1:
        raise LoadError(source, f"page {page} is not in the image (it has 1)")
    try:
        with Image.open(source) as image:
            image = image.convert("RGB")
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            buffer = io.BytesIO()
            image.resize(size, Image.Resampling.LANCZOS).save(buffer, format="PNG")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise LoadError(source, f"cannot render the image ({exc})") from None
    return buffer.getvalue(), 1


def _render_pdf_page(source: str, page: int, scale: float) -> tuple[bytes, int]:
    """PNG of a 1-based page of the PDF at `source`, `scale` pixels per point, and the PDF's page count;
    `LoadError` naming the file when it cannot be rendered."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(source)
    except (pdfium.PdfiumError, OSError) as exc:
        raise LoadError(source, f"cannot render the PDF ({exc})") from None
    try:
        count = len(document)
        if not 1 <= page <= count:
            raise LoadError(source, f"page {page} is not in the PDF (it has {count})")
        image = document[page - 1].render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=False)
        return buffer.getvalue(), count
    finally:
        document.close()
