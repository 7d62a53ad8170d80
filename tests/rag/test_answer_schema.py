"""The Answer JSON contract (DESIGN.md) pinned two ways: real answers of every kind validate against
`rag.schema.AnswerJSON` (extra keys forbidden, so `to_dict()` can neither gain nor lose a key unnoticed), and
the schema itself equals a committed snapshot, so a change of the contract that scripts, the REST API and MCP
clients build against is always a deliberate, reviewed snapshot update.

Regenerate the snapshot after a deliberate change of the contract (then review the diff):

    CITEWISE_UPDATE_SNAPSHOTS=1 python -m pytest tests/rag/test_answer_schema.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from pydantic import ValidationError

from helpers.corpora import copy_demo
from helpers.fakes import HashingEmbeddings
from helpers.pdfs import draw_pdf
from rag import Answer, Assistant
from rag.schema import AnswerJSON

SNAPSHOT = Path(__file__).parent / "snapshots" / "answer.schema.json"
UPDATE = os.environ.get("CITEWISE_UPDATE_SNAPSHOTS") == "1"

TOWNS = {
    "larkfield.txt": "Larkfield\n\nLarkfield is a harbour town on the north coast. "
    "Larkfield was founded in 1204 by monks.",
    "osterby.txt": "Osterby\n\nOsterby is a ferry port across the bay. Osterby was founded in 1388 by fishermen.",
}
NEWS = {
    "tribune.txt": "Title: Osterby bridge shut\nSource: osterby-tribune.com\nAuthors: Mira Holt\n"
    "Published: 2024/03/02\n\n"
    "The Osterby bridge closed for 9 days of repairs after the March storm. Engineers replaced two cables.\n",
    "herald.txt": "Title: Ferry lost off Larkfield\nSource: larkfield-herald.org\nAuthors: Jon Eske\n"
    "Published: 2024/04/20\n\nThe Larkfield ferry sank near the northern pier during the April gale. "
    "The crew did not abandon the wheelhouse.\n",
}
LIGHTHOUSE = [
    "The Larkfield lighthouse was lit in 1871 by its keeper,",
    "Ada Brook, who kept the lamp burning through the storm.",
]
CALL_UP = "How many reservists were called up?"


def validate(answer: Answer) -> AnswerJSON:
    """The answer as a client receives it (JSON text), validated strictly: no coercion of types."""
    return AnswerJSON.model_validate_json(json.dumps(answer.to_dict()), strict=True)


def store_of(root: Path, embeddings, files: dict[str, str], **settings) -> Assistant:
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (docs / name).write_text(text)
    assistant = Assistant.open(store=root / "store", embeddings=embeddings, **settings)
    assistant.ingest([docs])
    return assistant


def llm(store: Path, embeddings, *replies: str) -> Assistant:
    """The demo store answered by LangChain's scripted fake chat model (one reply per model call)."""
    model = GenericFakeChatModel(messages=iter([AIMessage(r) for r in replies]))
    return Assistant.open(store=store, embeddings=embeddings, chat_model=model)


