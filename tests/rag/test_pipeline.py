"""The pipeline's seams (rag/pipeline.py): what a benchmark fits on is what answering decides with, the stages
hand over frozen values, the LangChain runnable answers like `ask`, and the text layer stays light."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from helpers.corpora import copy_demo
from rag import Assistant
from rag.stages import Turn

QUESTION = "How many reservists were called up?"
TWO_PARTS = "Which is older, the Eiffel Tower or the Statue of Liberty?"


@pytest.fixture
def assistant(tmp_path, fake_embeddings) -> Assistant:
    assistant = Assistant.open(store=tmp_path / "store", embeddings=fake_embeddings)
    assistant.ingest([copy_demo(tmp_path / "docs")])
    return assistant


def test_the_readings_a_benchmark_fits_on_are_those_ask_decides_with(assistant):
    """bench/abstention.py fits on `pipeline.readings`: its P(answerable) must be the one `ask` abstains by (the
    train/serve skew of fitting with requested settings and serving with the profile-resolved ones)."""
    readings = assistant.pipeline.readings(Turn(question=QUESTION))
    answer = assistant.ask(QUESTION)
    assert len(readings) == 1
    assert readings[0].features is not None
    assert answer.answerability == pytest.approx(readings[0].answerability)


def test_a_multi_part_question_is_read_part_by_part(assistant):
    """Each part gets its own reading (and its own abstention decision)."""
    readings = assistant.pipeline.readings(Turn(question=TWO_PARTS))
    assert [r.part.subject for r in readings] == ["the Eiffel Tower", "the Statue of Liberty"]


def test_stage_values_are_frozen(assistant):
    """A stage never changes what an earlier stage handed it."""
    (reading,) = assistant.pipeline.readings(Turn(question=QUESTION))
    with pytest.raises(dataclasses.FrozenInstanceError):
        reading.answerability = 1.0  # type: ignore[misc]


def test_the_langchain_runnable_answers_as_ask_does(assistant):
    """`as_runnable()` is the same pipeline, usable in any LangChain chain."""
    through_langchain = assistant.as_runnable().invoke(Turn(question=QUESTION, answer_k=5, k=5))
    assert through_langchain.answer == assistant.ask(QUESTION).answer
    assert through_langchain.citations == assistant.ask(QUESTION).citations


def test_importing_the_text_layer_loads_no_langchain_and_no_model():
    """`rag.text` is the bottom of rag/: tools and benchmarks import it without the answering stack."""
    code = "import sys, rag.text; print(sorted(m for m in sys.modules if m.startswith(('langchain', 'torch'))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
