"""Loading, chunking, embedding and storage of documents. Knows nothing of `rag` or `ui`."""
