"""Ship a trained reader: its weights as an OpenVINO IR with int8 weights (NNCF weight compression, as the
encoder's openvino-int8 backend), its tokenizer and its training record, into the package (rag/reading/model/),
checked to score as the PyTorch model does.

    python -m training.export_reader [--trained training/out/reader]
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from training.reader_data import OUT as DATA
from training.reader_data import VALIDATION_FILE
from training.train_reader import encode, read_pairs

PACKAGE = Path(__file__).resolve().parents[1] / "rag" / "reading" / "model"
NAMES = ("input_ids", "attention_mask", "token_type_ids")


def export(trained: Path, target: Path) -> dict:
    import logging

    import nncf
    import numpy as np
    import openvino as ov
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from index.encoders import without_telemetry

    without_telemetry()
    logging.getLogger("nncf").setLevel(logging.WARNING)
    model = AutoModelForSequenceClassification.from_pretrained(trained).eval()
    tokenizer = AutoTokenizer.from_pretrained(trained)
    sample = [
        {"question": "Who wrote Emma?", "title": "Emma", "sentence": "Emma was written by Jane Austen."},
        {"question": "Who wrote Emma?", "title": "Emma", "sentence": "The novel is set in Highbury."},
        {"question": "When was the bridge rebuilt?", "title": "", "sentence": "It was rebuilt in stone in 1797."},
    ]
    example = {name: tensor for name, tensor in encode(tokenizer, sample[:1]).items() if name in NAMES}
    converted = nncf.compress_weights(ov.convert_model(model, example_input=example))
    target.mkdir(parents=True, exist_ok=True)
    ov.save_model(converted, target / "reader.xml", compress_to_fp16=False)
    shutil.copy(trained / "tokenizer.json", target / "tokenizer.json")
    # The int8 model must rank as the trained one does.
    rows = read_pairs(DATA / VALIDATION_FILE)[:256] if (DATA / VALIDATION_FILE).exists() else sample
    compiled = ov.Core().compile_model(str(target / "reader.xml"), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    batch = encode(tokenizer, rows)  # the example only fixes the inputs; the IR takes any batch and length
    with torch.inference_mode():
        reference = model(**{k: v for k, v in batch.items() if k in NAMES}).logits.squeeze(-1).numpy()
    inputs = [port.get_any_name() for port in compiled.inputs]
    shipped = compiled([batch[name].numpy() for name in inputs])[0].squeeze(-1)
    record = json.loads((trained / "training.json").read_text())
    record["inputs"] = inputs  # the IR's inputs in order: the reader feeds them by position
    (target / "training.json").write_text(json.dumps(record, indent=1) + "\n")
    size = sum(p.stat().st_size for p in target.iterdir())
    return {
        "bytes": size,
        "max_abs_logit_difference": float(np.max(np.abs(reference - shipped))),
        "rank_correlation": float(np.corrcoef(_ranks(reference), _ranks(shipped))[0, 1]),
    }


def _ranks(values):
    return values.argsort().argsort()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trained", type=Path, default=Path(__file__).resolve().parent / "out" / "reader")
    parser.add_argument("--target", type=Path, default=PACKAGE)
    args = parser.parse_args()
    print(json.dumps(export(args.trained, args.target), indent=1))


if __name__ == "__main__":
    main()
