"""LiRAModel with the real embedded backbones: translation, encoding, save/reload, refusal of other versions."""

import json
import warnings

import numpy as np
import pytest
import torch

from lira.arca.adaptor import AdaptorConfig
from lira.arca.model import ArcaConfig, ArcaModel
from lira.cache import CachedBackbone
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.model import LiRAConfig, LiRAModel
from lira.translators.base import Candidate, Reading
from tests.evaluation.test_methods import DIM, WordBackbone, fake_backbones, tiny_lira  # noqa: F401


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(hidden=32)))
    head = LaSRHead(LaSRConfig(languages=["vie", "tha"], num_classes=3))
    return LiRAModel(LiRAConfig(languages=["vie", "tha"]), arca, head,
                     cache_dir=tmp_path_factory.mktemp("cache"))


def test_encode_translates_and_reloads_identically(model, tmp_path):
    texts = ["giày chạy bộ nike màu đen", "nồi cơm điện"]
    chosen = model.translate(texts, lang="vi")
    assert all(isinstance(t, str) and t for t in chosen)
    vectors = model.encode(texts, lang="vie")
    assert vectors.shape == (2, 768) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    folder = model.save(tmp_path / "m")
    card = (folder / "README.md").read_text()
    assert "## Training data" in card and "vie, tha" in card
    again = LiRAModel.load(folder, cache_dir=tmp_path / "cache2")
    np.testing.assert_array_equal(again.encode(texts, lang="vie"), vectors)


def test_translations_given_or_missing(model):
    with pytest.raises(ValueError, match="2 texts but 1 translations"):
        model.encode(["a b", "c d"], lang="vie", translations=["x"])
    with pytest.warns(UserWarning, match="1 of 2 text\\(s\\) have no English translation"):
        dp = model.dual_path(["giày", "ốp lưng"], lang="vie", translations=["shoes", None])
    assert dp.has_translation.tolist() == [True, False]
    with pytest.warns(UserWarning, match="was not seen in training"):
        out = model.predict(["ရှူးဖိနပ်"], lang="mya", texts2=["ဖိနပ်"])
    assert out["probs"].shape == (1, 3)


