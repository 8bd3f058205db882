"""Bad input and faults (issue 10), in one place to read. This folder holds the tests that are about
reliability alone; the others sit beside the module they test:

1. Runs that cannot mix: ``test_run_folder.py``.
2. Labels and metrics: ``tests/evaluation/test_classification.py`` (unknown test labels),
   ``tests/training/test_lasr_run.py`` (dev labels indexed by the model's classes),
   ``tests/data/test_loaders.py`` (finite numbers, whole-number labels, empty labels).
3. Validation independent of the cache: ``tests/test_cache.py::test_a_warm_cache_checks_languages_like_a_cold_one``.
4. Exact input: ``tests/test_cli.py::test_read_texts_keeps_lines_exact_and_reads_tsv_headers`` (and
   ``--allow-empty``), over-long texts in ``tests/backbones/test_hf.py``.
5. A cache that verifies itself: ``tests/test_cache.py`` (checksums, quarantine, orphans, kill -9).
6. One error style: ``test_error_style.py``, ``test_config_schema.py`` (one typed schema for configs and model
   folders), ``tests/test_cli.py`` (unwritable output paths checked first, choice options, output folders left
   empty by a failed command), the config fields named in errors (``tests/training/test_arca_run.py``,
   ``test_lasr_run.py``, ``test_distill_run.py``: translators, data.source, data.langs), the run folder given
   for the model folder inside it (``tests/evaluation/test_methods.py``).
7. Endpoints: ``tests/translators/test_chat.py`` (spec options, disk cache), ``tests/test_cli.py`` (an endpoint
   that is down), ``tests/evaluation/test_mgsm.py`` (every item failed exits non-zero),
   ``tests/evaluation/test_eval_cli.py`` (bitext refuses a peer that has no English to read).
8. Files: ``tests/data/test_io.py`` (umask, default data folder, a header without its delimiter),
   ``tests/data/test_loaders.py`` (the file's own column named; a CSV read as TSV).
9. Serving: ``tests/serving/test_service.py`` and ``test_translation.py`` (the translation timeout covers
   loading and Arca's choice; warm-up at start).
10. Messy user files: ``tests/data/test_io.py`` (TSV without quoting, repeated or empty header names, UTF-16),
    ``tests/data/test_loaders.py`` (labels, ids, JSON-list translations, choice columns, qrels judged twice),
    ``tests/test_cli.py`` (``lira encode`` by extension), ``tests/test_cli_eval.py`` (no judged query),
    ``tests/serving/test_corpus.py`` and ``test_build.py`` (unindexed fields, row languages, script of a corpus),
    ``tests/test_languages.py`` (decomposed text), ``tests/translators/`` (lookups in composed form),
    ``tests/tasks/test_user.py`` and ``tests/training/test_lasr_run.py`` (own retrieval data per language).
"""
