"""``lira.training.start_cv``: the grouped cross-validation that scores a head's untrained starts."""

from __future__ import annotations

import numpy as np

from lira.data.formats import ChoiceExample, ClassificationExample, NLIExample
from lira.training.lasr_data import item_keys
from lira.training.start_cv import cross_validated, item_groups, item_scores


def test_items_are_tied_across_languages_by_id_or_english():
    xnli = [NLIExample("tha", "ก", "ข", "entailment", "A", "B", id="dev-th.tsv:1"),
            NLIExample("vie", "a", "b", "entailment", "A", "B", id="dev-vi.tsv:1"),
            NLIExample("vie", "c", "d", "neutral", "C", "D", id="dev-vi.tsv:2"),
            NLIExample("vie", "a", "e", "neutral", "A", "E", id="dev-vi.tsv:3")]
    xcopa = [ChoiceExample("ind", "p", ("x", "y"), 0, premise_en="P1", choices_en=("X1", "Y1"), id="7"),
             ChoiceExample("tam", "q", ("z", "w"), 0, premise_en="P2", choices_en=("X2", "Y2"), id="7")]
    bare = [ClassificationExample("ind", "t", "a"), ClassificationExample("ind", "u", "a")]
    groups = item_groups([item_keys(r) for r in [*xnli, *xcopa, *bare]])
    assert groups[0] == groups[1] != groups[2]  # XNLI: the same English pair, ids of their own files
    assert groups[3] not in (groups[0], groups[2])  # one premise, another hypothesis: another item, as XNLI splits
    assert groups[4] == groups[5]  # XCOPA: the same id, each language's own machine translation
    assert len({groups[2], groups[4], groups[6], groups[7]}) == 4  # a row without keys is its own item


def test_grouped_folds_keep_an_item_in_one_fold():
    """Each item is seen in two languages with the same features and a random label (more features than items, so
    a probe can learn every row it is fitted on): a probe that saw the other copy is right on most rows, one that
    never did can only guess."""
    rng = np.random.default_rng(0)
    items = rng.normal(size=(60, 300))
    labels = rng.integers(0, 2, size=60)
    order = rng.permutation(60)  # the second language lists the items in another order
    features, y = np.vstack([items, items[order]]), np.concatenate([labels, labels[order]])
    leaky = cross_validated(features, y, np.arange(120), 5)  # every row its own group
    grouped = cross_validated(features, y, np.concatenate([np.arange(60), order]), 5)
    assert leaky.mean() > 0.85 and grouped.mean() < 0.7  # measured: 0.93 and 0.58


def test_each_fold_is_scored_by_a_probe_fitted_on_the_other_folds_alone():
    """No fold's probe starts from a probe that saw its held-out rows. Random labels of three classes, more
    features than rows and weak regularisation: there is nothing to learn, so a fair score is near chance (1/3),
    while folds warm-started from each other scored 0.73 here (L-BFGS stops at a tolerance near its start). Each
    held-out row's correctness is that of a probe fitted from scratch on the other folds."""
    from sklearn.model_selection import GroupKFold

    from lira.lasr.linear_probe import fit_logistic

    rng = np.random.default_rng(3)
    features, labels = rng.normal(size=(90, 200)), rng.integers(0, 3, size=90)
    groups = np.arange(90) // 2
    correct = cross_validated(features, labels, groups, 3, C=100.0)
    assert correct.mean() < 0.45  # measured: 0.27
    expected = np.zeros(90)
    for fit_rows, held_rows in GroupKFold(3).split(features, labels, groups):
        probe = fit_logistic(features[fit_rows], labels[fit_rows], C=100.0)
        expected[held_rows] = probe.predict(features[held_rows]) == labels[held_rows]
    np.testing.assert_array_equal(correct, expected)


def test_a_choice_question_is_right_when_its_right_option_scores_highest():
    rng = np.random.default_rng(1)
    n, m = 40, 3
    gold = rng.integers(0, m, size=n)
    labels = (np.arange(m)[None, :] == gold[:, None]).astype(int).ravel()
    features = rng.normal(size=(n * m, 4)) + 3.0 * labels[:, None]  # the right option stands out
    questions = np.repeat(np.arange(n), m)
    correct = cross_validated(features, labels, np.arange(n)[questions], 4, questions)
    assert correct.shape == (n,) and correct.mean() == 1.0


def test_item_scores_average_each_items_rows():
    assert item_scores(np.array([1.0, 0.0, 1.0, 1.0]), np.array([5, 5, 2, 9])) == [1.0, 0.5, 1.0]


def test_starts_fitted_side_by_side_score_as_one_at_a_time(tmp_path, monkeypatch):
    """``starts_items`` on two threads (a process with two CPUs) gives each start the per-item scores that
    ``start_items`` gives it alone, on one thread."""
    from dataclasses import replace

    from lira.backbones.alignment import ALIGNMENT_FEATURES
    from lira.backbones.threads import ENV
    from lira.lasr.head import LaSRConfig
    from lira.training import lasr_data
    from lira.training.lasr_run import PROBE_BY_TASK, start_head
    from lira.training.lasr_trainer import frozen_paths
    from lira.training.start_cv import start_items, starts_items
    from tests.training.test_lasr_data import aligned_model
    from tests.training.test_lasr_run import entailment_pairs

    probe, _, _ = aligned_model(tmp_path)
    train, dev = (frozen_paths(lasr_data.nli_data(probe, entailment_pairs(40, seed), use_gold=True, alignment=True),
                               probe.arca) for seed in (0, 1))
    config = LaSRConfig(dim=probe.arca.config.adaptor.out_dim, languages=["vie"], num_classes=len(train.classes),
                        probe=PROBE_BY_TASK["nli"], width=16, heads=2, ff=32)
    heads = [start_head(replace(config, english_weight=w, alignment=a), probe.arca, "nli", train, 0, fit=False)
             for w, a in ((0.5, 0), (1.0, 0), (0.5, len(ALIGNMENT_FEATURES)))]
    monkeypatch.setenv(ENV, "1")
    alone = [start_items(head, probe.arca, "nli", train, dev, 3) for head in heads]
    monkeypatch.setenv(ENV, "2")
    assert starts_items(heads, probe.arca, "nli", train, dev, 3) == alone
    assert len(alone[0]) == 80 and alone[0] != alone[2]  # one score per item; the starts differ
