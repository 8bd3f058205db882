"""The benchmark's outputs: ``results.json`` (every row with its per-item scores, versions, timings, seeds),
``report.md`` (tables of mean ± standard deviation over seeds, significance, what was skipped and why) and
the plots (``lira.benchmark.plots``)."""

from __future__ import annotations

import statistics
import textwrap
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lira.benchmark.aggregate import ablation_columns, ablation_scores, on_seeds_of, seed_means
from lira.benchmark.config import METHOD_LABELS, METHODS, NOISE_METHODS, PEERS, SETTINGS
from lira.benchmark.significance import ALPHA, best_possible_p, grouped_sign_test, paired_bootstrap, sign_test
from lira.environment import environment
from lira.io import atomic_write, write_json
from lira.tasks import TASKS, get_task
from lira.timing import backbone_labels, time_table
from lira.training.card_keys import start_name
from lira.training.lasr_trainer import ENGLISH_WEIGHTS
from lira.training.selection import selection_margin

BASELINES = PEERS


def cell(values: Sequence[float]) -> str:
    """``mean ± std`` x100 over seeds (``mean`` alone for one value, ``-`` for none)."""
    if not values:
        return "-"
    if len(values) == 1:
        return f"{100 * values[0]:.2f}"
    return f"{100 * statistics.mean(values):.2f} ± {100 * statistics.stdev(values):.2f}"


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def scores(rows: list[dict], **where: Any) -> dict[tuple, list[float]]:
    """Main scores grouped by (task, subset, method, value, variant), over seeds, for rows matching ``where``."""
    out: dict[tuple, list[float]] = defaultdict(list)
    for r in rows:
        if all(r[k] == v for k, v in where.items()):
            out[(r["task"], r["subset"], r["method"], r["value"], r["variant"])].append(r["main_score"])
    return out




def mean_items(rows: list[dict]) -> np.ndarray:
    """Per-item scores averaged over seeds (rows of one task, subset, method and setting)."""
    return np.mean([np.asarray(r["items"], dtype=float) for r in rows], axis=0)


def significance(rows: list[dict]) -> list[dict[str, Any]]:
    """LiRA against the best baseline of each task subset (main setting), paired bootstrap over test items, with
    ``best_p``: the p a model right on every item would get against that baseline (``best_possible_p``)."""
    main = [r for r in rows if r["setting"] == "main"]
    out = []
    for task, subset in dict.fromkeys((r["task"], r["subset"]) for r in main):
        here = [r for r in main if r["task"] == task and r["subset"] == subset]
        lira = [r for r in here if r["method"] == "lira"]
        base = {m: [r for r in here if r["method"] == m] for m in BASELINES}
        base = {m: v for m, v in base.items() if v}
        if not lira or not base:
            continue
        best = max(base, key=lambda m: statistics.mean(r["main_score"] for r in base[m]))
        gold = here[0].get("gold")
        baseline = mean_items(base[best])
        test = paired_bootstrap(mean_items(lira), baseline, gold=gold)
        out.append({"task": task, "subset": subset, "baseline": best,
                    "lira": statistics.mean(r["main_score"] for r in lira),
                    "baseline_score": statistics.mean(r["main_score"] for r in base[best]), **test,
                    "best_p": best_possible_p(baseline, gold=gold)})
    return out


def by_record(rows: list[dict], method: str) -> dict[Any, float] | None:
    """``method``'s score per test record over every subset of ``rows``: each row's items averaged over seeds,
    then over the subsets that share the record's id (a SIB-200 sentence is one record in 14 languages). An item
    without an id (``ids`` None: a run before ids were kept, or a record without one) is a record of its own.
    None where ``method`` lacks a subset."""
    found: dict[Any, list[float]] = {}
    for subset in dict.fromkeys(r["subset"] for r in rows):
        part = [r for r in rows if r["method"] == method and r["subset"] == subset]
        if not part:
            return None
        items = mean_items(part)
        ids = part[0].get("ids") or [None] * len(items)
        if len(ids) != len(items):
            raise ValueError(f"{part[0]['task']}/{subset}: {len(ids)} ids for {len(items)} items")
        for i, (key, score) in enumerate(zip(ids, items, strict=True)):
            found.setdefault((subset, i) if key is None else key, []).append(float(score))
    return {key: float(np.mean(scores)) for key, scores in found.items()}


