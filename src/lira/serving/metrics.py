"""Prometheus metrics of one search service, in a registry of its own (``prometheus_client``).

- ``lira_requests_total{endpoint, status}`` and ``lira_request_seconds{endpoint}`` (histogram);
- ``lira_stage_seconds{stage}``: translation, encoding and search time per search (histogram);
- ``lira_translation_cache_total{result}``: query translations served from the cache (``hit``) or made (``miss``);
- ``lira_query_vector_cache_total{result}``: query vectors served from the service's memory (``hit``) or encoded
  (``miss``);
- ``lira_batch_size{stage}``: requests encoded together (``encoding``) or searched together in one pass over the
  index (``search``) (histogram);
- ``lira_translation_fallbacks_total{reason}``: translator down (``error``) or slow (``timeout``), so the
  stand-in English slot (LiRA) or the source text (baselines) was used;
- ``lira_index_documents`` and ``lira_index_reloads_total{result}``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

# Latency buckets in seconds: 1 ms to 10 s.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServiceMetrics:
    """The service's counters and histograms; ``render()`` gives the Prometheus text format."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("lira_requests", "HTTP requests by endpoint and status code",
                                ("endpoint", "status"), registry=r)
        self.latency = Histogram("lira_request_seconds", "HTTP request latency by endpoint", ("endpoint",),
                                 buckets=BUCKETS, registry=r)
        self.stages = Histogram("lira_stage_seconds", "Time per search stage", ("stage",), buckets=BUCKETS,
                                registry=r)
        self.translation_cache = Counter("lira_translation_cache", "Query translations served from the cache "
                                         "(hit) or made (miss)", ("result",), registry=r)
        self.vector_cache = Counter("lira_query_vector_cache", "Query vectors served from memory (hit) or "
                                    "encoded (miss)", ("result",), registry=r)
        self.batch_size = Histogram("lira_batch_size", "Requests encoded or searched together", ("stage",),
                                    buckets=(1, 2, 4, 8, 16, 32, 64), registry=r)
        self.fallbacks = Counter("lira_translation_fallbacks", "Queries whose translator failed or timed out",
                                 ("reason",), registry=r)
        self.documents = Gauge("lira_index_documents", "Documents in the loaded index", registry=r)
        self.reloads = Counter("lira_index_reloads", "Index reloads by result", ("result",), registry=r)
        for result in ("hit", "miss"):
            self.translation_cache.labels(result)
            self.vector_cache.labels(result)
        for reason in ("error", "timeout"):
            self.fallbacks.labels(reason)

    def render(self) -> bytes:
        """The registry in the Prometheus text exposition format."""
        return generate_latest(self.registry)
