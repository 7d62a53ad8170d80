"""Turn a file into the text Citewise stores, cites and shows, with its title, date and pages.

The stored text is the single source of truth for offsets: every chunk and citation is a slice of it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

from .budget import UNLIMITED, LoadBudget, current, reading
from .dates import as_iso_date, find_date
from .errors import LoadError, failure_reason
from .metadata import HEADER_LINE, TITLE_KEYS, read_header
from .types import LoadedDocument

SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".png", ".jpg", ".jpeg")
_TITLE_MAX_CHARS = 120


def load(path: Path, max_bytes: int | None = None, budget: LoadBudget | None = None) -> LoadedDocument:
    """Load one file; raise `LoadError` naming the file and the reason when it cannot be read.

    `budget` limits the file's size, what a DOCX unpacks to and the time to read it (`index.budget`); `max_bytes`,
    when given, is the size limit (the older way to say it)."""
    path = Path(path)
    name = str(path)
    budget = budget or UNLIMITED
    if max_bytes is not None:
        budget = LoadBudget(max_bytes, budget.max_unpacked_bytes, budget.seconds)
    max_bytes = budget.max_bytes
    if path.is_symlink() and not path.exists():
        raise LoadError(name, "broken symbolic link")
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        raise LoadError(
            name, f"unsupported file type {suffix or '(no extension)'!r}; supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    with reading(name, budget) as file:
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
        # The same rule wherever the time went, also inside a call no check could interrupt (index/budget.py).
        file.check()
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
    """The first line when it reads like a title; section labels ("KEY POINTS") and bullets are skipped.

    A "Title: X" line (as DOCX, PDF and scanned pages can begin too) gives X, not the line."""
    for line in text.splitlines()[:5]:
        line = line.strip().lstrip("#").strip()
        if not line:
            continue
        stated = HEADER_LINE.match(line)
        if stated and stated.group(1).lower() in TITLE_KEYS:
            if stated.group(2):
                return stated.group(2)
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
    """The page's main text by trafilatura. The time budget is checked between its steps only: one extraction
    is one call into trafilatura and lxml that cannot be interrupted; the file-size limit bounds it."""
    import trafilatura

    file = current()
    html = decode_text(data, str(path))
    file.check()
    text = trafilatura.extract(
        html, output_format="txt", include_comments=False, include_tables=True, favor_recall=True, deduplicate=False
    )
    file.check()
    if not text or not text.strip():
        text = _html_fallback_text(html)
        file.check()
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
            text, boxes = read_image(image, 1.0, current())
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

    name = str(path)
    file = current()
    _check_docx_archive(data, name, file.max_unpacked_bytes)
    import docx
    from docx.oxml.ns import qn

    try:
        # lxml parses each XML part in one C call that no deadline check can interrupt: the unpacked-size limit
        # above bounds it (a 200 MB document.xml of 1.8M paragraphs: 4.5 s and 1.6 GB to parse on this 2-core
        # machine; the whole load then takes 18 s and 1.8 GB). The paragraphs are then checked one by one.
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx surfaces zipfile, lxml and package errors of damaged files
        raise LoadError(name, f"corrupt or unreadable DOCX ({type(exc).__name__})") from None
    file.check()
    heading_style = _heading_styles(document)
    paragraph_text = _paragraph_text()
    blocks: list[str] = []
    heading = None
    for element in document.element.body.iterchildren(qn("w:p")):  # document.paragraphs, without the objects
        file.check()
        text = paragraph_text(element)
        if not text.strip():
            continue
        blocks.append(text)
        if heading is None and heading_style(element):
            heading = text
    for table in document.tables:
        for row in table.rows:
            file.check()
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                blocks.append(" | ".join(cells))
    text = _normalise_newlines("\n\n".join(blocks))
    properties = document.core_properties
    title = (properties.title or "").strip()
    if not title:
        title = heading.strip() if heading else _first_line_title(text, _stem_title(path))
    return LoadedDocument(
        text=text,
        title=title,
        date=find_date(text) or as_iso_date(properties.created),
        author=(properties.author or "").strip() or None,
    )


def _check_docx_archive(data: bytes, name: str, max_unpacked_bytes: int | None) -> None:
    """Refuse what is not a zip archive, and one whose parts unpack to more than the budget, before parsing.

    The sizes are those the archive's central directory declares. They cannot understate what python-docx
    will get: zipfile (CPython 3.11, ZipExtFile._read1) cuts a member's output at its declared size and then
    checks its CRC-32, so a member that inflates beyond its header ends in `BadZipFile` ("Bad CRC-32"), not in
    more memory (tests/index/test_load_budgets.py pins it)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise LoadError(name, f"not a DOCX: not a zip archive, or a damaged one ({exc})") from None
    except (OSError, ValueError, EOFError) as exc:
        raise LoadError(name, f"not a DOCX: damaged zip archive ({type(exc).__name__}: {exc})") from None
    unpacked = sum(member.file_size for member in members)
    if max_unpacked_bytes is not None and unpacked > max_unpacked_bytes:
        raise LoadError(
            name,
            f"unpacks to {unpacked / 1e6:,.0f} MB, over the limit of {max_unpacked_bytes / 1e6:,.0f} MB "
            "(CITEWISE_MAX_UNPACKED_MB)",
        )
    if not any(member.filename == "[Content_Types].xml" for member in members):
        raise LoadError(name, "not a DOCX: a zip archive without [Content_Types].xml (not a Word document)")


@functools.cache
def _paragraph_text() -> Callable[[object], str]:
    """python-docx's `Paragraph.text` (runs and hyperlinks' runs; w:t, w:tab, w:br, w:cr, w:ptab, w:noBreakHyphen
    as python-docx's element classes render them) in one compiled XPath: 2 us a paragraph instead of 20, as
    python-docx compiles an XPath per paragraph and per run."""
    from docx.oxml.ns import nsmap
    from lxml import etree

    inner = "*[self::w:br or self::w:cr or self::w:noBreakHyphen or self::w:ptab or self::w:t or self::w:tab]"
    select = etree.XPath(f"w:r/{inner} | w:hyperlink/w:r/{inner}", namespaces={"w": nsmap["w"]})
    return lambda element: "".join(map(str, select(element)))


def _heading_styles(document) -> Callable[[object], bool]:
    """Whether a paragraph element's style is a title or heading style, as python-docx's `Paragraph.style` says.

    `Paragraph.style` searches the styles part for every paragraph (and, for the many paragraphs without a style,
    scans every style for the default): 0.75 ms a paragraph, 15 s for 20k. Here the styles are read once and a
    paragraph's style id comes from its own XML (w:pPr/w:pStyle/@w:val). The rules are python-docx's: the first
    style with that id, and only a paragraph style; otherwise the document's default paragraph style."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn

    first: dict[str, object] = {}
    for style in document.styles:
        first.setdefault(style.style_id, style)
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    default_is_heading = default is not None and (default.name or "").startswith(("Title", "Heading"))
    is_heading = {  # ids of other types of style, and unknown ids, mean the default paragraph style
        style_id: (style.name or "").startswith(("Title", "Heading"))
        for style_id, style in first.items()
        if style.type == WD_STYLE_TYPE.PARAGRAPH
    }
    properties_tag, style_tag, value = qn("w:pPr"), qn("w:pStyle"), qn("w:val")

    def heading_style(element) -> bool:
        properties = element.find(properties_tag)
        style = properties.find(style_tag) if properties is not None else None
        return is_heading.get(style.get(value), default_is_heading) if style is not None else default_is_heading

    return heading_style


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
