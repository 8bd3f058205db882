"""Stage-1 features cost one backbone pass per distinct text and role (counted), with the scores of the critic."""

from collections import Counter

import numpy as np
import pytest
import torch

from lira.arca.offline_critic import OfflineCritic, OfflineCriticConfig
from lira.cache import CachedBackbone, FeatureCache
from lira.data.formats import ParallelExample
from lira.training.arca_data import CandidateConfig, build_features, candidate_pools
from tests.arca.test_offline_critic import TrigramBackbone


class Recording(TrigramBackbone):
    """Trigram toy backbone that records every (text, role) it encodes."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.seen: list[tuple[str, str]] = []

    def _encode_batch(self, texts, role):
        self.seen += [(t, role) for t in texts]
        return super()._encode_batch(texts, role)


# two languages sharing their English (as SIB-200's 14 languages do), and one source given twice
EXAMPLES = [
    ParallelExample("vie", "giày chạy bộ màu đen", "black running shoes"),
    ParallelExample("vie", "nồi cơm điện", "rice cooker"),
    ParallelExample("vie", "giày chạy bộ màu đen", "black running shoes"),
    ParallelExample("ind", "sepatu lari hitam", "black running shoes"),
    ParallelExample("ind", "penanak nasi", "rice cooker", translations=("rice cooker",)),
]


def _run(tmp_path, critic_role: str, shared_english: bool):
    cache = FeatureCache(tmp_path)
    lr_raw = Recording("lr")
    lr = CachedBackbone(lr_raw, cache)
    en_raw = lr_raw if shared_english else Recording("en")
    en = lr if shared_english else CachedBackbone(en_raw, cache)
    critic = OfflineCritic(lr, config=OfflineCriticConfig(role=critic_role))
    config = CandidateConfig()
    features = build_features(EXAMPLES, lr_backbone=lr, en_backbone=en, critic=critic, translators={},
                              config=config)
    return features, critic, lr_raw, en_raw, config


@pytest.mark.parametrize("critic_role,shared_english", [("text", False), ("query", False), ("query", True)])
def test_each_distinct_text_is_encoded_once_per_backbone_and_role(tmp_path, critic_role, shared_english):
    features, critic, lr_raw, en_raw, config = _run(tmp_path, critic_role, shared_english)
    pools, _ = candidate_pools(EXAMPLES, {}, config)
    sources = {ex.text for ex in EXAMPLES}
    candidates = {c.text for pool in pools for c in pool}
    anchors = {*critic.probe.config.positive, *critic.probe.config.negative}
    counts = Counter(lr_raw.seen)
    assert max(counts.values()) == 1  # nothing twice
    expected = {(t, "query") for t in sources} | {(t, critic_role) for t in sources | candidates | anchors}
    if shared_english:
        expected |= {(t, "query") for t in candidates}
    else:
        assert Counter(en_raw.seen) == Counter({(t, "query"): 1 for t in candidates})
    assert set(counts) == expected
    # linear in distinct texts, whatever the number of examples and languages sharing them
    assert len(lr_raw.seen) == len(expected) < len(EXAMPLES) * (2 + 2 * max(len(p) for p in pools)) + len(anchors)


@pytest.mark.parametrize("critic_role", ["text", "query"])
def test_scores_and_features_are_those_of_the_critic_and_backbones(tmp_path, critic_role):
    features, critic, lr_raw, en_raw, config = _run(tmp_path, critic_role, False)
    pools, golds = candidate_pools(EXAMPLES, {}, config)
    fresh = Recording("lr")
    for lang in ("vie", "ind"):
        rows = [i for i, ex in enumerate(EXAMPLES) if ex.lang == lang]
        expected = OfflineCritic(fresh, config=critic.config).score([EXAMPLES[i].text for i in rows],
                                                                     [pools[i] for i in rows], lang=lang)
        for i, row_scores in zip(rows, expected, strict=True):
            np.testing.assert_allclose(features.scores[i, : len(row_scores)].numpy(),
                                       [[s.s, s.e, s.p] for s in row_scores], rtol=1e-6)
    np.testing.assert_array_equal(features.x_lr[:, 0].numpy(), fresh.encode([ex.text for ex in EXAMPLES],
                                                                             role="query"))
    for i, pool in enumerate(pools):
        np.testing.assert_array_equal(features.y_en[i, : len(pool), 0].numpy(),
                                      Recording("en").encode([c.text for c in pool], role="query"))
        assert features.mask[i].sum() == len(pool)
    assert features.gold.tolist() == golds


def test_moving_features_moves_every_tensor_and_shares_the_lists(tmp_path):
    features = _run(tmp_path, "query", False)[0]
    rows = features.subset(torch.tensor([3, 0]))
    moved = rows.to("meta")  # a device every machine has: tensors of the right shapes, no data
    tensors = ("x_lr", "y_en", "mask", "scores", "gold")
    assert all(getattr(moved, name).device.type == "meta" for name in tensors)
    assert all(getattr(moved, name).shape == getattr(rows, name).shape for name in tensors)
    assert (moved.langs, moved.sources, moved.candidates) == (rows.langs, rows.sources, rows.candidates)
    assert moved.candidates is rows.candidates  # not walked, not copied
    same = rows.to("cpu")
    assert all(getattr(same, name) is getattr(rows, name) for name in tensors)  # already there: nothing copied


def test_a_source_in_another_script_is_named_by_its_example_id(tmp_path):
    from lira.languages import ScriptWarning

    examples = [ParallelExample("vie", "giày chạy bộ", "running shoes", id="p.tsv:2"),
                ParallelExample("vie", "รองเท้าวิ่ง", "running shoes", id="p.tsv:3")]
    lr = CachedBackbone(Recording("lr"), FeatureCache(tmp_path))
    with pytest.warns(ScriptWarning, match=r"^1 text\(s\) tagged vie \(Vietnamese, script Latn\) are mostly "
                                           r"written in another script \(first: p.tsv:3\)"):
        build_features(examples, lr_backbone=lr, en_backbone=lr, critic=OfflineCritic(lr), translators={},
                       config=CandidateConfig())
