"""Rendered PDF pages for the source viewer: a PNG per page, made on first use and kept in the store folder,
with the cited span's boxes laid over it. They are served by `GET /api/v1/documents/{doc_id}/pages/{page}`
(ui/api.py), which answers only someone who may read the document's collection; Gradio's file route never
serves them."""

from __future__ import annotations

import hashlib
import struct
import threading
from html import escape
from pathlib import Path
from urllib.parse import quote

from index.errors import CitewiseError
from index.rendering import render_page
from rag.types import Citation

PAGE_SCALE = 1.5
"""Pixels per PDF point: 108 dpi, an A4 page 893 x 1263 px, where 9-point body text stays readable."""
PAGES_FOLDER = "pages"


class PageImages:
    """Page PNGs cached under `folder/<doc_id>/<page>.png`, keyed by the document (its content id)."""

    def __init__(self, folder: Path, scale: float = PAGE_SCALE, original=None):
        self.folder = Path(folder)
        self.scale = scale
        self.original = original
        """doc_id -> the document's original bytes (the database's copy), for a source not on this machine."""
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def image(self, doc_id: str, source: str, page: int) -> Path | None:
        """The page's PNG, rendered now if not cached; None when the PDF cannot be rendered (moved, deleted,
        damaged) or has no such page: the viewer then shows the text view only."""
        path = self.folder / _safe(doc_id) / f"{page}.png"
        if path.is_file():
            return path
        try:
            png, count = render_page(self._local(doc_id, source), page, self.scale)
        except CitewiseError:
            return None
        with self._lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(png)
            partial.replace(path)
            self._counts[doc_id] = count
        return path

    def _local(self, doc_id: str, source: str) -> str:
        """A readable copy of the document: its source file here, else (another server's upload, a moved file) the
        original bytes from the database, written once beside its page images."""
        if Path(source).is_file() or self.original is None:
            return source
        copy = self.folder / _safe(doc_id) / f"original{Path(source).suffix.lower()}"
        if not copy.is_file():
            data = self.original(doc_id)
            if data is None:
                return source
            with self._lock:
                copy.parent.mkdir(parents=True, exist_ok=True)
                partial = copy.with_suffix(".part")
                partial.write_bytes(data)
                partial.replace(copy)
        return str(copy)

    def page_count(self, doc_id: str) -> int | None:
        return self._counts.get(doc_id)


def forget_pages(store: Path, doc_ids) -> None:
    """Delete the cached page images of removed documents."""
    import shutil

    for doc_id in doc_ids:
        shutil.rmtree(Path(store).expanduser() / PAGES_FOLDER / _safe(doc_id), ignore_errors=True)


def _safe(doc_id: str) -> str:
    """A folder name that cannot leave the cache folder, whatever the id holds."""
    return hashlib.sha256(doc_id.encode()).hexdigest()[:32]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels, from the PNG header."""
    with path.open("rb") as handle:
        header = handle.read(24)
    return struct.unpack(">II", header[16:24])


def page_url(doc_id: str, page: int, collection: str) -> str:
    """The page image's address on this server (the route checks that the asker may read `collection`)."""
    return f"/api/v1/documents/{quote(doc_id, safe='')}/pages/{page}?collection={quote(collection, safe='')}"


def page_view_html(citation: Citation, pages: PageImages, mark: str, collection: str) -> str:
    """The cited page with the quote's boxes highlighted (the first box is the scroll target `mark`), and the
    pages before and after it, each a click away; empty when the citation has no boxes or no page renders.
    Images are addressed within `collection`."""

    def file_url(number: int) -> str:
        return escape(page_url(citation.doc_id, number, collection), quote=True)

    if not citation.boxes:
        return ""
    page = int(citation.boxes[0][0])
    views = []
    for number in sorted({int(box[0]) for box in citation.boxes}):
        image = pages.image(citation.doc_id, citation.source, number)
        if image is None:
            return ""
        boxes = [box for box in citation.boxes if int(box[0]) == number]
        views.append(
            _page_with_boxes(image, file_url(number), pages.scale, number, boxes, mark if number == page else "")
        )
    count = pages.page_count(citation.doc_id)
    steps = []
    for label, number in (("Previous page", page - 1), ("Next page", max(int(b[0]) for b in citation.boxes) + 1)):
        if number < 1 or (count is not None and number > count):
            continue
        image = pages.image(citation.doc_id, citation.source, number)
        if image is not None:
            steps.append(
                f'<details class="cw-step"><summary>{label} ({number})</summary>'
                f'<img class="cw-page-image" loading="lazy" src="{file_url(number)}" alt="page {number}"></details>'
            )
    of = f" of {count}" if count else ""
    full_size = f' — <a href="{file_url(page)}" target="_blank" rel="noopener">full size</a>'
    return (
        f'<div class="cw-page-view"><div class="cw-page-number">Page {page}{of}{full_size}</div>'
        + "".join(views)
        + "".join(steps)
        + "</div>"
    )


def _page_with_boxes(image: Path, url: str, scale: float, number: int, boxes, mark: str) -> str:
    width, height = png_size(image)
    width_pt, height_pt = width / scale, height / scale
    overlays = []
    for i, (_, x0, y0, x1, y1) in enumerate(boxes):
        style = (
            f"left:{100 * x0 / width_pt:.3f}%;top:{100 * y0 / height_pt:.3f}%;"
            f"width:{100 * (x1 - x0) / width_pt:.3f}%;height:{100 * (y1 - y0) / height_pt:.3f}%"
        )
        target = f' id="{mark}"' if mark and i == 0 else ""
        overlays.append(f'<mark class="cw-box"{target} style="{style}"></mark>')
    return (
        f'<div class="cw-page" data-page="{number}">'
        f'<img class="cw-page-image" src="{url}" alt="page {number}">{"".join(overlays)}</div>'
    )
