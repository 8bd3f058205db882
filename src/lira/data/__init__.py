"""Data formats, strict loaders, adapters for public benchmarks and the built-in product set."""

from lira.data.errors import DataFormatError
from lira.data.formats import (
    ChoiceExample,
    ClassificationExample,
    Document,
    NLIExample,
    ParallelExample,
    Query,
    RetrievalDataset,
    ScoredPair,
)

__all__ = ["DataFormatError", "ChoiceExample", "ClassificationExample", "Document", "NLIExample",
           "ParallelExample", "Query", "RetrievalDataset", "ScoredPair"]
