"""Test documents made on the fly: every supported format, every encoding, and every kind of bad input."""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO_CORPUS = REPO / "demo_corpus"
SHARED = Path(os.environ.get("CITEWISE_SHARED", REPO.parent / "shared"))
HOTPOT = SHARED / "eval" / "hotpotqa100"  # optional: only tests that say so in their skip reason use it
SHIPPED_FORMATS = REPO / "tests" / "data" / "formats"  # one small file per supported format, see its README

PROSE = (
    "The Rhine flows through six countries. It rises in the Swiss Alps and ends in the North Sea. "
    "Cologne Cathedral stands beside the river. Its towers were finished in 1880 after six centuries of work."
)


def write_pdf(path: Path, pages: list[str], title: str | None = None, encrypt_password: str | None = None) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    if title:
        pdf.setTitle(title)
    for text in pages:
        y = 800
        line = ""
        for word in text.split():
            if len(line) + len(word) > 80:
                pdf.drawString(50, y, line)
                y -= 16
                line = ""
            line = f"{line} {word}".strip()
        if line:
            pdf.drawString(50, y, line)
        pdf.showPage()
    pdf.save()
    if encrypt_password:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(str(path)))
        writer.encrypt(user_password=encrypt_password, owner_password=encrypt_password + "-owner", algorithm="AES-128")
        with open(path, "wb") as handle:
            writer.write(handle)
    return path


def write_docx(path: Path, title: str, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def good_corpus(folder: Path) -> dict[str, Path]:
    """One document per supported format and text encoding."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "utf8": folder / "rivers.txt",
        "bom": folder / "bom.txt",
        "utf16": folder / "utf16.txt",
        "latin1": folder / "latin1.txt",
        "markdown": folder / "notes.md",
        "html": folder / "page.html",
        "pdf": folder / "report.pdf",
        "docx": folder / "memo.docx",
    }
    files["utf8"].write_text("Rivers of Europe\n\n" + PROSE + "\n", encoding="utf-8")
    files["bom"].write_bytes(b"\xef\xbb\xbf" + "Café society met in Zürich on 2021-03-04. It was crowded.".encode())
    files["utf16"].write_bytes("Ünïcode in UTF-16: the Danube reaches the Black Sea.".encode("utf-16"))
    files["latin1"].write_bytes("Señor Muñoz paid 5 € for café crème in Málaga. He left at noon.".encode("cp1252"))
    files["markdown"].write_text(
        "# Field notes\n\n- The heron nests by the lake.\n- Otters were seen at dawn.\n", encoding="utf-8"
    )
    files["html"].write_text(
        "<html><head><title>Harbour report</title><style>body{color:red}</style>"
        "<script>var secret='SCRIPT_TEXT';</script></head><body><nav>Home | About | NAV_TEXT</nav>"
        "<article><h1>Harbour report</h1><p>The harbour of Hamburg handled 8.7 million containers in 2019. "
        "Most of them arrived from Asia by sea.</p><p>Its port authority was founded in 2005 and manages "
        "the quays.</p></article><footer>FOOTER_TEXT copyright</footer></body></html>",
        encoding="utf-8",
    )
    write_pdf(
        files["pdf"],
        [
            "The first page speaks of glaciers melting in the Alps.",
            "The second page says the glacier lost 40 metres in 2022.",
        ],
        title="Glacier report",
    )
    write_docx(
        files["docx"],
        "Quarterly memo",
        ["Sales rose by 12 percent in the spring quarter.", "The Oslo office opened on 1 June 2023."],
    )
    return files


def bad_corpus(folder: Path) -> dict[str, tuple[Path, str]]:
    """Files that cannot be indexed, each with a word its failure reason must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    bad = {
        "empty": (folder / "empty.txt", "empty"),
        "binary": (folder / "blob.txt", "binary"),
        "corrupt_pdf": (folder / "corrupt.pdf", "corrupt"),
        "encrypted_pdf": (folder / "locked.pdf", "encrypted"),
        "undecodable": (folder / "garbage.md", "binary or undecodable"),
        "too_big": (folder / "huge.txt", "over the limit"),
        "unreadable": (folder / "secret.txt", "permission denied"),
        "broken_link": (folder / "dangling.txt", "broken symbolic link"),
        "unsupported": (folder / "sheet.xlsx", "unsupported file type"),
        "corrupt_image": (folder / "scan.png", "corrupt or unreadable image"),
    }
    bad["empty"][0].write_bytes(b"")
    bad["binary"][0].write_bytes(bytes(range(256)) * 64)
    bad["corrupt_pdf"][0].write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage \x00\x01 no xref\n%%EOF")
    write_pdf(bad["encrypted_pdf"][0], ["Top secret plans."], encrypt_password="hunter2")
    bad["undecodable"][0].write_bytes(b"\x00\x9f\x92\x96" * 500 + b"\xff\xfe\x00\x00" * 300)
    bad["too_big"][0].write_text("word " * 300_000, encoding="utf-8")  # 1.5 MB, over a 1 MB test limit
    bad["unreadable"][0].write_text("You may not read me.", encoding="utf-8")
    bad["unreadable"][0].chmod(0)
    bad["broken_link"][0].symlink_to(folder / "does-not-exist.txt")
    bad["unsupported"][0].write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    bad["corrupt_image"][0].write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return bad


def copy_demo(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in DEMO_CORPUS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    return folder


# Text that stresses a word-piece tokenizer: scripts without spaces, long unbroken tokens, digits, symbols.
_HARD_BLOCKS = (
    "東京は日本の首都であり、人口はおよそ千四百万人である。大阪は商業の中心地として知られている。" * 6,
    "Ре́ка Во́лга — крупнейшая река Европы; её длина составляет 3530 км, а площадь бассейна 1 360 000 км².",
    "See https://example.org/" + "-".join(f"section{n}" for n in range(60)) + "/index.html for details.",
    "| year | containers (m) | growth |\n|---|---|---|\n"
    + "\n".join(f"| {1990 + n} | {n * 0.37:.2f} | {n % 9}.{n % 7}% |" for n in range(40)),
    "Weather 🌧️☀️🌈 and moods 😀😢😡 changed every hour 🕐🕑🕒 during the festival 🎉🎊.",
    " ".join(f"item{n} and then" for n in range(250)) + " the list ended without any full stop",
)


def varied_corpus(folder: Path, documents: int = 24) -> list[Path]:
    """Distinct, deterministic documents of several pages each that stress the chunker: the demo articles'
    sentences reshuffled, with lists, tables, long URLs, non-Latin scripts, emoji and a sentence without end."""
    folder.mkdir(parents=True, exist_ok=True)
    sentences = [
        s for p in sorted(DEMO_CORPUS.glob("*.txt")) for s in re.split(r"(?<=[.!?])\s+", p.read_text()) if s.strip()
    ]
    paths = []
    for number in range(documents):
        rng = random.Random(number)
        paragraphs = [f"Made-up report number {number}"]
        for _ in range(rng.randint(8, 14)):
            paragraphs.append(" ".join(rng.sample(sentences, k=min(len(sentences), rng.randint(2, 7)))))
            if rng.random() < 0.35:
                paragraphs.append(rng.choice(_HARD_BLOCKS))
        path = folder / f"report-{number:02}.txt"
        path.write_text("\n\n".join(paragraphs) + f"\n\nEnd of report {number}.\n", encoding="utf-8")
        paths.append(path)
    return paths