class Failing(GenericFakeChatModel):
    def _generate(self, *args, **kwargs):
        raise ConnectionError("Connection refused")


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict[str, Answer]:
    """Real answers of every kind the product gives, from real stores (fake embeddings, embedded Chroma)."""
    embeddings = HashingEmbeddings()
    root = tmp_path_factory.mktemp("answers")
    demo = Assistant.open(store=root / "demo" / "store", embeddings=embeddings, abstain_threshold=0.25)
    demo.ingest([copy_demo(root / "demo" / "docs")])
    towns = store_of(root / "towns", embeddings, TOWNS, abstain_threshold=0.05)
    news = store_of(root / "news", embeddings, NEWS, abstain_threshold=0.0)
    pdf_docs = root / "pdf" / "docs"
    pdf_docs.mkdir(parents=True)
    draw_pdf(pdf_docs / "lighthouse.pdf", [[], [(72, 120 + 14 * i, line) for i, line in enumerate(LIGHTHOUSE)]])
    pdf = store_of(root / "pdf", embeddings, {"ferry.txt": "The Osterby ferry sails at dawn."}, abstain_threshold=0.0)
    demo_store = root / "demo" / "store"
    first = demo.ask(CALL_UP)
    return {
        "extractive with a short answer": first,
        "extractive with conflicting sources": demo.ask("How many protesters were detained?"),
        "abstained": demo.ask("What is the capital of Peru?"),
        "follow-up": demo.ask("And who announced it?", history=[(CALL_UP, first.answer)]),
        "multi-part": towns.ask("Which town was founded first, Larkfield or Osterby?"),
        "multi-part with an unanswered part": towns.ask("Which town was founded first, Larkfield or Zanzibar Quux?"),
        "yes": news.ask("Did the Tribune report that the Osterby bridge closed for repairs?"),
        "no": news.ask("Did the Osterby bridge close for 12 days of repairs?"),
        "yes/no undecided": news.ask("Did the Osterby mayor approve the bridge repairs?"),
        "yes/no in two parts": news.ask(
            "Did the Tribune report that the Osterby bridge closed before the Herald reported that the Larkfield "
            "ferry sank?"
        ),
        "PDF citation with boxes": pdf.ask("Who kept the lamp of the Larkfield lighthouse burning?"),
        "llm": llm(demo_store, embeddings, "The minister said 300,000 reserves would be called up [1]. Sure [2].").ask(
            CALL_UP
        ),
        "llm with a changed number and a dropped marker": llm(
            demo_store, embeddings, "The call-up was of 200,000 reserves [1]. Putin ordered it [99]."
        ).ask(CALL_UP),
        "llm abstained": llm(demo_store, embeddings, "The passages do not contain the answer.").ask(CALL_UP),
        "llm follow-up rewritten": llm(
            demo_store, embeddings, "Who announced the call-up of reservists?", "The defense minister [1]."
        ).ask("And who announced it?", history=[(CALL_UP, first.answer)]),
        "llm failed, extractive instead": Assistant.open(
            store=demo_store, embeddings=embeddings, chat_model=Failing(messages=iter([]))
        ).ask(CALL_UP),
    }


CASES = [
    "extractive with a short answer",
    "extractive with conflicting sources",
    "abstained",
    "follow-up",
    "multi-part",
    "multi-part with an unanswered part",
    "yes",
    "no",
    "yes/no undecided",
    "yes/no in two parts",
    "PDF citation with boxes",
    "llm",
    "llm with a changed number and a dropped marker",
    "llm abstained",
    "llm follow-up rewritten",
    "llm failed, extractive instead",
]


@pytest.mark.parametrize("case", CASES)
def test_real_answers_validate_against_the_schema(answers, case):
    """Every kind of answer the product gives is described by the published schema, key for key: a key added
    to or dropped from `to_dict()` without updating rag/schema.py fails here."""
    data = answers[case].to_dict()
    validated = validate(answers[case])
    assert validated.model_dump(mode="json", exclude_unset=True) == json.loads(json.dumps(data))


def test_the_validated_answers_reach_every_optional_part_of_the_schema(answers):
    """The cases above are only a check of the nested models if some answer fills each of them: short answers,
    conflicts, parts with checks, verdicts, PDF boxes and pages, notices, rewritten follow-ups, both modes,
    abstentions."""
    data = [answers[case].to_dict() for case in CASES]
    citations = [c for d in data for c in d["citations"]]
    reached = {
        "short_answer": any(d["short_answer"] for d in data),
        "conflicts": any(d["conflicts"] for d in data),
        "parts": any(d["parts"] for d in data),
        "part check": any(p["check"] for d in data for p in d["parts"]),
        "verdict Yes": any(d["verdict"] == "Yes" for d in data),
        "verdict No": any(d["verdict"] == "No" for d in data),
        "boxes": any(c.get("boxes") for c in citations),
        "page": any(c["page"] for c in citations),
        "unsupported citation": any(not c["supported"] and c["reason"] for c in citations),
        "notices": any(d["notices"] for d in data),
        "standalone_question": any(d["standalone_question"] for d in data),
        "mode llm": any(d["mode"] == "llm" for d in data),
        "mode extractive": any(d["mode"] == "extractive" for d in data),
        "abstained": any(d["abstained"] for d in data),
        "answered": any(not d["abstained"] for d in data),
    }
    assert [name for name, seen in reached.items() if not seen] == []


