"""LaSRHead: shapes, residual embedding, language routing, save/load."""

import json

import pytest
import torch
import torch.nn.functional as F

from lira.arca.composition import compose
from lira.languages import UnknownLanguageError
from lira.lasr.head import FORMAT_VERSION, LaSRConfig, LaSRHead

D = 16


def small(**kwargs) -> LaSRHead:
    torch.manual_seed(0)
    base = dict(dim=D, width=32, layers=2, heads=4, ff=64, max_bins=2, num_classes=3, languages=["tha", "ind", "hin"],
                residual_mode="concat")
    return LaSRHead(LaSRConfig(**{**base, **kwargs})).eval()


def test_default_size_within_budget():
    head = LaSRHead(LaSRConfig(num_classes=3))
    assert head.num_parameters() <= 2_000_000
    assert head.config.embed_dim == 768 and head.config.languages[-1] == "eng"  # concat residual: [E_lr ; E_en]


def test_output_shapes_single_pair_and_drops():
    head = small()
    z, z2 = torch.randn(5, 2, 2, D), torch.randn(5, 2, 2, D)
    for kwargs in ({}, {"z2": z2}, {"drop": "en"}, {"drop": "lrl"}, {"z2": z2, "drop": "en", "langs2": "hin"}):
        out = head(z, ["tha", "ind", "hin", "vie", "th"], **kwargs)
        assert out.embedding.shape == (5, 2 * D)
        assert torch.allclose(out.embedding.norm(dim=-1), torch.ones(5))
        assert out.logits.shape == (5, 3) and out.score.shape == (5,) and out.hidden.shape == (5, 32)
    assert small(num_classes=0)(z, "tha").logits is None
    assert small(residual_embedding=False, embed_dim=8)(z, "tha").embedding.shape == (5, 8)
    assert head(compose(z[:, 0], z[:, 1]), "tha").embedding.shape == (5, 2 * D)  # a DualPath works too


def test_drop_changes_the_result_and_masks_match_drop():
    head = small()
    z = torch.randn(4, 2, 1, D)
    full, no_en = head(z, "tha"), head(z, "tha", drop="en")
    assert not torch.allclose(full.hidden, no_en.hidden)
    masked = head(z, "tha", en_mask=torch.tensor([True, False, True, False]))
    assert torch.allclose(masked.hidden[0::2], no_en.hidden[0::2], atol=1e-5)
    assert torch.allclose(masked.hidden[1::2], full.hidden[1::2], atol=1e-5)
    # a slot missing from the data (row mask) wins over ``drop``: the English slot stays for those rows
    lrl_missing = head(z, "tha", drop="en", lrl_mask=torch.ones(4, dtype=torch.bool))
    assert torch.allclose(lrl_missing.hidden, head(z, "tha", drop="lrl").hidden, atol=1e-5)
    with pytest.raises(ValueError, match="keep at least one slot"):
        head(z, "tha", en_mask=torch.ones(4, dtype=torch.bool), lrl_mask=torch.tensor([False, True, False, False]))
    with pytest.raises(ValueError, match="drop must be"):
        head(z, "tha", drop="both")


def test_multiple_choice_scores():
    head = small()
    premise, options = torch.randn(3, 2, 1, D), torch.randn(3, 4, 2, 1, D)
    scores = head.score_options(premise, options, ["tha", "ind", "hin"])
    assert scores.shape == (3, 4)
    direct = head(premise[1:2], "ind", z2=options[1, 2:3]).score
    assert torch.allclose(scores[1, 2], direct[0], atol=1e-5)


def test_untrained_concat_embedding_is_the_dual_path():
    head = small(max_bins=1)
    z = torch.randn(6, 2, 1, D)
    expected = F.normalize(torch.cat([F.normalize(z[:, 0, 0], dim=-1), F.normalize(z[:, 1, 0], dim=-1)], -1), dim=-1)
    assert torch.allclose(head(z, "tha").embedding, expected, atol=1e-6)
    lrl_only = head(z, "tha", drop="en")  # the removed English half takes the LRL stand-in
    stand_in = F.normalize(z[:, 0, 0], dim=-1)
    assert torch.allclose(lrl_only.embedding, F.normalize(torch.cat([stand_in, stand_in], -1), dim=-1), atol=1e-6)


def test_untrained_embedding_is_normalised_input_mean():
    head = small(max_bins=1, residual_mode="mean")
    z = torch.randn(6, 2, 1, D)
    out = head(z, "tha")
    assert torch.allclose(out.embedding, F.normalize(z.mean(dim=(1, 2)), dim=-1), atol=1e-6)
    lrl_only = head(z, "tha", drop="en")
    assert torch.allclose(lrl_only.embedding, F.normalize(z[:, 0, 0], dim=-1), atol=1e-6)


