"""The faces of Citewise: the command line and the Gradio web UI."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before any module of this package imports Gradio
