"""Optional stronger AI-image detector: a user-supplied ONNX classifier, run with onnxruntime.

Install with the `onnx` extra (`pip install headshot-audit[onnx]`) and pass `--ai-model PATH`.
Nothing is downloaded: the organisation brings its own model file.

Input/output convention (export your model to match it):

* one input tensor, float32, NCHW, shape 1 x 3 x S x S, RGB, values in [0, 1] (no mean/std
  normalisation: put that inside the model). S is read from the model's input shape; when it is
  dynamic or missing, S = 224. The photo's working copy is centre-cropped to a square and
  resized to S x S (bilinear).
* the first output is one of:
  - a single value (shape [1], [1, 1]): the probability of "AI-generated" if it lies in [0, 1],
    otherwise a logit, which is passed through a sigmoid;
  - two values (shape [1, 2]): class scores in the order [real, ai]; a softmax is applied unless
    they already sum to 1 and lie in [0, 1].

The result is `onnx_score` in [0, 1] per photo. It is still forensic (probabilistic) evidence:
the forensic extractor averages it with the built-in score (see
`audit.features.forensic.combine_scores`), and a forensic score alone only ever asks for review.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .errors import OnnxModelError

DEFAULT_SIZE = 224


class _Detector:
    def __init__(self, path: str) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise OnnxModelError(f"{path}: onnxruntime is not installed (pip install 'headshot-audit[onnx]')") from None
        p = Path(path)
        if not p.is_file():
            raise OnnxModelError(f"{path}: ONNX model file not found")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1  # photos already run in parallel processes
        opts.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(p), sess_options=opts, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise OnnxModelError(f"{path}: cannot load ONNX model: {exc}") from None
        inputs = self.session.get_inputs()
        if len(inputs) != 1:
            raise OnnxModelError(f"{path}: model must have exactly one input, has {len(inputs)}")
        self.input = inputs[0]
        shape = list(self.input.shape or [])
        if len(shape) != 4 or (isinstance(shape[1], int) and shape[1] != 3):
            raise OnnxModelError(f"{path}: input must be N x 3 x S x S (NCHW RGB), got shape {shape}")
        s = shape[2] if isinstance(shape[2], int) and shape[2] > 0 else DEFAULT_SIZE
        self.size = int(s)
        self.path = path
        self.lock = threading.Lock()

    def prepare(self, image: Image.Image) -> np.ndarray:
        im = image.convert("RGB")
        w, h = im.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        im = im.crop((left, top, left + side, top + side)).resize((self.size, self.size), Image.Resampling.BILINEAR)
        a = np.asarray(im, dtype=np.float32) / 255.0
        return np.ascontiguousarray(a.transpose(2, 0, 1)[None])

    def __call__(self, image: Image.Image) -> float:
        x = self.prepare(image)
        with self.lock:
            out = self.session.run(None, {self.input.name: x})[0]
        return interpret_output(np.asarray(out, dtype=np.float64), self.path)


def interpret_output(out: np.ndarray, where: str = "model") -> float:
    """The AI probability from a model's first output (see the module docstring)."""
    v = out.reshape(-1)
    if v.size == 1:
        x = float(v[0])
        return x if 0.0 <= x <= 1.0 else float(1.0 / (1.0 + np.exp(-x)))
    if v.size == 2:
        if np.all((v >= 0) & (v <= 1)) and abs(v.sum() - 1.0) < 1e-3:
            return float(v[1])
        e = np.exp(v - v.max())
        return float(e[1] / e.sum())
    raise OnnxModelError(f"{where}: output must have 1 value (AI probability or logit) or 2 ([real, ai]), "
                         f"got {v.size}")


@lru_cache(maxsize=2)
def load(path: str) -> _Detector:
    """The detector for `path`, loaded once per process. Raises OnnxModelError."""
    return _Detector(str(path))


def check_model(path: str | Path) -> dict[str, Any]:
    """Load the model and run it once on a grey image; raises OnnxModelError. For early CLI checks."""
    det = load(str(path))
    score = det(Image.new("RGB", (det.size, det.size), (128, 128, 128)))
    return {"path": str(path), "input_size": det.size, "grey_image_score": round(score, 4)}


def score_image(path: str | Path, image: Image.Image) -> float | None:
    """`onnx_score` for one photo; raises OnnxModelError if the model is unusable."""
    s = load(str(path))(image)
    return round(min(max(s, 0.0), 1.0), 4) if np.isfinite(s) else None
