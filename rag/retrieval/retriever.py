"""Citewise's retrieval as a LangChain retriever, usable in any LangChain chain (`assistant.retriever`)."""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.retrieval.search import Retrieval


class HybridRetriever(BaseRetriever):
    """Citewise's retrieval as a LangChain retriever: each Document is a passage with its exact offsets."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retrieval: Retrieval
    k: int = 5
    doc_ids: list[str] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        run = self.retrieval.search(query, k=self.k, doc_ids=self.doc_ids)
        return [Document(page_content=p.text, metadata=p.to_dict() | {"citewise_passage": True}) for p in run.passages]
