"""The faces of Citewise: the command line and the Gradio web UI."""