def noise_significance(rows: list[dict], methods: Sequence[str]) -> list[dict[str, Any]]:
    """LiRA against each of ``methods`` per task and noise rate: paired bootstrap over the task's test records
    (``by_record``: a record read in several languages is one item, a cluster bootstrap, Cameron & Miller 2015;
    tasks scored by a mean over items)."""
    noise = [r for r in rows if r["setting"] == "noise" and r.get("items") is not None]
    out = []
    for task, rate in dict.fromkeys((r["task"], r["value"]) for r in noise):
        here = [r for r in noise if r["task"] == task and r["value"] == rate]
        if any(r.get("type") == "sts" for r in here):
            continue  # a correlation is not a mean over items: not pooled over subsets
        lira = by_record(here, "lira")
        for method in methods:
            other = by_record(here, method)
            if lira is None or other is None:
                continue
            a, b = list(lira.values()), [other[k] for k in lira]
            out.append({"task": task, "noise": rate, "method": method, "lira": float(np.mean(a)),
                        "other": float(np.mean(b)), **paired_bootstrap(a, b)})
    return out


def noise_significance_table(sig: list[dict]) -> str:
    """One row per task and noise rate: LiRA's score and, per method it was compared with, the difference
    (x100) and its p-value."""
    if not sig:
        return "(not run)"
    methods = list(dict.fromkeys(r["method"] for r in sig))
    cells: dict[tuple, dict[str, str]] = {}
    for r in sig:
        key = (r["task"], r["noise"], f"{100 * r['lira']:.2f}", str(r["n"]))
        cells.setdefault(key, {})[r["method"]] = f"{100 * r['delta']:+.2f} (p {p_cell(r['p'])})"
    body = [[task, str(rate), lira, n, *(by.get(m, "-") for m in methods)]
            for (task, rate, lira, n), by in cells.items()]
    return table(body, ["task", "noise", "LiRA", "records", *(f"against {METHOD_LABELS[m]}" for m in methods)])


def p_cell(p: float, n_resamples: int = 1000) -> str:
    """A bootstrap p-value as a table cell: ``< 1/n_resamples`` where no resample crossed zero."""
    return f"< {1 / n_resamples:.3f}" if p == 0 else f"{p:.3f}"


def main_tables(bench: Any) -> str:
    rows = [r for r in bench.rows if r["setting"] == "main"]
    grouped = scores(rows, setting="main")
    parts = []
    for task in bench.tasks:
        subsets = bench.subsets[task.name]
        methods = [m for m in METHODS if any(k[0] == task.name and k[2] == m for k in grouped)]
        body = [[s, *(cell(grouped.get((task.name, s, m, None, "full"), [])) for m in methods)] for s in subsets]
        body.append(["**mean**", *(cell(seed_means(rows, subsets, task=task.name, method=m)) for m in methods)])
        parts.append(f"### {task.name} ({task.type}; {task.main_score} x100)\n\n{task.splits}. English path: "
                     f"{task.translations}. Data: {task.reference}.\n\n"
                     + table(body, ["subset", *(METHOD_LABELS[m] for m in methods)]))
    return "\n\n".join(parts)


def overview_table(bench: Any) -> str:
    """One row per task: each method's mean over the task's subsets (mean ± std over seeds)."""
    rows = [r for r in bench.rows if r["setting"] == "main"]
    body = []
    for task in bench.tasks:
        subsets = bench.subsets[task.name]
        body.append([task.name, f"{task.main_score} ({len(subsets)})",
                     *(cell(seed_means(rows, subsets, task=task.name, method=m)) for m in METHODS)])
    return table(body, ["task", "metric (subsets)", *(METHOD_LABELS[m] for m in METHODS)])


