"""S-bin temporal pooling (DESIGN.md section 2, step 3): ``s_bin_pool`` of ``lira.backbones.pooling``.

The function lives below the feature cache (``lira.cache`` stores S-bin pooled token states); this module
re-exports it under Arca's name.
"""

from __future__ import annotations

from lira.backbones.pooling import s_bin_pool

__all__ = ["s_bin_pool"]
