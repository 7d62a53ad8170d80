"""Turn a file into the text Citewise stores, cites and shows, with its title, date and pages.

The stored text is the single source of truth for offsets: every chunk and citation is a slice of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from .dates import as_iso_date, find_date
from .errors import LoadError, failure_reason
from .metadata import read_header
from .types import LoadedDocument

SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".png", ".jpg", ".jpeg")
_TITLE_MAX_CHARS = 120


def load(path: Path, max_bytes: int | None = None) -> LoadedDocument:
    """Load one file; raise `LoadError` naming the file and the reason when it cannot be read."""
    path = Path(path)
    name = str(path)
    if path.is_symlink() and not path.exists():
        raise LoadError(name, "broken symbolic link")
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        raise LoadError(
            name, f"unsupported file type {suffix or '(no extension)'!r}; supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise LoadError(name, f"file is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.1f} MB")
        if size == 0:
            raise LoadError(name, "empty file")
        data = path.read_bytes()
    except PermissionError:
        raise LoadError(name, "permission denied") from None
    except IsADirectoryError:
        raise LoadError(name, "is a directory") from None
    except OSError as exc:
        raise LoadError(name, f"cannot read file: {exc.strerror or exc}") from None
    try:
        document = loader(data, path)
    except LoadError:
        raise
    except Exception as exc:  # a loader library's own bug or a missing package: this file fails, not the run
        raise LoadError(name, failure_reason(exc, f"reading {suffix} files")) from exc
    text = document.text
    if not text.strip():
        raise LoadError(name, "no text found in the file" + (f" ({document.note})" if document.note else ""))
    return document


def decode_text(data: bytes, name: str) -> str:
    """Decode bytes of a text file: UTF-8 (with or without BOM), UTF-16, or a legacy 8-bit encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _normalise_newlines(data[3:].decode("utf-8", errors="strict"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _normalise_newlines(data.decode("utf-16"))
        except UnicodeDecodeError:
            raise LoadError(name, "invalid UTF-16 text") from None
    if b"\x00" not in data:
        try:
            return _normalise_newlines(data.decode("utf-8"))
        except UnicodeDecodeError:
            pass
        # cp1252 (a superset of printable Latin-1) is by far the most common legacy encoding of Western
        # text; statistical detectors confuse it with cp1250 on short files, so it is tried first.
        try:
            text = data.decode("cp1252")
            if not _looks_binary(text):
                return _normalise_newlines(text)
        except UnicodeDecodeError:
            pass
    text = _guess_decode(data)
    if text is None or _looks_binary(text):
        raise LoadError(name, "binary or undecodable content, not text")
    return _normalise_newlines(text)


def _guess_decode(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=None).best()
    if best is None:
        return None
    return str(best)


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return control > len(sample) * 0.01


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _first_line_title(text: str, fallback: str) -> str:
    """The first line when it reads like a title; section labels ("KEY POINTS") and bullets are skipped."""
    for line in text.splitlines()[:5]:
        line = line.strip().lstrip("#").strip()
        if not line:
            continue
        if line.isupper() and len(line.split()) <= 3 or line.startswith(("•", "-", "*", "–")):
            continue
        if len(line) <= _TITLE_MAX_CHARS and not line.endswith((".", "!", "?", ",", ";", ":")):
            return line
        break
    return fallback


def _stem_title(path: Path) -> str:
    return re.sub(r"[_\-]+", " ", path.stem).strip() or path.name


def _load_plain(data: bytes, path: Path) -> LoadedDocument:
    text = decode_text(data, str(path))
    header = read_header(text)
    fields = header.fields
    body = text[header.end :]
    return LoadedDocument(
        text=text,
        title=fields.get("title") or _first_line_title(body, _stem_title(path)),
        date=as_iso_date(fields.get("date")) or find_date(body),
        author=fields.get("author"),
        publisher=fields.get("publisher"),
    )


def _load_html(data: bytes, path: Path) -> LoadedDocument:
    import trafilatura

    html = decode_text(data, str(path))
    text = trafilatura.extract(
        html, output_format="txt", include_comments=False, include_tables=True, favor_recall=True, deduplicate=False
    )
    if not text or not text.strip():
        text = _html_fallback_text(html)
    metadata = trafilatura.extract_metadata(html)
    title = (metadata.title if metadata and metadata.title else None) or _first_line_title(text, _stem_title(path))
    date = (metadata.date if metadata and metadata.date else None) or find_date(text)
    return LoadedDocument(
        text=_normalise_newlines(text),
        title=title.strip(),
        date=as_iso_date(date),
        author=(metadata.author if metadata else None) or None,
        publisher=(metadata.sitename if metadata else None) or None,
    )


def _html_fallback_text(html: str) -> str:
    """Visible text of a page too short for trafilatura's main-content heuristics."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "template", "iframe", "svg"]):
        tag.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


def _load_pdf(data: bytes, path: Path) -> LoadedDocument:
    from .boxes import pack_boxes
    from .ocr import MISSING
    from .pdf import PAGE_SEPARATOR, read_pdf

    pdf = read_pdf(data, str(path))
    page_starts, offset = [], 0
    for page_text in pdf.pages:
        page_starts.append(offset)
        offset += len(page_text) + len(PAGE_SEPARATOR)
    text = PAGE_SEPARATOR.join(pdf.pages)
    # "untitled" is what reportlab and some other producers write when no title was given.
    title = pdf.title if pdf.title.lower() not in ("", "untitled") else _first_line_title(text, _stem_title(path))
    return LoadedDocument(
        text=text,
        title=title,
        date=find_date(text),
        page_starts=tuple(page_starts),
        author=pdf.author,
        char_boxes=pack_boxes(pdf.boxes),
        ocr_pages=pdf.ocr_pages,
        note=f"{pdf.unread_pages} page(s) without a text layer left out. {MISSING}" if pdf.unread_pages else None,
    )


def _load_image(data: bytes, path: Path) -> LoadedDocument:
    """An image of text (a photo, a screenshot, a scan) read by OCR; its character boxes are in the image's own
    pixels, so a citation is a region of the image."""
    import io

    from PIL import Image, UnidentifiedImageError

    from .boxes import pack_boxes
    from .ocr import MISSING, ocr_available, read_image

    name = str(path)
    if not ocr_available():
        raise LoadError(name, MISSING)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            text, boxes = read_image(image, 1.0)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise LoadError(name, f"corrupt or unreadable image ({type(exc).__name__})") from None
    return LoadedDocument(
        text=text,
        title=_first_line_title(text, _stem_title(path)),
        date=find_date(text),
        page_starts=(0,),
        char_boxes=pack_boxes(boxes),
        ocr_pages=1,
    )


def _load_docx(data: bytes, path: Path) -> LoadedDocument:
    import io
    import zipfile

    import docx

    name = str(path)
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(name, f"corrupt or unreadable DOCX ({type(exc).__name__})") from None
    except Exception as exc:  # python-docx surfaces lxml and package errors of damaged files
        raise LoadError(name, f"corrupt or unreadable DOCX ({type(exc).__name__})") from None
    blocks = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                blocks.append(" | ".join(cells))
    text = _normalise_newlines("\n\n".join(blocks))
    title = (document.core_properties.title or "").strip()
    if not title:
        headings = [
            p.text
            for p in document.paragraphs
            if p.text.strip() and p.style is not None and p.style.name.startswith(("Title", "Heading"))
        ]
        title = headings[0].strip() if headings else _first_line_title(text, _stem_title(path))
    properties = document.core_properties
    return LoadedDocument(
        text=text,
        title=title,
        date=find_date(text) or as_iso_date(properties.created),
        author=(properties.author or "").strip() or None,
    )


_LOADERS: dict[str, Callable[[bytes, Path], LoadedDocument]] = {
    ".txt": _load_plain,
    ".md": _load_plain,
    ".markdown": _load_plain,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
    ".png": _load_image,
    ".jpg": _load_image,
    ".jpeg": _load_image,
}