def test_unseen_languages_share_family_vectors():
    head = small()
    lang = head.language
    zsm, tgl, urd = lang(["zsm", "tgl", "urd"])  # ind, hin seen: Austronesian, Indo-Aryan known
    assert torch.equal(zsm, tgl) and not torch.allclose(zsm, urd)
    z = torch.randn(1, 2, 1, D)
    assert torch.allclose(head(z, "zsm").hidden, head(z, "tgl").hidden)
    assert not torch.allclose(head(z, "zsm").hidden, head(z, "urd").hidden)


def test_invalid_language_raises_with_valid_list():
    head = small()
    with pytest.raises(UnknownLanguageError, match=r"valid codes: vie \(Vietnamese\)"):
        head(torch.randn(2, 2, 1, D), ["tha", "qqq"])
    with pytest.raises(UnknownLanguageError):
        LaSRConfig(languages=["tha", "zz"])
    with pytest.raises(ValueError, match="2 codes for 3 rows"):
        head(torch.randn(3, 2, 1, D), ["tha", "ind"])


def test_bad_shapes_are_refused():
    head = small()
    with pytest.raises(ValueError, match="max_bins=2"):
        head(torch.randn(2, 2, 3, D), "tha")
    with pytest.raises(ValueError, match=r"\[n, 2, S, 16\]"):
        head(torch.randn(2, 3, 1, D), "tha")
    with pytest.raises(ValueError, match="residual_embedding \\(concat\\) needs"):
        LaSRConfig(embed_dim=10)


def test_gradient_flows_to_language_embedding_and_all_heads():
    head = small().train()
    z = torch.randn(4, 2, 2, D)
    out = head(z, ["tha", "ind", "hin", "tha"], z2=torch.randn(4, 2, 2, D))
    (out.logits.sum() + out.score.sum() + out.embedding.sum()).backward()
    assert head.language.own.grad is not None and head.language.own.grad.abs().sum() > 0
    assert head.in_proj.weight.grad.abs().sum() > 0 and head.segment.grad[1].abs().sum() > 0
    assert head.embed_proj.weight.grad.abs().sum() > 0  # zero-initialised, but it learns


def test_save_load_roundtrip(tmp_path):
    head = small()
    with torch.no_grad():
        head.embed_proj.weight.normal_()  # not the trivial zero-init state
    head.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lasr.safetensors", "lasr_config.json"]
    loaded = LaSRHead.load(tmp_path).eval()
    assert loaded.config == head.config
    z, z2 = torch.randn(3, 2, 2, D), torch.randn(3, 2, 2, D)
    a, b = head(z, ["tha", "zsm", "vie"], z2=z2), loaded(z, ["tha", "zsm", "vie"], z2=z2)
    for name in ("embedding", "logits", "score", "hidden"):
        assert torch.equal(getattr(a, name), getattr(b, name))


