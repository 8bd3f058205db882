"""``LRU``: bounded, least recently used first out, size 0 keeps nothing."""

from __future__ import annotations

import pytest

from lira.lru import LRU


def test_the_least_recently_used_entry_goes_first():
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)
    cache.put("a", 4)
    assert cache.get("a") == 4 and len(cache) == 2


def test_size_zero_keeps_nothing_and_a_negative_size_is_refused():
    empty: LRU[str, int] = LRU(0)
    empty.put("a", 1)
    assert empty.get("a") is None and len(empty) == 0
    with pytest.raises(ValueError, match="size must be >= 0, got -1"):
        LRU(-1)
