"""LaSRHead: shapes, residual embedding, language routing, save/load."""

import json

import numpy as np
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


# ------------------------------------------------------------------------------------------- token alignment

A = 8  # len(lira.backbones.alignment.ALIGNMENT_FEATURES)


def aligned(**kwargs) -> LaSRHead:
    return small(probe="pair", alignment=A, **kwargs)


def pairs(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, 2, 1, D, generator=g), torch.randn(n, 2, 1, D, generator=g),
            torch.randn(n, 2, A, generator=g) * 3 + 1)


def test_alignment_needs_the_pair_probe():
    for probe in ("none", "single"):
        with pytest.raises(ValueError, match="alignment needs probe='pair'"):
            LaSRConfig(num_classes=3, probe=probe, alignment=A)
    with pytest.raises(ValueError, match="alignment needs probe='pair'"):
        LaSRConfig(num_classes=3, probe="pair", alignment=-1)
    assert LaSRConfig(num_classes=3, probe="pair", alignment=A).alignment == A
    assert LaSRConfig().alignment == 0  # off by default


def test_the_probe_s_c_must_be_positive():
    assert LaSRConfig().probe_c == 1.0  # the evaluators' probes' C
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="probe_c must be > 0"):
            LaSRConfig(num_classes=3, probe="single", probe_c=bad)


def test_alignment_buffers_exist_only_with_alignment(tmp_path):
    head = aligned()
    assert head.align_mean.shape == head.align_std.shape == (2 * A,) and head.align_mean.dtype == torch.float64
    assert torch.all(head.align_mean == 0) and torch.all(head.align_std == 1)
    assert head.probe.in_features == 2 * D * 4 + 2 * A
    plain = small(probe="pair")
    assert not any(k.startswith("align") for k in plain.state_dict()) and not hasattr(plain, "align_mean")
    assert plain.probe.in_features == 2 * D * 4
    # a model saved before the setting existed (no "alignment" in its config) loads as a head without it
    plain.save(tmp_path)
    meta = json.loads((tmp_path / "lasr_config.json").read_text())
    del meta["config"]["alignment"]
    (tmp_path / "lasr_config.json").write_text(json.dumps(meta))
    loaded = LaSRHead.load(tmp_path)
    assert loaded.config.alignment == 0 and loaded.state_dict().keys() == plain.state_dict().keys()


def test_a_head_with_alignment_refuses_pairs_without_it():
    head = aligned()
    z, z2, align = pairs(3)
    with pytest.raises(ValueError, match=r"give align \[3, 2, 8\], got None"):
        head(z, "tha", z2=z2)
    with pytest.raises(ValueError, match=r"give align \[3, 2, 8\], got \(3, 8\)"):
        head(z, "tha", z2=z2, align=align[:, 0])
    with pytest.raises(ValueError, match=r"give align \[3, 2, 8\], got \(2, 2, 8\)"):
        head(z, "tha", z2=z2, align=align[:2])
    with pytest.raises(ValueError, match="align"):
        head.score_options(z, z2[:, None], "tha")
    # a head without alignment ignores it
    plain = small(probe="pair")
    assert torch.equal(plain(z, "tha", z2=z2).logits, plain(z, "tha", z2=z2, align=align).logits)


def test_alignment_scale_and_features():
    head = aligned()
    z, z2, align = pairs(40)
    head.set_alignment_scale(align)
    flat = align.double().reshape(40, -1)
    torch.testing.assert_close(head.align_mean, flat.mean(0))
    torch.testing.assert_close(head.align_std, flat.std(0))
    features = head(z, "tha", z2=z2, align=align).features
    assert features.shape == (40, 2 * D * 4 + 2 * A) and features.dtype == torch.float64
    # the pair features first, then the standardised alignment of the LRL path, then of the English path
    torch.testing.assert_close(features[:, -2 * A:], (flat - flat.mean(0)) / flat.std(0))
    torch.testing.assert_close(features[:, -2 * A:].mean(0), torch.zeros(2 * A, dtype=torch.float64))
    torch.testing.assert_close(features[:, :-2 * A], small(probe="pair")(z, "tha", z2=z2).features.double())
    constant = torch.ones(5, 2, A)  # a constant feature is not divided by 0
    head.set_alignment_scale(constant)
    assert torch.all(head.align_std == 1e-6) and torch.isfinite(head(z[:5], "tha", z2=z2[:5], align=constant)
                                                               .features).all()