def test_unknown_language_and_version(model, tmp_path):
    with pytest.raises(ValueError, match="valid codes"):
        model.encode(["x"], lang="xx")
    folder = model.save(tmp_path / "m")
    meta = json.loads((folder / "lira_config.json").read_text())
    meta["format_version"] = 99
    (folder / "lira_config.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="format version 99"):
        LiRAModel.load(folder)
    with pytest.raises(FileNotFoundError, match=f"not a saved LiRA model folder \\(no lira_config.json\\); "
                                                f"found one in {folder}$"):
        LiRAModel.load(tmp_path)  # the run folder given for the model folder inside it


# ------------------------------------------------------------------------------------------- cheap models
# The tests below use ``tiny_lira`` over the bag-of-words ``WordBackbone`` (no neural encoder runs).

def test_share_backbones_checks_widths_and_uses_the_given_backbones(tmp_path, monkeypatch):
    def refuse(spec):
        raise AssertionError(f"a shared model loaded its own backbone {spec!r}")

    monkeypatch.setattr("lira.backbones.load_backbone", refuse)
    folder = tiny_lira(tmp_path / "m")
    first = LiRAModel.load(folder, cache_dir=tmp_path / "c1")
    with pytest.raises(ValueError, match=rf"backbone widths \(8, {DIM}\) differ from the adaptor's inputs "
                                         rf"\({DIM}, {DIM}\)"):
        first.share_backbones(CachedBackbone(WordBackbone("narrow", dim=8)), CachedBackbone(WordBackbone("en")))
    assert first._lr is None and first._en is None  # nothing taken over on a mismatch
    lr, en = CachedBackbone(WordBackbone("mb")), CachedBackbone(WordBackbone("en"))
    assert first.share_backbones(lr, en) is first
    assert first.lr_backbone is lr and first.en_backbone is en
    texts, english = ["giày đen", "nồi cơm điện"], ["black shoes", "rice cooker"]
    vectors = first.encode(texts, lang="vie", translations=english)
    assert vectors.shape == (2, 2 * DIM) and (lr.misses, en.misses) == (2, 2)  # the dual path [E_lr ; E_en]
    second = LiRAModel.load(folder, cache_dir=tmp_path / "c2").share_backbones(lr, en)  # many models, one pair
    np.testing.assert_allclose(second.encode(texts, lang="vie", translations=english), vectors, atol=1e-6)
    assert (lr.hits, en.hits) == (2, 2)  # the second model read the shared backbones' cache


@pytest.mark.filterwarnings("ignore:.*have no English translation:UserWarning")
def test_option_scores_pair_each_option_with_its_premise(fake_backbones, tmp_path):  # noqa: F811
    model = LiRAModel.load(tiny_lira(tmp_path / "m", task="choice"), cache_dir=tmp_path / "c")
    premises, translations = ["trời mưa (effect)", "giày đen"], ["it rains (effect)", "black shoes"]
    options = [["đường ướt", "trời nắng", "cá bơi"], ["giày trắng", "nồi cơm", "ốp lưng"]]
    option_tr = [["the road is wet", "it is sunny", "fish swim"], ["white shoes", "rice cooker", "phone case"]]
    scores = model.option_scores(premises, options, lang="vie", translations=translations,
                                 option_translations=option_tr)
    assert scores.shape == (2, 3) and scores.dtype == np.float32
    # hand check of one cell: LaSR's score of premise 0 paired with option 1
    dp = model.dual_path(premises[:1], lang="vie", translations=translations[:1])
    do = model.dual_path([options[0][1]], lang="vie", translations=[option_tr[0][1]])
    with torch.no_grad():
        direct = float(model.lasr(dp.z, "vie", z2=do.z).score[0])
    assert scores[0, 1] == pytest.approx(direct, abs=1e-5)
    with pytest.warns(UserWarning, match="some premises or options have no translation"):
        assert model.option_scores(premises, options, lang="vie").shape == (2, 3)


def test_option_scores_refuse_ragged_options(fake_backbones, tmp_path):  # noqa: F811
    model = LiRAModel.load(tiny_lira(tmp_path / "m", task="choice"), cache_dir=tmp_path / "c")
    with pytest.raises(ValueError, match="2 premises need as many option lists, all of the same length"):
        model.option_scores(["a b", "c d"], [["e", "f"], ["g"]], lang="vie")
    with pytest.raises(ValueError, match="2 premises need as many option lists"):
        model.option_scores(["a b", "c d"], [["e", "f"]], lang="vie")


def test_choose_picks_among_the_candidates(fake_backbones, tmp_path):  # noqa: F811
    model = LiRAModel.load(tiny_lira(tmp_path / "m"), cache_dir=tmp_path / "c")
    first, last = model.arca.actor.net[0], model.arca.actor.net[-1]
    with torch.no_grad():  # an Actor whose logit is tanh(s'): it prefers the critic's semantic score
        for layer in (first, last):
            layer.weight.zero_()
            layer.bias.zero_()
        first.weight[0, 0] = last.weight[0, 0] = 1.0
    # the word encoder gives "nike air max" cosine 1 with the candidate that repeats it (s = 10), 0 with the other
    good, bad = Candidate("nike air max", "mt"), Candidate("red phone case", "mt")
    texts = ["nike air max", "nike air max", "nồi cơm", "giày"]
    pools = [[bad, good], [good, bad], [Candidate("rice cooker", "mt")], []]
    assert model.choose(texts, pools, lang="vie") == ["nike air max", "nike air max", "rice cooker", None]
    assert model.choose(["a"], [[]], lang="vie") == [None]
    with pytest.raises(ValueError, match="2 texts but 1 candidate pools"):
        model.choose(["a", "b"], [[good]], lang="vie")


def test_with_english_weight_moves_between_the_two_paths(model):
    texts, english = ["giày chạy bộ nike màu đen", "nồi cơm điện"], ["black nike running shoes", "rice cooker"]
    halves = {w: model.with_english_weight(w).encode(texts, lang="vie", translations=english) for w in (0, 0.5, 1)}
    half = halves[0.5].shape[1] // 2
    assert np.allclose(halves[0][:, half:], 0) and np.allclose(halves[1][:, :half], 0)
    np.testing.assert_array_equal(halves[0.5], model.encode(texts, lang="vie", translations=english))
    assert model.lasr.config.english_weight == 0.5  # the original is unchanged


class _Recording(WordBackbone):
    """``WordBackbone`` that records each (text, role) it encodes."""

    def __init__(self, spec):
        super().__init__(spec)
        self.seen = []

    def _encode_batch(self, texts, role):
        self.seen += [(t, role) for t in texts]
        return super()._encode_batch(texts, role)


class _Dictionary:
    """Toy translator: two candidates per text, none for texts holding "xx"."""

    name = "dict"

    def translate(self, texts, *, lang, k=1):
        return [[] if "xx" in t else [Candidate(f"en {t}", "a"), Candidate(f"english {t.split()[0]}", "b")][:k]
                for t in texts]


def _counted_model(tmp_path, critic_role="text"):
    torch.manual_seed(0)
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=DIM, en_dim=DIM, dim=DIM, hidden=32)))
    head = LaSRHead(LaSRConfig(dim=DIM, width=16, heads=2, ff=32, layers=1, languages=["vie"]))
    model = LiRAModel(LiRAConfig(languages=["vie"], translator="lexicon", critic_role=critic_role), arca, head,
                      cache_dir=tmp_path / "cache")
    lr, en = _Recording("lr"), _Recording("en")
    model.share_backbones(CachedBackbone(lr, model._cache), CachedBackbone(en, model._cache))
    model._translators["vie"] = _Dictionary()
    return model, lr, en


