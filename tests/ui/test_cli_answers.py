"""The real `citewise search`, `ask` and `eval` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.cli import run_cli, run_json
from helpers.corpora import copy_demo

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    assert run_cli("ingest", copy_demo(root / "docs"), "--store", root / "store", "--quiet").returncode == 0
    return root / "store"


def test_search_json(store):
    code, data = run_json("search", "reservists called up", "-k", "3", "--store", store)
    assert code == 0 and data["query"] == "reservists called up"
    assert 1 <= len(data["passages"]) <= 3
    assert {"doc_id", "source", "title", "start", "end", "page", "text", "score"} <= set(data["passages"][0])


def test_search_with_a_filter_option(store):
    """--source (declared once for search and ask) restricts the passages; a bad --after is one line, exit 2."""
    code, data = run_json("search", "mobilization", "-k", "5", "--source", "koffler", "--store", store)
    assert code == 0 and data["passages"]
    assert all("koffler" in p["source"] for p in data["passages"])
    bad = run_cli("search", "mobilization", "--after", "notadate", "--store", store)
    assert bad.returncode == 2 and "filter after must be a date such as 2022-09-30, got 'notadate'" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_ask_text_shows_sources_with_quotes(store):
    result = run_cli("ask", "How many reservists were called up?", "--store", store)
    assert result.returncode == 0, result.stderr
    assert "300,000" in result.stdout and "Sources:" in result.stdout
    assert "[1]" in result.stdout and "line" in result.stdout


def test_ask_json_is_the_answer_contract(store):
    code, data = run_json("ask", "How many protesters were detained?", "--store", store)
    assert code == 0 and data["conflicts"] and data["citations"]


@pytest.mark.parametrize(
    "question, message",
    [
        ("", "the question is empty"),
        ("x" * 2500, "the limit is 2,000"),
        ("a\x01b", "binary"),
    ],
)
def test_ask_rejects_bad_questions_in_one_line(store, question, message):
    result = run_cli("ask", question, "--store", store)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def small_dataset(dataset: Path) -> Path:
    """The demo corpus with two answerable questions and one it does not answer."""
    copy_demo(dataset / "docs")
    rows = [
        {
            "id": "1",
            "question": "How many reservists were called up?",
            "answers": ["300,000"],
            "type": "fact",
            "evidence": [{"doc": "mobilization-ukraine-mod-video.txt", "text": "call-up of 300,000 reserves"}],
        },
        {
            "id": "2",
            "question": "Who is Rebekah Koffler?",
            "answers": ["a former US Defense Intelligence Agency"],
            "type": "fact",
            "evidence": [{"doc": "mobilization-koffler-2022-10-05.txt", "text": "Rebekah Koffler"}],
        },
        {
            "id": "3",
            "question": "What is the capital of Peru?",
            "answers": ["Insufficient information."],
            "evidence": [],
            "type": "unanswerable",
        },
    ]
    (dataset / "questions.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    return dataset


def test_eval_on_a_small_dataset(tmp_path):
    dataset = small_dataset(tmp_path / "set")
    code, result = run_json("eval", dataset, "--store", tmp_path / "store")
    assert code == 0
    overall = result["overall"]
    assert overall["questions"] == 3
    assert overall["hit@5"] == 1.0 and overall["abstention_accuracy"] == 1.0
    assert overall["answer_contained"] >= 0.5
    assert 0 <= overall["citation_precision"] <= 1 and overall["latency_p50_ms"] > 0
    assert "type=unanswerable" in result["groups"]
    again = run_cli("eval", dataset, "--store", tmp_path / "store")
    assert again.returncode == 0 and "hit@5" in again.stdout and "2 unchanged" in again.stdout


def test_ask_with_an_openai_compatible_server(store):
    from helpers.openai_server import ScriptedServer

    with ScriptedServer() as server:
        server.script(
            lambda p, q: (
                "The minister said 300,000 reserves would be called up ["
                + str(next(i for i, t in enumerate(p, 1) if "300,000" in t))
                + "]."
            )
        )
        result = run_cli(
            "ask",
            "How many reservists were called up?",
            "--llm",
            "openai:scripted",
            "--llm-base-url",
            server.url,
            "--store",
            store,
        )
    assert result.returncode == 0, result.stderr
    assert "Checked answer:" in result.stdout and "Sources:" in result.stdout
    assert "not supported" not in result.stdout
    assert server.requests and server.requests[0]["stream"] is True


def test_eval_in_a_collection_answers_from_that_collection_only(tmp_path):
    dataset = small_dataset(tmp_path / "set")
    store = tmp_path / "store"
    decoys = tmp_path / "decoys"
    decoys.mkdir()
    (decoys / "decoy.txt").write_text("Call-up figures\n\nThe ministry said 41,000 reservists were called up.\n")
    assert run_cli("ingest", decoys, "--store", store).returncode == 0
    missing = run_cli("eval", dataset, "--store", store, "--collection", "evalset")
    assert missing.returncode == 2 and "no collection is called 'evalset'" in missing.stderr
    assert run_cli("collection", "create", "evalset", "--store", store).returncode == 0
    code, result = run_json("eval", dataset, "--store", store, "--collection", "evalset")
    assert code == 0 and result["documents"] == 2 and result["overall"]["hit@5"] == 1.0
    _, default = run_json("docs", "--store", store)
    _, evalset = run_json("docs", "--store", store, "--collection", "evalset")
    assert [Path(d["source"]).name for d in default["documents"]] == ["decoy.txt"]
    assert sorted(Path(d["source"]).name for d in evalset["documents"]) == sorted(
        p.name for p in (dataset / "docs").iterdir()
    )