def test_untrained_head_predicts_the_probe_on_its_alignment_features():
    from lira.lasr.linear_probe import fit_logistic

    head = aligned()
    z, z2, align = pairs(60, seed=1)
    labels = (align[:, 0, 1] > 1).long() + (align[:, 1, 3] > 1).long()  # the classes follow the alignment
    head.set_alignment_scale(align)
    features = head(z, "tha", z2=z2, align=align).features.detach().numpy()
    probe = fit_logistic(features, labels.numpy())
    head.set_probe(probe)
    logits = head(z, "tha", z2=z2, align=align).logits.detach()
    np.testing.assert_allclose(torch.softmax(logits, -1).numpy(), probe.predict_proba(features), atol=1e-5)
    assert (logits.argmax(-1) == labels).float().mean() > 0.9  # the alignment columns carry the signal
    assert np.abs(probe.coef_[:, -2 * A:]).max() > 0.1
    moved = align.clone()
    moved[:, 0, 1] += 5  # the features the classes follow
    assert not torch.allclose(head(z, "tha", z2=z2, align=moved).logits, logits)


def test_a_removed_path_takes_the_other_paths_alignment():
    head = aligned()
    z, z2, align = pairs(4)
    lrl, en = align[:, 0].double(), align[:, 1].double()
    for kwargs, expected in (({"drop": "en"}, (lrl, lrl)), ({"drop": "lrl"}, (en, en)), ({}, (lrl, en)),
                             # the English slot of one text of rows 0 and 2 is missing: their English path goes
                             ({"en_mask": torch.tensor([[True, False], [False, False], [False, True],
                                                        [False, False]])},
                              (lrl, torch.stack([lrl[0], en[1], lrl[2], en[3]])))):
        features = head(z, "tha", z2=z2, align=align, **kwargs).features[:, -2 * A:]
        # the scale is still (0, 1): the raw values
        torch.testing.assert_close(features, torch.cat(expected, dim=-1), msg=str(kwargs))
    # with a scale set, each path is standardised by its own statistics, so compare in raw units
    head.set_alignment_scale(pairs(30, seed=2)[2])
    features = head(z, "tha", z2=z2, align=align, drop="en").features[:, -2 * A:]
    raw = features * head.align_std + head.align_mean
    torch.testing.assert_close(raw[:, A:], raw[:, :A])
    torch.testing.assert_close(raw[:, :A], lrl)
    single = aligned(paths="lrl")  # a single-path head removes the English path from every row
    torch.testing.assert_close(single(z, "tha", z2=z2, align=align).features[:, -2 * A:], torch.cat([lrl, lrl], -1))


def test_options_read_their_alignment_with_the_premise():
    from lira.lasr.linear_probe import fit_logistic

    head = aligned(num_classes=0)  # a scorer: the probe's one output is the option's score
    n, m = 3, 4
    premise, options = torch.randn(n, 2, 1, D), torch.randn(n, m, 2, 1, D)
    align = torch.randn(n * m, 2, A)
    features = head.option_outputs(premise, options, "tha", align=align).features
    right = (align[:, 0, 0] > 0).long()
    head.set_probe(fit_logistic(features.numpy(), right.numpy()))
    scores = head.score_options(premise, options, "tha", align=align)
    assert scores.shape == (n, m)
    for i in range(n):
        for j in range(m):
            direct = head(premise[i:i + 1], "tha", z2=options[i, j:j + 1], align=align[i * m + j:i * m + j + 1])
            torch.testing.assert_close(scores[i, j], direct.score[0])
    shuffled = align[torch.randperm(n * m)]
    assert not torch.allclose(head.score_options(premise, options, "tha", align=shuffled), scores)


def test_save_load_keeps_the_alignment_scale(tmp_path):
    head = aligned()
    z, z2, align = pairs(20)
    head.set_alignment_scale(align)
    with torch.no_grad():
        head.probe.weight.normal_()
    head.save(tmp_path)
    loaded = LaSRHead.load(tmp_path).eval()
    assert loaded.config.alignment == A and loaded.config == head.config
    assert torch.equal(loaded.align_mean, head.align_mean) and torch.equal(loaded.align_std, head.align_std)
    assert torch.equal(loaded(z, "tha", z2=z2, align=align).logits, head(z, "tha", z2=z2, align=align).logits)


