"""A sentence-transformers module for LiRA's LaSR head on the multilingual path alone (``lira export st``).

``LaSRLanguagePath`` reads ``sentence_embedding`` (``E_lr``, the adaptor's output, ``[n, d]``) and returns what
``LiRAModel.encode`` returns for a text without an English translation in language ``lang``: the head run with
its English slot removed (the dual path ``[E_lr ; E_lr]`` with ``en_mask`` set), unit norm. Saved as
``config.json`` (the LaSR config and ``lang``) and ``model.safetensors``; no pickles. sentence-transformers 6
imports module classes outside its own package only with ``trust_remote_code=True`` (and ``lira`` installed).
"""

from __future__ import annotations

from typing import Any

import torch
from sentence_transformers.base.modules.module import Module

from lira.lasr.head import LaSRConfig, LaSRHead


class LaSRLanguagePath(Module):
    """``E_lr [n, d]`` -> LaSR's embedding of the multilingual path in ``lang`` ``[n, embed_dim]``."""

    config_keys = ["lasr", "lang"]

    def __init__(self, lasr: dict[str, Any], lang: str) -> None:
        super().__init__()
        self.lasr, self.lang = dict(lasr), lang
        self.head = LaSRHead(LaSRConfig.from_dict(self.lasr)).eval()

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        e = features["sentence_embedding"]
        z = torch.stack([e, e], dim=1)[:, :, None, :]  # [n, 2, 1, d]: the stand-in fills the English slot
        out = self.head(z, self.lang, en_mask=torch.ones(e.shape[0], dtype=torch.bool, device=e.device))
        features["sentence_embedding"] = out.embedding
        return features

    def get_embedding_dimension(self) -> int:
        return self.head.embed_proj.out_features

    def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
        self.save_config(output_path)
        self.save_torch_weights(output_path, safe_serialization=True)

    @classmethod
    def load(cls, model_name_or_path: str, subfolder: str = "", token: bool | str | None = None,
             cache_folder: str | None = None, revision: str | None = None, local_files_only: bool = False,
             init_defaults: dict[str, Any] | None = None, **kwargs: Any) -> LaSRLanguagePath:
        """The module saved under ``model_name_or_path`` (``config.json`` and ``model.safetensors``);
        ``init_defaults`` is not used, since the saved config holds every field."""
        module = cls(**cls.load_config(model_name_or_path, subfolder=subfolder, token=token, cache_folder=cache_folder,
                                       revision=revision, local_files_only=local_files_only))
        return cls.load_torch_weights(model_name_or_path, subfolder=subfolder, token=token, cache_folder=cache_folder,
                                      revision=revision, local_files_only=local_files_only, model=module)
