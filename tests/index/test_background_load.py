"""The encoder's background load (cold `citewise ask`) races the main thread's imports of Chroma and LangChain.
NumPy, which both sides import, must be whole before the thread starts: two threads importing its submodules at
once can deadlock on module locks, and Python breaks that by handing one a partially initialised module (CI saw
"cannot import name 'NDArray' from partially initialized module 'numpy._typing'")."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_numpy_is_imported_before_the_background_load_starts():
    # A fresh interpreter: this test process imported NumPy long ago.
    script = textwrap.dedent(
        """
        import sys, threading
        seen = {}
        start = threading.Thread.start
        def recording_start(self):
            numpy = sys.modules.get("numpy")
            whole = numpy is not None and hasattr(numpy, "ndarray") and "numpy._typing" in sys.modules
            seen.setdefault(self.name, whole)
            return start(self)
        threading.Thread.start = recording_start
        from index.embedding import LocalEmbeddings
        assert "numpy" not in sys.modules, "index.embedding now imports NumPy itself: this test checks nothing"
        LocalEmbeddings().load_in_background().join()
        print(seen["citewise-model-load"])
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"