TEXTS = ["giày chạy bộ", "nồi cơm điện", "giày chạy bộ", "ốp lưng", "áo xx", "sạc nhanh", "nồi cơm điện"]


@pytest.mark.parametrize("critic_role", ["text", "query"])
def test_encode_reads_each_distinct_text_once_per_backbone_and_role(tmp_path, critic_role):
    model, lr, en = _counted_model(tmp_path, critic_role)
    with pytest.warns(UserWarning, match=r"1 of 7 text\(s\) have no English translation"):
        vectors = model.encode(TEXTS, lang="vie")
    assert vectors.shape == (7, 2 * DIM)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    sources = set(TEXTS)
    pools = model.translator("vie").translate(sorted(sources), lang="vie", k=2)
    candidates = {c.text for pool in pools for c in pool}
    anchors = {*model.critic.probe.config.positive, *model.critic.probe.config.negative}
    expected_lr = {(t, "query") for t in sources} | {(t, critic_role) for t in anchors}
    expected_lr |= {(t, critic_role) for t in (sources - {"áo xx"}) | candidates}
    assert sorted(lr.seen) == sorted(expected_lr)  # each once: nothing re-encoded
    assert sorted(en.seen) == sorted((t, "query") for t in candidates)
    # the same vectors as the step-by-step path: the Actor's choice, then the features of that choice
    chosen = model.choose(TEXTS, model.translator("vie").translate(TEXTS, lang="vie", k=2), lang="vie")
    with pytest.warns(UserWarning, match="1 of 7"):
        np.testing.assert_allclose(model.encode(TEXTS, lang="vie", translations=chosen), vectors, atol=1e-6)


class _OneSense(_Dictionary):
    """``_Dictionary``, but a text holding "một" gets one candidate text (given k times)."""

    def translate(self, texts, *, lang, k=1):
        pools = super().translate(texts, lang=lang, k=k)
        return [[Candidate(f"one {t}", "a")] * k if "một" in t else pool for t, pool in zip(texts, pools, strict=True)]


def test_the_critic_reads_only_the_pools_that_leave_a_choice(tmp_path):
    model, lr, _ = _counted_model(tmp_path, critic_role="text")
    model._translators["vie"] = _OneSense()
    texts = ["giày chạy bộ", "một nồi", "ốp lưng", "một sạc"]
    pools = model.translator("vie").translate(texts, lang="vie", k=2)
    chosen = model.choose(texts, pools, lang="vie")
    critic = {t for t, role in lr.seen if role == "text"}  # what the critic read (its role here: text)
    assert {"giày chạy bộ", "en giày chạy bộ", "english giày", "ốp lưng", "en ốp lưng", "english ốp"} <= critic
    assert not critic & {"một nồi", "one một nồi", "một sạc", "one một sạc"}  # one text: nothing to choose
    # the same choice as the Actor's over every pool, each scored by the critic
    x, y, mask, scores = model.arca_inputs(texts, pools, lang="vie")
    picks = model.arca.choose(x, y, mask, scores)
    assert chosen == [pool[int(p)].text for pool, p in zip(pools, picks, strict=True)]
    assert chosen[1] == "one một nồi" and chosen[3] == "one một sạc"
    # pools of exchangeable candidates: the untrained Actor follows the critics' reward
    unranked = model.choose(texts, pools, lang="vie", ranked=False)
    picks = model.arca.choose(x, y, mask, scores, ranked=False)
    assert unranked == [pool[int(p)].text for pool, p in zip(pools, picks, strict=True)]


class _Exchangeable(_Dictionary):
    """``_Dictionary``'s pools, declared exchangeable (``lira.translators.base.is_ranked``: no best first)."""

    ranked = False


