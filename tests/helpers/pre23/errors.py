from index.errors import StoreError, UnknownDocumentError  # noqa: F401 - what the frozen catalog imports