def significance_table(sig: list[dict]) -> str:
    if not sig:
        return "(no task with both LiRA and a baseline)"
    body = [[r["task"], r["subset"], METHOD_LABELS[r["baseline"]], f"{100 * r['lira']:.2f}",
             f"{100 * r['baseline_score']:.2f}", f"{100 * r['delta']:+.2f}",
             f"[{100 * r['low']:+.2f}, {100 * r['high']:+.2f}]", p_cell(r["p"]), p_cell(r["best_p"]), str(r["n"])]
            for r in sig]
    sign = sign_test([r["delta"] for r in sig])
    grouped = grouped_sign_test([r["delta"] for r in sig], [data_source(r["task"]) for r in sig])
    signs = (f"Sign test over the {len(sig)} subsets: LiRA wins {sign['wins']}, loses {sign['losses']}, ties "
             f"{sign['ties']}; two-sided p = {sign['p']:.3g}. The subsets of one data set share items (in this "
             "benchmark, SIB-200's languages and its bitext task hold the same sentences, XNLI's languages the same "
             "premises, products and products-heldout the same queries), so they are not independent draws; over "
             f"the {grouped['groups']} data sets, each counted once by its mean delta: LiRA wins {grouped['wins']}, "
             f"loses {grouped['losses']}, ties {grouped['ties']}; two-sided p = {grouped['p']:.3g}.")
    return (table(body, ["task", "subset", "best baseline", "LiRA", "baseline", "delta", "95% CI", "p",
                         "p of a perfect model", "items"])
            + "\n\n" + textwrap.fill(signs, 116) + "\n\n" + significance_count(sig))


def data_source(task: str) -> str:
    """The data set ``task``'s subsets are drawn from (``TaskSpec.data``; a task outside the registry: its name)."""
    try:
        return get_task(task).data
    except KeyError:
        return task


def significance_count(sig: list[dict]) -> str:
    """One paragraph: the subsets where LiRA is significantly better or worse than the best baseline (p < ALPHA),
    and those where no model can be significantly better (``best_p`` >= ALPHA: the baseline misses too few items),
    named per task."""
    better = sum(r["p"] < ALPHA and r["delta"] > 0 for r in sig)
    worse = sum(r["p"] < ALPHA and r["delta"] < 0 for r in sig)
    closed = [r for r in sig if r["best_p"] >= ALPHA]
    text = (f"LiRA is significantly better than the best baseline (p < {ALPHA}) on {better} of the {len(sig)} subsets "
            f"and significantly worse on {worse}.")
    if closed:
        tasks = ", ".join(f"{task} {n}" for task, n in Counter(r["task"] for r in closed).items())
        reach = len(sig) - len(closed)
        text += (f" On {len(closed)} subsets ({tasks}) no model can be significantly better: one right on every "
                 f"item gets p >= {ALPHA} against their best baseline, which misses too few items. LiRA is "
                 f"significantly better on {better} of the other {reach}.")
    return textwrap.fill(text, 116)


def setting_table(bench: Any, setting: str, methods: Sequence[str], values: Sequence[Any], label: str,
                  main_column: str | None = None) -> str:
    """Per task of ``setting``: methods x values, each cell the mean over subsets (mean ± std over seeds);
    ``main_column`` adds the main setting's score under that heading, over the seeds the setting ran."""
    rows = [r for r in bench.rows if r["setting"] == setting]
    main = [r for r in bench.rows if r["setting"] == "main"]
    parts = []
    for task in dict.fromkeys(r["task"] for r in rows):
        subsets = bench.subsets[task]
        same_seeds = on_seeds_of(main, [r for r in rows if r["task"] == task])
        body = []
        for m in methods:
            cells = [cell(seed_means(rows, subsets, task=task, method=m, value=v)) for v in values]
            if main_column:
                cells.append(cell(seed_means(same_seeds, subsets, task=task, method=m)))
            if any(c != "-" for c in cells):
                body.append([METHOD_LABELS.get(m, m), *cells])
        header = ["method", *(label.format(v) for v in values), *([main_column] if main_column else [])]
        parts.append(f"**{task}** (mean over {len(subsets)} subsets)\n\n" + table(body, header))
    return "\n\n".join(parts) or "(not run)"


def ablation_table(bench: Any) -> str:
    cols = ablation_columns(bench)
    body = [[name, *(cell(ablation_scores(bench, name, task, full)) for _, task, full in cols)]
            for name in ["full", *(v.name for v in bench.config.ablations)]]
    return table(body, ["LiRA variant", *(label for label, _, _ in cols)]) if cols else "(not run)"


def worker_note(parts: dict[str, float]) -> str:
    """A paragraph on what the worker processes' own time went to (empty when none ran)."""
    if not parts:
        return ""
    listed = "; ".join(f"{label} {seconds:.0f} s" for label, seconds in sorted(parts.items(), key=lambda p: -p[1]))
    return (f"\nThe worker processes trained and scored side by side, one thread each, so their own parts add up to "
            f"more than the wall time above: {listed}.\n")


