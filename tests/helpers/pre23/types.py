from index.types import Chunk, DocumentRecord, LoadedDocument, document_metadata  # noqa: F401 - as imported then
