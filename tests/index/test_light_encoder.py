"""The light encoder (a cached OpenVINO model run without sentence-transformers or PyTorch) must give the vectors,
word pieces and token counts sentence-transformers gives, and must step aside for model shapes it cannot copy."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers.cli import cli_env
from helpers.corpora import DEMO_CORPUS, copy_demo
from index.encoders import INPUTS_FILE
from index.light_encoder import LightModel, model_layout


def bundled() -> Path:
    from index.embedding import bundled_model_path

    return bundled_model_path()


def model_config_copy(tmp_path: Path) -> Path:
    """The bundled model's configuration files (no weights): enough for `model_layout`."""
    folder = tmp_path / "model"
    for path in bundled().rglob("*.json"):
        target = folder / path.relative_to(bundled())
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return folder


def test_the_bundled_model_shape_is_served(tmp_path):
    assert model_layout(model_config_copy(tmp_path)) == {"max_seq_length": 256, "dimension": 384, "normalize": True}


@pytest.mark.parametrize(
    ("file", "change"),
    [
        ("1_Pooling/config.json", {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}),
        ("1_Pooling/config.json", {"pooling_mode_max_tokens": True}),
        ("sentence_bert_config.json", {"do_lower_case": True}),
        ("config_sentence_transformers.json", {"prompts": {"query": "query: "}, "default_prompt_name": "query"}),
    ],
)
def test_other_model_shapes_go_through_sentence_transformers(tmp_path, file, change):
    folder = model_config_copy(tmp_path)
    path = folder / file
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    assert model_layout(folder) is None


def test_an_extra_module_goes_through_sentence_transformers(tmp_path):
    folder = model_config_copy(tmp_path)
    modules = json.loads((folder / "modules.json").read_text())
    modules.append({"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules))
    assert model_layout(folder) is None


@pytest.mark.slow
def test_light_vectors_pieces_and_counts_are_sentence_transformers_own(tmp_path):
    from index.embedding import LocalEmbeddings

    cache = tmp_path / "encoders"
    full = LocalEmbeddings(backend="openvino-int8", cache=cache)  # converts, through sentence-transformers
    texts = [p.read_text() for p in sorted(DEMO_CORPUS.glob("*.txt"))]  # whole articles: past the 256-token window
    texts += ["  spaces around  ", "Ünïcödé — “quotes”, tabs\tand emoji 🎉", "x", "How many reservists were called up?"]
    texts += [f"{n} protesters were detained in {n} cities." for n in range(40)]  # more than one batch
    expected = full.encode(texts)
    assert type(full.model).__name__ == "SentenceTransformer"
    assert list(cache.glob(f"*/openvino-int8/{INPUTS_FILE}")), "the conversion records the model's input order"

    light = LocalEmbeddings(backend="openvino-int8", cache=cache)
    got = light.encode(texts)
    assert isinstance(light.model, LightModel)
    assert np.abs(expected - got).max() < 1e-5
    assert light.count_tokens(texts) == full.count_tokens(texts)
    assert (light.max_tokens, light.dimension) == (full.max_tokens, full.dimension)
    for mine, theirs in zip(light.encode_tokens(texts[:6]), full.encode_tokens(texts[:6]), strict=True):
        assert mine.pieces == theirs.pieces
        assert np.abs(mine.piece_vectors - theirs.piece_vectors).max() < 1e-5
        assert np.abs(mine.vector - theirs.vector).max() < 1e-5
    assert light.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_a_cold_question_loads_neither_torch_nor_sentence_transformers(tmp_path):
    """What makes a cold `citewise ask` take ~2.5 s instead of ~10: the store's converted model is run as is."""
    from rag import Assistant

    store = tmp_path / "store"
    Assistant.open(store=store, embedding_backend="openvino-int8").ingest([copy_demo(tmp_path / "docs")])
    probe = (
        "import sys; from rag import Assistant; "
        f"answer = Assistant.open(store={str(store)!r}).ask('How many reservists were called up?'); "
        "print(answer.abstained, 'torch' in sys.modules, 'sentence_transformers' in sys.modules, "
        "'300,000' in answer.answer)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=cli_env())
    assert out.stdout.split() == ["False", "False", "False", "True"], out.stderr[-2000:]
