"""Writes tests/data/formats/: one small document per supported format, text written for this project.

Re-run with the dev venv (reportlab, python-docx) after changing it: `.venv/bin/python tests/data/make_formats.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from helpers.corpora import write_docx, write_pdf  # noqa: E402

FORMATS = HERE / "formats"


def main() -> None:
    FORMATS.mkdir(exist_ok=True)
    (FORMATS / "lighthouse.txt").write_text(
        "The Larkfield lighthouse\n\n"
        "The Larkfield lighthouse was lit for the first time on 12 March 1871. Its lamp burned colza oil "
        "until 1904, when a paraffin burner replaced it.\n\nThe tower is 31 metres tall and has 142 steps.\n",
        encoding="utf-8",
    )
    (FORMATS / "ferry.md").write_text(
        "# Ferry timetable notes\n\n- The first ferry leaves Larkfield at 06:40.\n"
        "- Crossing to Osterby takes 55 minutes.\n- Bicycles travel free on weekdays.\n",
        encoding="utf-8",
    )
    (FORMATS / "market.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Larkfield market</title>"
        "<script>var tracker = 'SCRIPT_TEXT';</script></head><body><nav>Home | Events</nav><article>"
        "<h1>Larkfield market</h1><p>The Saturday market has 64 stalls and opens at eight.</p>"
        "<p>Fishmongers take the north row; cheese makers from Osterby take the south row.</p>"
        "</article><footer>Town council</footer></body></html>\n",
        encoding="utf-8",
    )
    write_pdf(
        FORMATS / "harbour.pdf",
        [
            "Harbour survey. The Larkfield harbour wall was rebuilt in 1998 after the winter storms.",
            "The survey counted 37 fishing boats and 12 yachts moored in the harbour in May 2024.",
        ],
        title="Harbour survey",
    )
    write_docx(
        FORMATS / "council.docx",
        "Council minutes",
        ["The council approved a new footbridge over the Lark river.", "Work starts on 3 April 2025."],
    )


if __name__ == "__main__":
    main()