def test_a_pair_probe_on_the_alignment_features_alone():
    """``pair_vectors=False``: the linear path reads the standardised alignment features only (2 A weights), an
    untrained head predicts what the probe on them predicts, and the setting needs alignment and the pair probe."""
    from lira.lasr.linear_probe import fit_logistic

    for bad in ({"probe": "pair"}, {"probe": "single"}, {"probe": "none"}):
        with pytest.raises(ValueError, match="pair_vectors=False needs probe='pair' and alignment > 0 or pair_cos"):
            LaSRConfig(num_classes=3, pair_vectors=False, **bad)
    head = aligned(pair_vectors=False)
    assert head.probe.in_features == 2 * A and LaSRConfig().pair_vectors
    z, z2, align = pairs(60, seed=1)
    labels = (align[:, 0, 1] > 1).long() + (align[:, 1, 3] > 1).long()
    head.set_alignment_scale(align)
    features = head(z, "tha", z2=z2, align=align).features
    flat = align.double().reshape(60, -1)
    torch.testing.assert_close(features, (flat - flat.mean(0)) / flat.std(0))
    probe = fit_logistic(features.numpy(), labels.numpy())
    head.set_probe(probe)
    logits = head(z, "tha", z2=z2, align=align).logits.detach()
    np.testing.assert_allclose(torch.softmax(logits, -1).numpy(), probe.predict_proba(features.numpy()), atol=1e-5)
    # the pooled vectors reach only the Transformer, whose outputs start at zero
    assert torch.equal(head(-z, "tha", z2=z2 * 2, align=align).logits.detach(), logits)


def test_a_pair_probe_on_the_pair_cosines(tmp_path):
    """``pair_cosine``: the linear path reads the cosine of the two texts' slot means on each path (a removed path
    takes the other path's), standardised by ``set_cosine_scale``; alone (``pair_vectors=False``) it has two
    weights, and an untrained head predicts what the probe on them predicts; the setting needs the pair probe."""
    from lira.lasr.linear_probe import fit_logistic

    with pytest.raises(ValueError, match="pair_cosine needs probe='pair'"):
        LaSRConfig(num_classes=3, probe="single", pair_cosine=True)
    head = small(probe="pair", pair_vectors=False, pair_cosine=True, num_classes=0)
    assert head.probe.in_features == 2 and small(probe="pair", pair_cosine=True).probe.in_features == 8 * D + 2
    z, z2, _ = pairs(60, seed=1)
    cosine = F.cosine_similarity(z[:, :, 0].double(), z2[:, :, 0].double(), dim=-1)  # [n, 2]
    torch.testing.assert_close(head(z, "tha", z2=z2).features, cosine)  # the scale is still (0, 1)
    en_missing = torch.tensor([[True, False]] + [[False, False]] * 59)  # row 0: the first text has no English
    features = head(z, "tha", z2=z2, en_mask=en_missing).features
    torch.testing.assert_close(features[0], cosine[0, [0, 0]])
    torch.testing.assert_close(features[1:], cosine[1:])
    head.set_cosine_scale(cosine)
    features = head(z, "tha", z2=z2).features
    torch.testing.assert_close(features, (cosine - cosine.mean(0)) / cosine.std(0))
    right = (cosine[:, 1] > cosine[:, 1].median()).long()
    probe = fit_logistic(features.numpy(), right.numpy())
    head.set_probe(probe)
    score = head(z, "tha", z2=z2).score.detach()
    np.testing.assert_allclose(score.numpy(), probe.decision_function(features.numpy()), atol=1e-8)
    assert (score > 0).long().eq(right).float().mean() > 0.9
    # the pooled vectors reach the probe only through the cosines: scaling a text changes nothing
    torch.testing.assert_close(head(z * 3, "tha", z2=z2).score.detach(), score)
    with torch.no_grad():
        head.probe.weight.normal_()
    head.save(tmp_path)
    loaded = LaSRHead.load(tmp_path).eval()
    assert torch.equal(loaded.cosine_std, head.cosine_std)
    assert torch.equal(loaded(z, "tha", z2=z2).score, head.eval()(z, "tha", z2=z2).score)
