"""Retrieval, answering and citations. Knows nothing of `ui`."""

from .assistant import Assistant
from .settings import Settings
from .types import Answer, Citation, Conflict, Passage

__all__ = ["Answer", "Assistant", "Citation", "Conflict", "Passage", "Settings"]
