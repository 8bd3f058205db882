"""Exact search and retrieval metrics (below training and evaluation, so both can use them)."""
