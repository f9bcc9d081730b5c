"""The Qdrant segment index: engines, embeddings, sparse vectors, idempotent ingest, hybrid search."""