def test_an_exchangeable_pool_is_read_by_the_policy_expectation(tmp_path):
    model, _, _ = _counted_model(tmp_path)
    model._translators["vie"] = _Exchangeable()
    texts = ["giày chạy bộ", "ốp lưng"]
    pools = model.translator("vie").translate(texts, lang="vie", k=2)
    x, y, mask, scores = model.arca_inputs(texts, pools, lang="vie")
    picks = model.arca.choose(x, y, mask, scores, ranked=False)
    _, y_read, has = model.raw_features(texts, lang="vie")
    assert has.all()
    torch.testing.assert_close(y_read, y.mean(1))  # the untrained (uniform) policy: the candidates' mean
    chosen = model.choose(texts, pools, lang="vie", ranked=False)
    assert chosen == [pool[int(p)].text for pool, p in zip(pools, picks, strict=True)]  # its text: the greedy pick
    assert all(isinstance(c, Reading) and c.candidates == tuple(x.text for x in pool) and c.weights == (0.5, 0.5)
               for c, pool in zip(chosen, pools, strict=True))
    np.testing.assert_allclose(model.encode(texts, lang="vie", translations=chosen), model.encode(texts, lang="vie"),
                               atol=1e-6)  # given back as translations, the same vectors
    _, y_greedy, _ = model.reconfigured(english_reading="choice").raw_features(texts, lang="vie")
    torch.testing.assert_close(y_greedy, y[torch.arange(len(texts)), picks])
    model._translators["vie"] = _Dictionary()  # ranked: read by the choice, the first candidate when untrained
    _, y_ranked, _ = model.raw_features(texts, lang="vie")
    torch.testing.assert_close(y_ranked, y[:, 0])
    assert model.choose(texts, pools, lang="vie") == [pool[0].text for pool in pools]
    with pytest.raises(ValueError, match="english_reading: unknown value 'vote'; valid: expectation, choice"):
        LiRAConfig(english_reading="vote")


def test_encode_streams_in_chunks_with_the_same_result(tmp_path):
    model, lr, _ = _counted_model(tmp_path)
    with pytest.warns(UserWarning, match=r"1 of 7 text"):  # one warning with the count over every chunk
        whole = model.encode(TEXTS, lang="vie")
    again, _, _ = _counted_model(tmp_path / "other")
    with pytest.warns(UserWarning, match=r"1 of 7 text"):
        chunked = again.encode(TEXTS, lang="vie", chunk_size=2)
    np.testing.assert_allclose(chunked, whole, atol=1e-6)


def test_encode_of_nothing_has_the_right_width(tmp_path):
    model, lr, en = _counted_model(tmp_path)
    out = model.encode([], lang="vie")
    assert out.shape == (0, 2 * DIM) and out.dtype == np.float32
    assert lr.seen == [] and en.seen == []


def test_chunk_warnings_come_once_with_the_counts_over_all_chunks(tmp_path):
    model, lr, en = _counted_model(tmp_path)
    lr.max_tokens = 3
    lr._count_too_long = lambda texts, role: sum(len(t.split()) > 3 for t in texts)
    texts = ["giày chạy bộ nam", "nồi cơm", "ốp lưng điện thoại", "sạc", "áo xx", "quần jean xanh đậm"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.encode(texts, lang="vie", chunk_size=2)
    messages = [str(w.message) for w in caught]
    too_long = [m for m in messages if "exceed" in m]
    long_seen = sum(len(t.split()) > 3 for t, _ in lr.seen)
    assert too_long == [f"fake-lr: {long_seen} of {len(lr.seen)} text(s) exceed the backbone's maximum of 3 tokens "
                        "and were truncated to 3 tokens"]
    assert [m for m in messages if "no English translation" in m] == [
        "1 of 6 text(s) have no English translation; their English slot holds the LRL stand-in (flagged in "
        "has_translation)"]


def test_a_script_warning_comes_once_over_all_chunks(tmp_path):
    model, _, _ = _counted_model(tmp_path)
    texts = ["รองเท้า วิ่ง", "หม้อ หุงข้าว", "giày chạy bộ", "เคส โทรศัพท์", "sạc nhanh"]  # Thai tagged vie
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.encode(texts, lang="vie", chunk_size=2)
    script = [str(w.message) for w in caught if "another script" in str(w.message)]
    assert len(script) == 1 and script[0].startswith("3 text(s) tagged vie") and "first at index 0" in script[0]


@pytest.mark.parametrize(("spec", "lang", "found"), [("lexicon", "vie", "lexicon:products-vie"),
                                                     ("lexicon", "hin", None), ("lexicon-heldout", "mya", None),
                                                     ("none", "vie", None)])
def test_the_translator_is_none_where_it_does_not_cover_the_language(tmp_path, spec, lang, found):
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=DIM, en_dim=DIM, dim=DIM, hidden=32)))
    head = LaSRHead(LaSRConfig(dim=DIM, width=16, heads=2, ff=32, layers=1, languages=["vie"]))
    model = LiRAModel(LiRAConfig(languages=["vie"], translator=spec), arca, head, cache_dir=tmp_path / "cache")
    translator = model.translator(lang)
    assert (translator.name if translator is not None else None) == found