def test_load_refuses_other_versions(tmp_path):
    small(families=False, languages=[]).save(tmp_path)  # empty tables survive safetensors too
    assert LaSRHead.load(tmp_path).language.known == ()
    meta = json.loads((tmp_path / "lasr_config.json").read_text())
    meta["format_version"] = FORMAT_VERSION + 1
    (tmp_path / "lasr_config.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=f"format version {FORMAT_VERSION + 1} is not supported"):
        LaSRHead.load(tmp_path)
    meta["format_version"], meta["config"]["colour"] = FORMAT_VERSION, "red"
    (tmp_path / "lasr_config.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"lasr_config.json: unknown field\(s\) \['colour'\]"):
        LaSRHead.load(tmp_path)


# ------------------------------------------------------------------------------------------- paths, DualPath

def test_paths_setting_is_validated():
    assert LaSRConfig().paths == "dual"
    assert LaSRConfig(paths="lrl").paths == "lrl" and LaSRConfig(paths="en").paths == "en"
    with pytest.raises(ValueError, match="paths must be one of dual, lrl, en, got 'both'"):
        LaSRConfig(paths="both")
    with pytest.raises(ValueError, match="paths must be one of"):
        LaSRConfig.from_dict({"paths": "none"})


def test_dual_path_stand_in_rows_drop_their_english_slot():
    head = small()
    e_lr, e_en = torch.randn(4, 1, D), torch.randn(4, 1, D)
    has = torch.tensor([True, False, True, False])
    dp = compose(e_lr, e_en, has)
    out = head(dp, "tha")
    explicit = head(dp.z, "tha", en_mask=~has)  # the same as removing the stand-in rows' English slot by hand
    assert torch.allclose(out.hidden, explicit.hidden, atol=1e-6)
    assert torch.allclose(out.embedding, explicit.embedding, atol=1e-6)
    unmasked = head(dp.z, "tha")  # the plain tensor keeps the stand-in copy in the English slot
    assert torch.allclose(out.hidden[0::2], unmasked.hidden[0::2], atol=1e-6)  # rows with a translation agree
    assert not torch.allclose(out.hidden[1::2], unmasked.hidden[1::2])
    # an explicit en_mask wins over the DualPath's flags
    assert torch.allclose(head(dp, "tha", en_mask=torch.zeros(4, dtype=torch.bool)).hidden, unmasked.hidden,
                          atol=1e-6)


def test_dual_path_pairs_mask_each_text_by_its_own_flags():
    head = small()
    dp1 = compose(torch.randn(2, 1, D), torch.randn(2, 1, D), torch.tensor([True, False]))
    dp2 = compose(torch.randn(2, 1, D), torch.randn(2, 1, D), torch.tensor([False, True]))
    out = head(dp1, "tha", z2=dp2)
    explicit = head(dp1.z, "tha", z2=dp2.z, en_mask=torch.tensor([[False, True], [True, False]]))
    assert torch.allclose(out.hidden, explicit.hidden, atol=1e-6)
    assert torch.allclose(out.score, explicit.score, atol=1e-6)


def test_drop_lrl_keeps_the_lrl_slot_of_stand_in_rows():
    head = small()
    has = torch.tensor([True, False, True])
    dp = compose(torch.randn(3, 1, D), torch.randn(3, 1, D), has)
    out = head(dp, "tha", drop="lrl")  # no error: the stand-in row keeps its only real slot
    english_only, lrl_only = head(dp.z, "tha", drop="lrl"), head(dp.z, "tha", drop="en")
    assert torch.allclose(out.hidden[has], english_only.hidden[has], atol=1e-6)
    assert torch.allclose(out.hidden[~has], lrl_only.hidden[~has], atol=1e-6)
    assert torch.allclose(head(dp.z, "tha", drop="lrl", en_mask=~has).hidden, out.hidden, atol=1e-6)


@pytest.mark.parametrize(("paths", "drop", "kept", "changed"), [("lrl", "en", 0, 1), ("en", "lrl", 1, 0)])
def test_single_path_heads_ignore_the_other_slot(paths, drop, kept, changed):
    head, dual = small(paths=paths), small()  # same seed: the same weights
    z = torch.randn(4, 2, 1, D)
    other = z.clone()
    other[:, changed] = torch.randn(4, 1, D)  # new content in the slot the head leaves out
    a, b = head(z, "tha"), head(other, "tha")
    assert torch.equal(a.hidden, b.hidden) and torch.equal(a.embedding, b.embedding) and torch.equal(a.score, b.score)
    assert torch.allclose(a.hidden, dual(z, "tha", drop=drop).hidden, atol=1e-6)  # = the dual head with a drop
    assert not torch.allclose(a.hidden, dual(z, "tha").hidden)
    moved = z.clone()
    moved[:, kept] = torch.randn(4, 1, D)
    assert not torch.allclose(head(moved, "tha").hidden, a.hidden)  # the kept slot still counts


def test_single_path_head_keeps_a_masked_rows_only_slot():
    head = small(paths="lrl")  # English only kept where the LRL slot is missing from the data
    z = torch.randn(2, 2, 1, D)
    out = head(z, "tha", lrl_mask=torch.tensor([True, False]))
    dual = small()
    assert torch.allclose(out.hidden[0], dual(z, "tha", drop="lrl").hidden[0], atol=1e-6)
    assert torch.allclose(out.hidden[1], dual(z, "tha", drop="en").hidden[1], atol=1e-6)


def test_one_drop_per_row_equals_one_call_per_drop():
    head = small()
    z, z2 = torch.randn(4, 2, 1, D), torch.randn(4, 2, 1, D)
    has = torch.tensor([True, False, True, True])
    drops = [None, "en", "lrl"]
    for kwargs in ({}, {"z2": z2.repeat(3, 1, 1, 1)}):
        batched = head(compose(z[:, 0], z[:, 1], has).z.repeat(3, 1, 1, 1), "tha", **kwargs,
                       en_mask=(~has).repeat(3), drop=[d for d in drops for _ in range(4)])
        one = {k: v[:4] for k, v in kwargs.items()}
        for i, drop in enumerate(drops):
            alone = head(compose(z[:, 0], z[:, 1], has).z, "tha", **one, en_mask=~has, drop=drop)
            for name in ("embedding", "logits", "score", "hidden"):
                assert torch.allclose(getattr(batched, name)[4 * i:4 * i + 4], getattr(alone, name), atol=1e-5)
    options = torch.randn(2, 3, 2, 1, D)
    batched = head.option_outputs(z[:2].repeat(2, 1, 1, 1), options.repeat(2, 1, 1, 1, 1), "tha",
                                  drop=[None, None, "lrl", "lrl"])
    assert torch.allclose(batched.score[6:], head.option_outputs(z[:2], options, "tha", drop="lrl").score, atol=1e-5)
    with pytest.raises(ValueError, match="one per row"):
        head(z, "tha", drop=[None, "en"])
    with pytest.raises(ValueError, match="drop must be"):
        head(z, "tha", drop=[None, "en", "both", None])