def test_the_schema_equals_its_committed_snapshot():
    """The published contract changes only deliberately: regenerate the snapshot with
    `CITEWISE_UPDATE_SNAPSHOTS=1 python -m pytest tests/rag/test_answer_schema.py` and review its diff."""
    schema = AnswerJSON.model_json_schema()
    if UPDATE:
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(schema, indent=1, ensure_ascii=False) + "\n")
    assert SNAPSHOT.is_file(), f"no snapshot at {SNAPSHOT}: run with CITEWISE_UPDATE_SNAPSHOTS=1 to write it"
    assert json.loads(SNAPSHOT.read_text()) == schema, (
        "AnswerJSON's schema differs from tests/rag/snapshots/answer.schema.json: if the contract change is "
        "deliberate, run CITEWISE_UPDATE_SNAPSHOTS=1 python -m pytest tests/rag/test_answer_schema.py"
    )


def required(schema: dict, model: str | None = None) -> set[str]:
    node = schema["$defs"][model] if model else schema
    return set(node["required"])


def test_the_schema_requires_every_key_design_md_documents():
    """DESIGN.md's Answer JSON example is what scripts parse: each of its keys is required, at every level."""
    schema = AnswerJSON.model_json_schema()
    assert required(schema) >= {
        "question",
        "answer",
        "abstained",
        "mode",
        "citations",
        "conflicts",
        "passages",
        "timings_ms",
    }
    assert required(schema, "CitationJSON") >= {
        "n",
        "doc_id",
        "source",
        "title",
        "start",
        "end",
        "quote",
        "supported",
        "score",
    }
    assert required(schema, "ConflictJSON") >= {"about", "citations"}
    assert required(schema, "PassageJSON") >= {"doc_id", "start", "end", "text", "score"}
    assert required(schema, "TimingsJSON") >= {"retrieve", "answer", "total"}


def test_the_schema_rejects_a_key_it_does_not_describe(answers):
    """extra="forbid": a key `to_dict()` starts emitting must be added to the contract, not slip in."""
    data = answers["extractive with a short answer"].to_dict()
    data["citations"][0]["confidence"] = 0.9
    with pytest.raises(ValidationError, match="confidence"):
        AnswerJSON.model_validate(data)


def test_the_schema_rejects_an_answer_missing_a_documented_key(answers):
    """Clients may rely on every documented key being present, even when empty or null."""
    data = answers["abstained"].to_dict()
    del data["short_answer"]
    with pytest.raises(ValidationError, match="short_answer"):
        AnswerJSON.model_validate(data)


@pytest.fixture(scope="module")
def real_demo(tmp_path_factory, real_embeddings) -> Assistant:
    root = tmp_path_factory.mktemp("real-demo")
    assistant = Assistant.open(store=root / "store", embeddings=real_embeddings)
    assistant.ingest([copy_demo(root / "docs")])
    return assistant


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [CALL_UP, "How many protesters were detained?", "Who ordered the mobilization?", "How tall is the Eiffel Tower?"],
)
def test_answers_with_the_real_model_validate_against_the_schema(real_demo, question):
    """With the bundled encoder and the shipped calibration (the answers users get), too."""
    validate(real_demo.ask(question))