def selection_rows(bench: Any) -> list[dict[str, Any]]:
    """Per trained model (variant, seed, family or stage-1 run): its English anchor and the checkpoint
    selection on dev (``kept_step``, ``dev_step0``, ``dev_kept``, ``metric``)."""
    out = []
    for (variant, seed), models in sorted(bench.models.items(), key=lambda kv: (kv[0][0] != "full", kv[0])):
        for name, kept in models.kept.items():
            parts = kept.items() if name.startswith("arca") else [("lasr", kept)]
            for part, info in parts:
                out.append({"variant": variant, "seed": seed, "model": name, "part": part, **info})
    return out


def selection_table(bench: Any) -> str:
    """The full method's kept checkpoints: per stage-1 run (adaptor, Actor) and per task family (the LaSR head:
    dev of LiRA at step 0, after stage 1, at the kept stage-2 step, the candidates a retrieval head reads per query
    (``lira.training.candidate_choice``), and which model the family keeps)."""
    rows = [r for r in selection_rows(bench) if r["variant"] == "full" and r.get("kept_step") is not None
            and not r["model"].endswith("-step0")]
    if not rows:
        return "(no model was selected on a dev split)"

    def pct(value: Any) -> str:
        return "-" if value is None else f"{100 * value:.2f}"

    body = [[r["model"] if r["part"] == "lasr" else f"{r['model']} ({r['part']})", str(r["seed"]),
             r.get("english", r["model"].removeprefix("arca ")),
             "-" if r.get("english_weight") is None else start_name(r["english_weight"], r.get("alignment", False),
                                                                     r.get("pair_vectors", True),
                                                                     r.get("pair_cosine", False),
                                                                     r.get("probe_c", 1.0)),
             r["metric"],
             pct(r.get("dev_untrained")), pct(r.get("dev_step0")), str(r["kept_step"]), pct(r["dev_kept"]),
             "-" if r.get("steps_run") is None else str(r["steps_run"]), str(r.get("candidates", "-")),
             pct(r.get("dev_margin")), r.get("kept_model", "-")]
            for r in rows]
    kept0 = sum(r.get("kept_model", "").startswith("step 0") or r["kept_step"] == 0 for r in rows)
    note = (f"\n\nTraining did not improve dev (step 0 kept) in {kept0} of {len(rows)} selections." if kept0 else "")
    return table(body, ["model", "seed", "English anchor", "English weight (+ alignment, cosine; C)", "dev metric",
                        "dev, LiRA at step 0",
                        "dev at stage-2 step 0 (after stage 1)", "kept stage-2 step", "dev at kept step",
                        "stage-2 steps run", "candidates read", "margin", "kept model"]) + note


def separation(disjoint: dict[str, int]) -> str:
    """Per task whose test split is kept apart from a stage-1 source by English sentence (``TaskSpec.disjoint_from``),
    how many of its test sentences' English ``disjoint`` (``lira.tasks.catalogue.check_disjoint``) found in that
    source's training pairs."""
    parts = []
    for task in TASKS:
        rule = task.disjoint_from
        if rule is not None and rule.by == "english":
            found = sum(v for k, v in disjoint.items() if k.split("/")[0] == task.name)
            parts.append(f"English sentences of {rule.label or task.name} test also found in {rule.source} train: "
                         f"{found}")
    return "; ".join(parts)


