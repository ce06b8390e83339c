"""Basic tone and colour statistics of the whole frame (the face-aware measures live elsewhere)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .decode import Decoded


def extract(d: Decoded) -> dict[str, Any]:
    rgb = np.asarray(d.small, dtype=np.float32) / 255.0  # whole-frame statistics need no detail
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]  # per-plane maths: reducing a 3-long axis is slow
    luma = 0.2126 * r + 0.7152 * g + 0.0722 * b
    mx, mn = np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b)
    sat = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0.0)
    means = (float(r.mean()), float(g.mean()), float(b.mean()))
    return {
        "luma_mean": round(float(luma.mean()), 4),
        "luma_std": round(float(luma.std()), 4),
        "clip_dark": round(float((luma < 0.02).mean()), 4),
        "clip_bright": round(float((luma > 0.98).mean()), 4),
        "saturation_mean": round(float(sat.mean()), 4),
        "is_greyscale": bool(float(sat.mean()) < 0.02),
        "mean_r": round(float(means[0]), 4),
        "mean_g": round(float(means[1]), 4),
        "mean_b": round(float(means[2]), 4),
    }
