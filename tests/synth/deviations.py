"""Deviations from a house style, applied to a rendered portrait: test material for the
consistency checks ("one photo in the set was shot differently; is it found, for the right reason?").

`apply_deviation(img, kind)` changes the pixels of a finished portrait; `deviate_spec(spec, kind)`
changes the render spec instead, for kinds a pixel edit cannot fake (a different backdrop behind
the person). `make_deviant(spec, kind)` does whichever fits. `EXPECTED_FAMILY` says which
consistency family (see `audit.house_style`) each kind must be flagged in.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

PIXEL_KINDS = ("greyscale", "colour_cast", "blur", "low_resolution", "overexpose", "underexpose",
               "tight_crop", "crown_cut", "loose_crop", "rotate", "rotate90", "desaturate")
SPEC_KINDS = ("backdrop", "eyes_closed", "mouth_open")
# Made from the spec's geometry and then cropped (where the chin is must be known).
GEOMETRY_KINDS = ("chin_cut",)
# The harness gives the i-th kind the i-th extra person of a shoot: kinds added later go last, so
# the older kinds keep their people (and their figures stay comparable).
KINDS = PIXEL_KINDS[:-1] + SPEC_KINDS + PIXEL_KINDS[-1:] + GEOMETRY_KINDS
# The tilt of the "rotate" deviation. The rendered people tilt their heads by up to about +-8
# degrees (robust spread ~4.5), so a tilt must exceed 3.5 x that to stand out: 20 degrees is a
# clearly crooked photo; docs/consistency.md also gives the figure for 12 degrees.
ROTATE_DEG = 20.0
# The "desaturate" deviation keeps this share of every pixel's colour (a muted grade, x0.4).
DESATURATE = 0.4

# The family of consistency measures in which each kind must show up.
EXPECTED_FAMILY = {
    "greyscale": "colour", "colour_cast": "colour", "desaturate": "colour", "blur": "sharpness",
    "low_resolution": "resolution", "overexpose": "exposure", "underexpose": "exposure",
    "tight_crop": "framing", "crown_cut": "framing", "loose_crop": "framing", "rotate": "framing",
    "rotate90": "shape", "backdrop": "backdrop", "eyes_closed": "eyes", "mouth_open": "expression",
    "chin_cut": "framing",
}

# A backdrop clearly unlike a neutral grey studio backdrop (a warm beige office wall) and, for
# a set that already uses a warm backdrop, a cool blue one.
_OTHER_BACKDROPS = ((196, 170, 130), (70, 105, 160))


def _srgb_to_lin(a: np.ndarray) -> np.ndarray:
    return np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4)


def _lin_to_srgb(a: np.ndarray) -> np.ndarray:
    a = np.clip(a, 0, 1)
    return np.where(a <= 0.0031308, 12.92 * a, 1.055 * a ** (1 / 2.4) - 0.055)


def _exposure(img: Image.Image, stops: float) -> Image.Image:
    lin = _srgb_to_lin(np.asarray(img, np.float32) / 255.0) * (2.0 ** stops)
    return Image.fromarray((_lin_to_srgb(lin) * 255 + 0.5).astype(np.uint8), "RGB")


def _corner_colour(img: Image.Image) -> tuple[int, int, int]:
    a = np.asarray(img)
    h, w = a.shape[:2]
    k = max(2, min(h, w) // 12)
    corners = np.concatenate([a[:k, :k].reshape(-1, 3), a[:k, -k:].reshape(-1, 3)])
    return tuple(int(v) for v in np.median(corners, axis=0))


def apply_deviation(img: Image.Image, kind: str) -> Image.Image:
    """`img` (an RGB head-and-shoulders portrait) with one deviation of `kind` applied."""
    img = img.convert("RGB")
    W, H = img.size
    if kind == "greyscale":
        return ImageOps.grayscale(img).convert("RGB")
    if kind == "colour_cast":  # a warm (tungsten-like) white balance error
        a = np.asarray(img, np.float32) * np.array([1.10, 1.0, 0.78], np.float32)
        return Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8), "RGB")
    if kind == "desaturate":  # a muted grade: every colour towards its own grey, hue kept
        return ImageEnhance.Color(img).enhance(DESATURATE)
    if kind == "blur":  # out of focus / motion: about 1% of the frame height
        return img.filter(ImageFilter.GaussianBlur(radius=max(2.0, H / 100)))
    if kind == "low_resolution":  # a thumbnail used in place of the original
        return img.resize((max(16, W // 3), max(16, H // 3)), Image.Resampling.LANCZOS)
    if kind == "overexpose":
        return _exposure(img, +1.3)
    if kind == "underexpose":
        return _exposure(img, -1.5)
    if kind == "tight_crop":  # the middle 60% around the face, enlarged back to the frame size
        box = (int(0.2 * W), int(0.12 * H), int(0.8 * W), int(0.72 * H))
        return img.crop(box).resize((W, H), Image.Resampling.LANCZOS)
    if kind == "crown_cut":  # cropped from 30% down: the top of the head is off, the face enlarged
        box = (int(0.15 * W), int(0.30 * H), int(0.85 * W), H)
        return img.crop(box).resize((W, H), Image.Resampling.LANCZOS)
    if kind == "loose_crop":  # zoomed out: the portrait shrunk to 62% inside a wider frame
        s = 0.62
        small = img.resize((round(W * s), round(H * s)), Image.Resampling.LANCZOS)
        canvas = Image.new("RGB", (W, H), _corner_colour(img))
        x0 = (W - small.width) // 2
        canvas.paste(small, (x0, H - small.height))  # shoulders stay at the bottom edge
        return canvas
    if kind == "rotate":  # a crooked photo: turned by ROTATE_DEG, the edges filled from the border
        a = np.asarray(img)
        m = cv2.getRotationMatrix2D((W / 2, H * 0.45), ROTATE_DEG, 1.0)
        out = cv2.warpAffine(a, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return Image.fromarray(out, "RGB")
    if kind == "rotate90":  # EXIF orientation lost: the portrait lies on its side
        return img.transpose(Image.Transpose.ROTATE_90)
    if kind in SPEC_KINDS:
        raise ValueError(f"deviation {kind!r} changes the scene: use deviate_spec() / make_deviant()")
    raise ValueError(f"unknown deviation {kind!r}; expected one of {', '.join(KINDS)}")


def deviate_spec(spec, kind: str):
    """A copy of a `PortraitSpec` rendered with a deviation of `kind`: another backdrop, the
    eyes closed (a blink), the mouth open (talking)."""
    if kind == "eyes_closed":
        return replace(spec, eyes_open=0.0)
    if kind == "mouth_open":
        return replace(spec, mouth_open=1.0)
    if kind != "backdrop":
        raise ValueError(f"deviation {kind!r} is a pixel edit: use apply_deviation()")
    r, g, b = spec.backdrop
    warm = (r - b) > 20
    return replace(spec, backdrop=_OTHER_BACKDROPS[1] if warm else _OTHER_BACKDROPS[0])


def cut_chin(img: Image.Image, chin: float) -> Image.Image:
    """The frame ends a little above the chin at `chin` px, between the mouth and the chin (2%
    of the frame's height above it: about 7% of a house head's height), cropped to the frame's
    aspect ratio around its centre and enlarged back to its size, as a re-crop would."""
    W, H = img.size
    bottom = chin - 0.02 * H
    w = bottom * W / H
    left = (W - w) / 2
    return img.crop((int(left), 0, int(left + w), int(bottom))).resize((W, H), Image.Resampling.LANCZOS)


def make_deviant(spec, kind: str) -> Image.Image:
    """Render `spec` with the deviation `kind`, whichever way that kind is made."""
    from .portrait import chin_y, render_portrait

    if kind == "chin_cut":
        return cut_chin(render_portrait(spec), chin_y(spec))
    if kind in SPEC_KINDS:
        return render_portrait(deviate_spec(spec, kind))
    return apply_deviation(render_portrait(spec), kind)


def house_specs(n: int, seed: int = 0, width: int = 400, height: int = 500,
                backdrop: tuple[int, int, int] = (128, 128, 128), **style):
    """`n` specs of one shoot: different people (seeds), the same house style with the small
    natural variation of a real session (framing, backdrop level, light), all drawn from `seed`."""
    from .portrait import random_spec

    rng = np.random.default_rng([seed, 4242])
    head_scale = style.pop("head_scale", 0.30)
    cx, cy = style.pop("head_center", (0.5, 0.42))
    light = style.pop("light_direction", -0.3)
    specs = []
    for i in range(n):
        shift = int(rng.integers(-4, 5))
        specs.append(random_spec(
            seed * 1000 + i, width=width, height=height,
            backdrop=tuple(int(np.clip(v + shift, 0, 255)) for v in backdrop),
            head_scale=float(head_scale * rng.uniform(0.94, 1.06)),
            head_center=(float(cx + rng.uniform(-0.015, 0.015)), float(cy + rng.uniform(-0.015, 0.015))),
            light_direction=float(light + rng.uniform(-0.1, 0.1)),
            **style,
        ))
    return specs
