"""Colour conversions (sRGB, linear light, CIELAB D65) in plain NumPy.

Kept apart from the measures so that checks and the report can name a colour without importing
OpenCV or the face detector.
"""

from __future__ import annotations

import numpy as np

_WHITE = np.array([0.95047, 1.0, 1.08883], dtype=np.float32)
_RGB2XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                     [0.2126729, 0.7151522, 0.0721750],
                     [0.0193339, 0.1191920, 0.9503041]], dtype=np.float32)
_XYZ2RGB = np.linalg.inv(_RGB2XYZ.astype(np.float64))


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB values in 0-1 to linear light."""
    rgb = np.asarray(rgb, dtype=np.float32)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (..., 3) in 0-1 to CIELAB (D65), same shape: the reference formulae."""
    xyz = srgb_to_linear(rgb) @ _RGB2XYZ.T / _WHITE
    eps = 216 / 24389
    f = np.where(xyz > eps, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    L = 116 * f[..., 1] - 16
    a = 500 * (f[..., 0] - f[..., 1])
    b = 200 * (f[..., 1] - f[..., 2])
    return np.stack([L, a, b], axis=-1)


def lab_to_hex(L: float, a: float, b: float) -> str:
    """A Lab colour as #rrggbb (clipped to the sRGB gamut)."""
    fy = (L + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200
    eps = 6 / 29

    def finv(t: float) -> float:
        return t ** 3 if t > eps else 3 * eps ** 2 * (t - 4 / 29)

    xyz = np.array([finv(fx), finv(fy), finv(fz)]) * _WHITE.astype(np.float64)
    lin = np.clip(_XYZ2RGB @ xyz, 0, 1)
    srgb = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
    return "#" + "".join(f"{int(round(float(v) * 255)):02x}" for v in np.clip(srgb, 0, 1))
