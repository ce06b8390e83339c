"""The house-style brief: a one-page spec of the set's main style, for a photographer or an AI
headshot service, so that new photos match the set.

`build_brief(portfolio, staff_csv=None)` measures the photos and returns the brief's data;
`render_markdown(data)` and `render_pdf(data)` turn it into a document; `write_brief(...)` does all
three into a folder. Errors are plain exceptions (`BriefError`, the staff and policy errors); the
CLI turns them into one-line messages.
"""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

from . import house_style
from .checks.consistency import colour_name
from .errors import BriefError

BRIEF_FORMATS = ("md", "pdf")
COMMON_RATIOS = ((1, 1), (4, 5), (3, 4), (2, 3), (5, 7), (9, 16))
ICAO_MIN_EYE_PX = 90


# ------------------------------------------------------------------------------------------------
# data


def collect_features(portfolio: Path, staff_csv: Path | None = None, jobs: int = 1,
                     policy: Any = None) -> pd.DataFrame:
    """Feature rows of the photos a brief is learned from: every photo below `portfolio`, or,
    with a staff CSV, each person's primary photo."""
    from .features import extract_all
    from .inventory import build_inventory, scan_photos

    root = Path(portfolio)
    if not root.is_dir():
        raise BriefError(f"{root}: portfolio folder does not exist or is not a folder")
    if staff_csv is not None:
        from .staff import read_staff

        staff = read_staff(Path(staff_csv), policy["columns"] if policy is not None else None)
        inv = build_inventory(root, staff)
        files = [f for f in inv.staff["file"] if isinstance(f, str)]
    else:
        files, _issues = scan_photos(root)
    if not files:
        raise BriefError(f"{root}: no photos found")
    rows = list(extract_all(root, files, jobs=jobs))
    return pd.DataFrame.from_records(rows)


def _ratio_name(aspect: float) -> str:
    """'4:5' for 0.8; the nearest common ratio when within 2%, else a reduced fraction."""
    for w, h in COMMON_RATIOS:
        for a, b in ((w, h), (h, w)):
            if abs(aspect - a / b) <= 0.02 * (a / b):
                return f"{a}:{b}"
    f = Fraction(aspect).limit_denominator(20)
    return f"{f.numerator}:{f.denominator}"


def _q(photos: pd.DataFrame, col: str, files: list[str], q: float = 0.5) -> float | None:
    if col not in photos:
        return None
    v = pd.to_numeric(photos.loc[photos["file"].isin(files), col], errors="coerce").dropna()
    return float(v.quantile(q)) if len(v) else None


def brief_data(photos: pd.DataFrame, policy: Any, title: str = "") -> dict[str, Any]:
    """The brief's content, from the feature rows of a set (JSON-safe)."""
    hs = house_style.analyse(photos, policy)
    s = hs.summary()
    if hs.main is None or not hs.enough:
        raise BriefError(f"too few measurable photos for a house style (need {hs.params['min_photos']}, "
                         f"have {s['n_measured']})")
    main = hs.groups[hs.main]
    hv = hs.house_value
    L, a, b = hv("backdrop_L"), hv("backdrop_a"), hv("backdrop_b")
    backdrop = None
    if None not in (L, a, b):
        from .features.colour import lab_to_hex

        backdrop = {"hex": lab_to_hex(L, a, b), "name": colour_name(L, a, b),
                    "lab": [round(L, 1), round(a, 1), round(b, 1)],
                    "uniform": (hv("backdrop_nonuniformity") or 0) < 10}
    aspect = hv("aspect_ratio")
    balance, ratio = hv("light_balance"), _q(photos, "light_ratio", main)
    if balance is None:
        direction = None
    elif abs(balance) < 0.03:
        direction = "frontal, even on both sides of the face"
    else:
        side = "right" if balance > 0 else "left"
        other = "left" if balance > 0 else "right"
        direction = f"key light from camera {side} (the subject's {other}); the picture's {side} side of the face is brighter"
    contrast = None
    if ratio is not None:
        kind = "soft, low contrast" if ratio < 1.3 else "moderate contrast" if ratio < 1.8 else "high contrast"
        contrast = {"ratio": round(ratio, 2), "text": f"about {ratio:.1f}:1 between the lit and the shaded side ({kind})"}
    short, long_ = _q(photos, "short_side_px", main), _q(photos, "long_side_px", main)
    # at least the set's typical size, and enough pixels for ICAO's 90 px between the eyes
    min_short = None
    if short is not None:
        eye_share = None
        eye = _q(photos, "inter_eye_px", main)
        if eye:
            eye_share = eye / short
        need_eye = ICAO_MIN_EYE_PX / eye_share if eye_share else 0
        min_short = int(math.ceil(max(_q(photos, "short_side_px", main, 0.25) or short, need_eye) / 100) * 100)
    min_size = None
    if min_short is not None and aspect:
        long_px = min_short / aspect if aspect < 1 else min_short * aspect
        w, h = (min_short, long_px) if aspect < 1 else (long_px, min_short)
        min_size = {"width": int(round(w)), "height": int(round(h)), "short_side": min_short}
    head, eye_line, centre = hv("head_size"), hv("eye_line"), hv("face_center_x")
    colour = "black-and-white" if s["greyscale_share"] >= 0.5 else "colour"
    return {
        "title": title or "House-style brief",
        "date": date.today().isoformat(),
        "n_photos": s["n_photos"],
        "n_styles": s["n_styles"],
        "main_share": s["main_share"],
        "main_count": len(main),
        "backdrop": backdrop,
        "aspect_ratio": round(aspect, 3) if aspect else None,
        "crop_ratio": _ratio_name(aspect) if aspect else None,
        "orientation": s["orientation"],
        "head_size": round(head, 3) if head is not None else None,
        "eye_line": round(eye_line, 3) if eye_line is not None else None,
        "face_center_x": round(centre, 3) if centre is not None else None,
        "light_direction": direction,
        "light_balance": round(balance, 3) if balance is not None else None,
        "contrast": contrast,
        "colour": colour,
        "min_size": min_size,
        "typical_size": {"short_side": int(short), "long_side": int(long_)} if short and long_ else None,
        "set_score": s["set_score"],
        "framing_svg": framing_svg(aspect or 0.8, head, eye_line, centre, backdrop["hex"] if backdrop else "#cccccc"),
    }


