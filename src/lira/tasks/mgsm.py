"""MGSM: grade-school math in Thai and Bengali; scored through an LLM endpoint, outside the CPU benchmark."""

from __future__ import annotations

from lira.data.formats import MathProblem
from lira.tasks.spec import Subset, TaskSpec

MGSM = TaskSpec(
    name="mgsm", type="math", family="mgsm", record_type=MathProblem,
    subsets=(Subset("th", "tha"), Subset("bn", "ben")), data="mgsm/mgsm/",
    splits="test: 250 problems; run with `lira eval mgsm --endpoint URL`", main_score="accuracy",
    translations="data", reference="Shi et al. (2023), MGSM", loader=None, in_benchmark=False,
    note="needs an LLM endpoint (`lira eval mgsm --endpoint URL`); not part of the CPU benchmark")

TASKS = (MGSM,)
