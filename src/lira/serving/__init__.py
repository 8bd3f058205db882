"""Cross-lingual search as a service: a persistent index over a saved LiRA model or a baseline, and an HTTP API.

- ``corpus``: the documents an index holds (a BEIR ``corpus.jsonl`` or the built-in product set).
- ``identity``: which model an index was built with (spec, kind, config hash), so a mismatch is refused.
- ``faiss_index``, ``qdrant_index``: the backends: faiss (exact up to ``exact_max`` documents, HNSW above) and
  Qdrant (embedded local mode in the index folder, or a server URL).
- ``index``: the versioned index folder: builds land atomically (temp folder, rename, ``CURRENT`` pointer).
- ``holder``: the version a server searches, swapped whole on reload.
- ``build``: ``build_index``, embedding only documents the previous version lacks.
- ``langid``: the query language from its script.
- ``translation``: the English a method reads for a query (Arca's choice with critic scores), cached, with a
  bounded-time fallback when the translator is down or slow.
- ``service``: search and encode over a loaded index, with per-stage timings.
- ``metrics``, ``schemas``, ``page``, ``app``: Prometheus metrics, request bodies and limits, the search page, the
  FastAPI application.

The CLI is ``lira index build`` and ``lira serve`` (``lira.cli_serve``).
"""