def write_outputs(bench: Any, *, config: dict[str, Any], disjoint: dict[str, int], cache: dict[str, Any]) -> Path:
    """Write ``results.json``, ``report.md`` and the PNG plots into ``bench.config.out_dir``; returns it."""
    from lira.benchmark.plots import write_plots

    out = Path(bench.config.out_dir)
    sig = significance(bench.rows)
    noise_sig = noise_significance(bench.rows, [m for m in NOISE_METHODS if m != "lira"])
    env = environment()
    plots = write_plots(bench, out)
    total = bench.timings.get("total", 0.0)
    time_parts = bench.ledger.summary(total)
    c = bench.config
    whole = c.tasks is None and tuple(c.settings) == SETTINGS and (c.quick or c.subsets is None)
    budget = c.budget_s if whole else None
    budget_note = "" if whole or c.budget_s is None else \
        " The time budget holds for the whole run only (every task, subset and setting), so this part has none."
    tasks = [{"name": t.name, "type": t.type, "subsets": bench.subsets[t.name], "data": t.data, "splits": t.splits,
              "main_score": t.main_score, "translations": t.translations, "reference": t.reference,
              "max_train": t.max_train, "max_test": t.max_test} for t in bench.tasks]
    write_json(out / "results.json", {"environment": env, "config": config, "seeds": list(bench.config.seeds),
                                      "timings_s": bench.timings, "time_parts_s": time_parts,
                                      "worker_parts_s": bench.worker_parts,
                                      "cold_cache": bench.cold, "feature_cache": cache, "tasks": tasks,
                                      "train_test_overlap": disjoint, "skipped": bench.skipped,
                                      "significance": sig, "noise_significance": noise_sig,
                                      "selection": selection_rows(bench),
                                      "rows": bench.rows})
    outside = [f"- **{t.name}**: {t.note}" for t in TASKS if not t.in_benchmark]
    asked = " ".join(f"--setting {s}" for s in c.settings)
    skipped = "\n".join([*(f"- the {s} setting: not asked for (`{asked}`)" for s in SETTINGS if s not in c.settings),
                         *(f"- {s['method']} on {s['task']} ({s['setting']}): {s['reason']}" for s in bench.skipped)])
    no_main = f"(the main setting was not run: `{asked}`)"
    weights = len(ENGLISH_WEIGHTS) - 1
    probe_c = "; ".join(f"{family} {cs[0]:g}" if len(cs) == 1 else f"{family} chosen at each start among "
                        f"{', '.join(f'{x:g}' for x in cs)}" for family, cs in c.probe_c.items()
                        if list(cs) != [1.0]) or "none"
    scoring = textwrap.fill(
        f"A head with a probe (classification, NLI, choice) scores each start by {c.start_folds}-fold "
        "cross-validation over its training and dev data together, grouped by item (rows that share an id or their "
        "English side, the same item in several languages, fall in one fold: `lira.training.start_cv`), so its score "
        "rests on every labelled example and not on the dev split alone; an item's score is the mean over its rows, "
        "so the standard errors below are clustered by item. The other heads score their starts on dev."
        if c.start_folds else "Every head scores its starts on dev.", width=116)
    stopping = (f"; a head stops training once {c.lasr_patience} dev evaluations in a row have not raised its best dev "
                "score (\"stage-2 steps run\")" if c.lasr_patience else "")
    seeds_note = (f" (noise, few-shot and ablations: {list(c.seeds_of_settings)})"
                  if c.seeds_of_settings != c.seeds else "")
    patience = (f" (stopping early once {c.lasr_patience} dev evaluations in a row bring no gain)"
                if c.lasr_patience else "")
    lr_families = ("; by task family: " + ", ".join(f"{family} {lr}" for family, lr in c.lasr_lr_families.items())
                   if c.lasr_lr_families else "")
    stage1_steps = (f"{c.arca_steps} steps" if isinstance(c.arca_steps, int) else "steps by English space: "
                    + ", ".join(f"{space} {steps}" for space, steps in c.arca_steps.items()))
    report = f"""# LiRA benchmark{' (quick mode: a smoke run, not a measurement)' if c.quick else ''}

Seeds {list(c.seeds)}{seeds_note}; scores x100, mean ± standard deviation over seeds (a single number: a method
with nothing random in that setting, or one seed, evaluated once).
Multilingual backbone `{c.backbone}`; English anchor space per task family (every method of the family reads
English with it): {', '.join(f"{k} {v}" for k, v in c.english_spaces.items())}. Stage 1 and the distillation
peer: {' + '.join(c.stage1_sources)} train data, {c.stage1_per_lang or 'all'} pairs per language and source,
{stage1_steps}; stage 2 (LaSR): {c.lasr_steps} steps per task family{patience}, lr {c.lasr_lr} (retrieval-trained
heads: bitext, products; DocQueue {'on' if c.doc_queue else 'off'}) or {c.lasr_lr_heads} (classification, NLI,
choice){lr_families}. Every trained model keeps the step with the best dev score (evaluated every
{c.eval_every} steps), step 0 included; "LiRA at step 0" is LiRA with nothing trained in either stage.
Wall time {bench.timings.get('total', 0):.0f} s on {env['platform']}, {env['cpu']} (Python {env['python']}, torch
{env.get('torch')}); per phase (s): {', '.join(f"{k} {v:.0f}" for k, v in bench.timings.items() if k != 'total')};
feature cache: {cache}.

## Overview (main score x100, mean over each task's subsets)

{overview_table(bench) if "main" in c.settings else no_main}

## Main results per task

{main_tables(bench) if "main" in c.settings else no_main}

## Checkpoints kept on dev (full method)

Stage 1 keeps the adaptor of its best dev bitext retrieval and the Actor of its best dev candidate choice (step 0
included; a trained step replaces step 0 only when it beats it by one standard error of the dev accuracy). Each
family's LaSR head first takes the weight of the dual path's English half that scores best at step 0 (0 = the
multilingual path alone, 0.5 = the plain dual path, 1 = the English path alone).
{scoring}
The plain dual path stays unless the best other weight beats it by the Bonferroni-corrected one-standard-error
margin for {weights} alternatives ({selection_margin(1.0, weights):.2f} standard errors of their paired per-item
difference). The pair heads (NLI, choice) first decide, at weight 0.5, what their probe reads: the pooled pair
vectors, with the pairs' token-alignment features (`lira.backbones.alignment`: how well each text's tokens find a
match in the other's, BERTScore's greedy matching, through both paths) or without, the alignment features alone
("alignment only"), or the two texts' cosine on each path alone ("cosine only", 2 features): of the four, the one
with the fewest features whose score is within the margin of the best's is kept (one standard error of their
paired difference, Bonferroni-corrected for 3 looks: the one-standard-error rule of
Hastie, Tibshirani and Friedman 2009, section 7.10); the weight is then chosen as above among the starts of that kind
(a fixed-sequence procedure: one question at a time, so neither is corrected for the other's looks). The probe's
C (scikit-learn's inverse L2 regularisation; 1 in the peers' probes) is set per family, chosen by
`benchmarks/probe_c_dev.py` as a third question after the weight (C = 1 stays unless another beats it by the
margin): C other than 1 in {probe_c}. It then
keeps its best dev step; a trained step replaces step 0 only when it beats it by more than one standard error
of the dev score{stopping}. Before stage 2, a retrieval family whose translator ranks its
candidates (the product lexicon's senses) chooses on dev, through the untrained dual path over the stage-1 Arca, what
each query reads: the translator's first candidate (what LiRA at step 0 reads) stays unless the stage-1 Actor's
choice among them beats it by one standard error of the paired per-query difference ("candidates read"); the head
trains and is selected on that reading. The family then keeps LiRA at step 0 (nothing trained) unless the trained
model beats it on dev by that margin too (step 0's standard error: "margin" below).
The "sts" family reuses the embedding family's head, with its English weight and the trained/untrained choice
made on Thai STS-B dev.

{selection_table(bench)}

## LiRA against the best baseline (paired bootstrap, 1000 resamples)

{significance_table(sig)}

## Noise-amplified English path (mixed MT noise at test time, {c.noise_candidates} candidates per text)

Translate-test and the dual path read the first candidate. The candidates are exchangeable, so LiRA's English path
reads its Actor's expectation over them: the mean of their English vectors weighted by the Actor's policy (uniform
for an untrained Actor), chosen on dev over the critics' best candidate (`benchmarks/noise_choice_dev.py`).

{setting_table(bench, "noise", NOISE_METHODS, c.noise_rates, "noise {}")}

LiRA against each of them (paired bootstrap, 1000 resamples, over the test records: each record's score is averaged
over the noise seeds and over the languages that share it, so a SIB-200 sentence, read in 14 languages against one
English, is one item; a product query is one language's own):

{noise_significance_table(noise_sig)}

## Few-shot (training examples per language)

{setting_table(bench, "few-shot", METHODS, [s for s in c.shots if s is not None], "{}-shot", "all (main)")}

## Ablations (main score x100, mean over subsets)

Each row changes one component of the full method: a critic left out of stage 1, one path removed from
LaSR, the consistency term off, or the DocQueue turned on (the full method runs without it, as chosen on dev).

{ablation_table(bench)}

## Not run, and why

{skipped or '- (everything ran)'}
{chr(10).join(outside)}

## Train / test separation

SIB-200 train (stage 1, distillation, LaSR) and SIB-200 test share no index_id; {separation(disjoint)}.

## Where the time went

Encoding counts the backbone passes over texts the feature cache did not hold; each training part counts its own
time without the encoding it triggered.{budget_note}

{time_table(time_parts, total, budget, bench.cold, backbone_labels(bench.encoders))}
{worker_note(bench.worker_parts)}
Plots: {', '.join(p.name for p in plots)}.
"""
    with atomic_write(out / "report.md") as f:
        f.write(report)
    return out