def framing_svg(aspect: float, head: float | None, eye_line: float | None, centre: float | None,
                backdrop_hex: str = "#cccccc", height: int = 220) -> str:
    """A small framing diagram: the frame in the house's aspect ratio and backdrop colour, the face
    as an oval of the house's head size, and the eye line. Plain SVG, no external references."""
    H = height
    W = round(H * aspect)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
             f'role="img" aria-label="house framing">',
             f'<rect x="0.5" y="0.5" width="{W - 1}" height="{H - 1}" fill="{backdrop_hex}" stroke="#333"/>']
    if head and eye_line is not None:
        cx = (centre if centre is not None else 0.5) * W
        fh = head * H  # face box height (brows to chin)
        # the eyes sit about 18% down the landmark face box; the oval is the head, crown to
        # chin, centred on the eye line (median proportions of the development photos)
        top = eye_line * H - 0.18 * fh
        ry = 0.82 * fh
        cy = eye_line * H
        rx = 0.6 * fh
        shoulders = top + fh * 1.25
        parts.append(f'<ellipse cx="{cx:.1f}" cy="{H + 0.35 * (H - shoulders):.1f}" rx="{2.6 * rx:.1f}" '
                     f'ry="{1.35 * (H - shoulders):.1f}" fill="#555" fill-opacity="0.6"/>')
        parts.append(f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{rx:.1f}" ry="{ry:.1f}" fill="#e8c4a8" stroke="#333"/>')
        y = eye_line * H
        parts.append(f'<line x1="0" y1="{y:.1f}" x2="{W}" y2="{y:.1f}" stroke="#c00" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="3" y="{y - 3:.1f}" font-size="9" fill="#c00" font-family="sans-serif">eyes {eye_line:.0%}</text>')
        parts.append(f'<line x1="{W - 6}" y1="{top:.1f}" x2="{W - 6}" y2="{top + fh:.1f}" stroke="#06c" stroke-width="2"/>')
        parts.append(f'<text x="{W - 9}" y="{top + fh / 2:.1f}" font-size="9" fill="#fff" font-family="sans-serif" '
                     f'text-anchor="end">face {head:.0%}</text>')
    parts.append("</svg>")
    return "".join(parts)


# ------------------------------------------------------------------------------------------------
# documents


def _lines(d: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs: the brief's content in reading order, shared by Markdown and PDF."""
    out: list[tuple[str, str]] = []
    if d["backdrop"]:
        bd = d["backdrop"]
        out.append(("Backdrop", f"{bd['name']}, {bd['hex']} (CIELAB {bd['lab'][0]}, {bd['lab'][1]}, {bd['lab'][2]}); "
                    + ("plain and evenly lit." if bd["uniform"] else "with some texture or gradient.")))
    if d["crop_ratio"]:
        out.append(("Crop", f"{d['crop_ratio']} ({d['orientation'] or 'mixed'}; width / height = {d['aspect_ratio']:.2f}), "
                    "head and shoulders."))
    if d["head_size"] is not None:
        out.append(("Head size", f"the face from eyebrows to chin fills {d['head_size']:.0%} of the frame height."))
    if d["eye_line"] is not None:
        out.append(("Eye line", f"the eyes sit {d['eye_line']:.0%} of the frame height from the top"
                    + (f"; the face is centred ({d['face_center_x']:.0%} from the left)." if d["face_center_x"] is not None
                       and abs(d["face_center_x"] - 0.5) < 0.04 else
                       f"; face centre {d['face_center_x']:.0%} from the left." if d["face_center_x"] is not None else ".")))
    if d["light_direction"]:
        out.append(("Lighting", d["light_direction"] + "."))
    if d["contrast"]:
        out.append(("Contrast", d["contrast"]["text"] + "."))
    out.append(("Colour", f"{d['colour']}, neutral white balance (no colour cast)."))
    if d["min_size"]:
        m = d["min_size"]
        out.append(("Minimum size", f"{m['width']} x {m['height']} px (at least {m['short_side']} px on the short side, "
                    f"and at least {ICAO_MIN_EYE_PX} px between the eyes); deliver sharp, in focus on the eyes, "
                    "as a high-quality JPEG."))
    return out


def render_markdown(d: dict[str, Any]) -> str:
    """The brief as one page of Markdown."""
    head = [f"# {d['title']}", "",
            f"Learned from {d['n_photos']} photos on {d['date']}: the main style covers "
            f"{d['main_share']:.0%} of the measured photos ({d['main_count']})"
            + (f"; {d['n_styles']} styles are in use." if d["n_styles"] > 1 else ".")
            + " New photos that follow this brief will match the set.", ""]
    body = [f"- **{label}:** {text}" for label, text in _lines(d)]
    tail = ["", "For an AI headshot service: upload the backdrop colour above as the background, "
            "and ask for the same crop, head size and eye line."]
    return "\n".join(head + body + tail) + "\n"


def render_html(d: dict[str, Any], template_dir: Path | None = None) -> str:
    """The brief as HTML, from `brief.html` (the user's template folder first, like the report)."""
    from markupsafe import Markup

    from .report.templating import make_environment

    env = make_environment(template_dir)
    return env.get_template("brief.html").render(d=d, lines=_lines(d), framing=Markup(d["framing_svg"]))


def render_pdf(d: dict[str, Any], template_dir: Path | None = None) -> bytes:
    """The brief as a one-page PDF; it embeds nothing but data: URLs (the shared local-only fetcher)."""
    from .report.templating import html_to_pdf

    return html_to_pdf(render_html(d, template_dir))


def parse_formats(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    parts = value.split(",") if isinstance(value, str) else list(value)
    fmts = tuple(dict.fromkeys(p.strip().lower() for p in parts if p.strip()))
    bad = [p for p in fmts if p not in BRIEF_FORMATS]
    if bad or not fmts:
        raise BriefError(f"{', '.join(bad) or value!r} is not a brief format; choose from {', '.join(BRIEF_FORMATS)}")
    return fmts


def write_brief(portfolio: Path, staff_csv: Path | None = None, out_dir: Path = Path("brief"),
                formats: str | tuple[str, ...] = BRIEF_FORMATS, policy: Any = None,
                jobs: int = 1) -> list[Path]:
    """Measure `portfolio`, and write brief.md / brief.pdf into `out_dir`. Returns the paths.
    `policy`: a loaded Policy, or a policy file's path (None: the default policy)."""
    from .policy import Policy, load_policy

    fmts = parse_formats(formats)
    policy = policy if isinstance(policy, Policy) else load_policy(policy)
    photos = collect_features(Path(portfolio), staff_csv, jobs=jobs, policy=policy)
    title = "House-style brief" + (f" — {policy['organisation']['name']}" if policy["organisation"]["name"] else "")
    d = brief_data(photos, policy, title=title)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BriefError(f"{out}: cannot create output folder: {exc.strerror or exc}") from None
    written = []
    for fmt in fmts:
        path = out / f"brief.{fmt}"
        try:
            if fmt == "md":
                path.write_text(render_markdown(d), encoding="utf-8")
            else:
                path.write_bytes(render_pdf(d))
        except OSError as exc:
            raise BriefError(f"{path}: cannot write: {exc.strerror or exc}") from None
        written.append(path)
    return written
