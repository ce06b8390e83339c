"""Shared fixtures: small portfolios the tests make themselves."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def noise_image(seed: int, size: tuple[int, int] = (300, 375)) -> Image.Image:
    """A distinct picture per seed: smooth blobs plus a little noise, so pHashes differ."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), dtype=np.float32)
    for _ in range(6):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(20, 120)
        color = rng.uniform(0, 255, 3)
        mask = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)))[..., None]
        img = img * (1 - mask) + color * mask
    img += rng.normal(0, 3, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Keep the feature cache (and saved tracebacks) of CLI runs out of the real user folders."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("xdg-state")))


@pytest.fixture
def make_portfolio(tmp_path):
    """make_portfolio(csv_text, {"photos/a.jpg": seed_or_bytes_or_Image}) -> portfolio root."""

    def make(csv_text: str, files: dict[str, object]) -> Path:
        root = tmp_path / "portfolio"
        root.mkdir(exist_ok=True)
        (root / "staff.csv").write_text(csv_text, encoding="utf-8")
        for rel, content in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            elif isinstance(content, Image.Image):
                content.save(p)
            else:
                noise_image(int(content)).save(p)
        return root

    return make


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to open a network connection."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:] if len(args) > 1 else args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return refuse
