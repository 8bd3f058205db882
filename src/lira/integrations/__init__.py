"""LiRA in the Hugging Face ecosystem: an MTEB encoder (``mteb_model``) and local MTEB tasks (``mteb_tasks``), a
sentence-transformers export (``st_export``, ``st_modules``). Each needs the ``hf`` extra (``pip install
'lira[hf]'``) and imports its library only when used."""
