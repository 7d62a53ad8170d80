"""The real `citewise` command line with the deterministic hashing encoder in place of the model, for tests that
run many processes (servers, workers) where loading the model in each would only cost time. Every other part is
the real one. `CITEWISE_TEST_ENCODE_DELAY` (seconds per chunk) slows encoding, so that a test can kill a worker in
the middle of a job.

    python -m helpers.citewise_with_fake ingest ...   (with tests/ on PYTHONPATH)
"""

from __future__ import annotations

import os
import sys
import time

from helpers.fakes import HashingEmbeddings


class SlowHashingEmbeddings(HashingEmbeddings):
    def __init__(self, delay: float):
        super().__init__(dimension=384)
        self.delay = delay

    def encode(self, texts):
        time.sleep(self.delay * len(texts))
        return super().encode(texts)


def fake_encoder(*_args, **_kwargs):
    return SlowHashingEmbeddings(float(os.environ.get("CITEWISE_TEST_ENCODE_DELAY", "0")))


def main() -> None:
    from index.embedding import LocalEmbeddings

    LocalEmbeddings.from_settings = staticmethod(fake_encoder)  # type: ignore[method-assign]
    from ui.cli import main as citewise

    sys.argv[0] = "citewise"
    citewise()


if __name__ == "__main__":
    main()
