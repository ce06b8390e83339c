"""Visual consistency: does the set look like one company? Outliers against the house style.

The house style is learned from the set (`audit.house_style`); each finding names the measure,
the photo's value, the house value, and what to do. One finding per photo and family (the worst
measure leads; the others are in the evidence).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .. import house_style
from . import CheckContext, Param, check

# Measures whose outlier an edit of the existing file mends, whatever its rule's action (JPEG
# blocks: export again from the original).
FIXED_BY_EDITING = {"blockiness"}
FAMILY_CODE = {
    "framing": "CON003", "backdrop": "CON004", "colour": "CON005", "exposure": "CON006",
    "sharpness": "CON007", "resolution": "CON008", "shape": "CON009",
    "eyes": "CON011", "pose": "CON012", "expression": "CON013",
}


def colour_name(L: float, a: float, b: float) -> str:
    """A plain name for a backdrop colour ("light grey", "dark blue", ...)."""
    C = math.hypot(a, b)
    tone = "very dark " if L < 20 else "dark " if L < 40 else "light " if L > 75 else ""
    if C < 8:
        if L > 92:
            return "white"
        if L < 12:
            return "black"
        return f"{tone}grey"
    h = math.degrees(math.atan2(b, a)) % 360
    hue = ("pink" if h < 20 else "red" if h < 45 else "orange" if h < 70 else
           "beige" if h < 95 and C < 30 else "yellow" if h < 105 else "green" if h < 190 else
           "teal" if h < 230 else "blue" if h < 300 else "purple" if h < 340 else "pink")
    if hue == "orange" and C < 30:
        hue = "beige" if L > 55 else "brown"
    if C < 18 and hue not in ("beige", "brown"):
        hue = f"greyish {hue}"
    return f"{tone}{hue}"


# How each measure's difference reads to a client: (topic, sentence when the photo's value is
# higher, sentence when lower). The measure's name, value, house value and z stay in the evidence.
_PLAIN: dict[str, tuple[str, str, str]] = {
    "head_size": ("Head size", "the head is much larger in the frame than in the rest of the set",
                  "the head is much smaller in the frame than in the rest of the set"),
    "eye_line": ("Eye line", "the eyes sit lower in the frame than in the rest of the set",
                 "the eyes sit higher in the frame than in the rest of the set"),
    "face_center_x": ("Position", "the face is further right in the frame than in the rest of the set",
                      "the face is further left in the frame than in the rest of the set"),
    "roll_deg": ("Head tilt", "the head is tilted more than in the rest of the set",
                 "the head is tilted more than in the rest of the set"),
    "backdrop_L": ("Backdrop", "the backdrop is much lighter than in the rest of the set",
                   "the backdrop is much darker than in the rest of the set"),
    "backdrop_a": ("Backdrop", "the backdrop is a different colour (redder) from the rest of the set",
                   "the backdrop is a different colour (greener) from the rest of the set"),
    "backdrop_b": ("Backdrop", "the backdrop is a different colour (yellower) from the rest of the set",
                   "the backdrop is a different colour (bluer) from the rest of the set"),
    "backdrop_nonuniformity": ("Backdrop", "the background is much busier than the plain backdrop of the set",
                               "the background is plainer than in the rest of the set"),
    "face_clip_bright": ("Highlights", "parts of the face are blown out to pure white",
                         "the face has fewer blown highlights than the set"),
    "face_clip_dark": ("Shadows", "parts of the face are lost in black shadow",
                       "the face has fewer crushed shadows than the set"),
    "light_balance": ("Light", "the light falls from the other side than in the rest of the set",
                      "the light falls from the other side than in the rest of the set"),
    "sharpness": ("Sharpness", "the face is sharper than the rest of the set",
                  "the face is much softer than the rest of the set: out of focus, moved, or enlarged from a small copy"),
    "blockiness": ("JPEG blocks", "the photo shows JPEG compression blocks that the rest of the set does not",
                   "the photo shows fewer JPEG blocks than the set"),
    "short_side_px": ("Resolution", "the file is much larger than the rest of the set",
                      "the file is much smaller than the rest of the set, like a thumbnail or a screenshot"),
    "aspect_ratio": ("Aspect ratio", "the photo is wider for its height than the rest of the set",
                     "the photo is narrower for its height than the rest of the set"),
}
# Units a client reads without help: these differences also give the two values.
_PLAIN_UNITS = ("fraction", "px", "deg", "ratio")


def plain_difference(d: house_style.Deviation) -> str:
    """One measure's difference from the house in words ("Sharpness: the face is much softer
    than the rest of the set"), with the two values where their unit needs no explaining."""
    if d.column == "backdrop_L" and d.family == "exposure":
        text = ("Exposure: the photo is " + ("brighter" if d.diff > 0 else "darker") + " than the rest of the set "
                "(its backdrop, the one surface every photo shares, is " + ("lighter" if d.diff > 0 else "darker") + ")")
    elif d.label.startswith("saturation"):  # house_style._saturation: backdrop and skin together
        paler = "paler" in d.label
        text = ("Saturation: the colours are much " + ("paler" if paler else "stronger") + " than in the rest of the set "
                "(the backdrop and the skin " + ("lost" if paler else "gained") + " colour together)")
    elif d.family == "colour" and d.column.startswith("backdrop_") and d.label.startswith("colour cast"):
        axis = d.label.split("(", 1)[1].split(":", 1)[0]
        text = f"Colour cast: the photo has a {axis} cast (the backdrop and the skin moved together)"
    else:
        topic, up, down = _PLAIN.get(d.column, (d.label, "it differs from the rest of the set",
                                                 "it differs from the rest of the set"))
        text = f"{topic}: {up if d.diff > 0 else down}"
    if house_style.MEASURE_BY_COLUMN[d.column].unit in _PLAIN_UNITS:
        text += f" ({_fmt(d.column, d.value)} against {_fmt(d.column, d.house)})"
    return text


def _fmt(column: str, v: float) -> str:
    m = house_style.MEASURE_BY_COLUMN[column]
    if m.unit == "fraction":
        return f"{v:.0%}"
    if m.unit == "share":
        return f"{v:.1%}"
    if m.unit == "deg":
        return f"{v:+.0f}°"
    if m.unit == "px":
        return f"{v:.0f} px"
    if m.unit == "ratio":
        return f"{v:.2f}"
    return f"{v:.1f}"


def _detail(d: house_style.Deviation, hs: house_style.HouseStyle, group: str) -> str | None:
    """What to do about this photo in particular, after the rule's recommendation (the policy's
    text): the direction and the house value to aim for."""
    c, up = d.column, d.diff > 0
    house_bd = _backdrop(hs, group)
    if d.label.startswith("saturation"):
        return ("Match the set's saturation (" + ("increase" if "paler" in d.label else "reduce")
                + f" it); compare with the set's backdrop, {house_bd}.")
    if c == "head_size":
        return ("The head is larger than in the rest of the set: crop looser, with space above the head." if up
                else "The head is smaller than in the rest of the set: crop tighter to head and shoulders.")
    if c == "eye_line":
        return f"In the set the eyes sit {d.house:.0%} from the top of the frame."
    if c == "face_center_x":
        return "Centre the face horizontally."
    if c == "roll_deg":
        return f"Straighten the photo (rotate it by {-d.diff:+.0f}°) or retake with the head level."
    if c == "yaw_deg":
        side = "right" if d.value > 0 else "left"
        return (f"The face is turned towards the picture's {side} by about {abs(d.value):.0f}°; "
                f"in the set it is {_turn(d.house)}.")
    if c == "pitch_deg":
        return ("The chin is raised" if up else "The head is lowered") + f" by about {abs(d.diff):.0f}° more than in the set."
    if c == "eye_openness":
        return "The eyes look closed or half-closed (a blink): retake, or choose another frame of the same shoot."
    if c == "smile":
        return ("Here the person smiles and the set is more neutral: retake with the set's expression."
                if up else "Here the expression is more serious than the set's smiles: retake with the set's expression.")
    if c == "mouth_openness":
        return ("The mouth is open (talking or laughing); the set's mouths are closed or less open." if up
                else "The mouth is closed; in the set the smiles show the teeth.")
    if c.startswith("backdrop"):
        if d.family == "exposure":
            return ("The photo is brighter than the set: darken it." if up
                    else "The photo is darker than the set: brighten it.")
        if d.family == "colour":
            return f"Neutralise the colour cast against the set's backdrop, {house_bd}."
        if c == "backdrop_nonuniformity":
            return f"The house backdrop is a plain {house_bd}; this one is busy."
        return f"The house backdrop is {house_bd}."
    if c.startswith("cast"):
        return "Neutralise the colour cast (white balance)."
    if c == "face_clip_bright":
        return "The face has blown highlights: retake; editing cannot recover clipped skin."
    if c == "face_clip_dark":
        return "The face has crushed shadows: retake with more light on the face."
    if c == "light_balance":
        house = hs.house_value("light_balance", group)
        side = "right" if house and house > 0 else "left"
        return f"In the set the key light is brighter on the picture's {side}: retake with the light on that side."
    if c == "blockiness":
        return "Here the problem is JPEG blocks: exporting the original again at a higher quality will do."
    if c == "short_side_px":
        return f"The set's photos are at least {hs.house_value('short_side_px', group):.0f} px on the short side."
    if c == "aspect_ratio":
        return f"The set's aspect ratio is {d.house:.2f} (width / height)."
    return None


def _turn(yaw: float) -> str:
    if abs(yaw) < 5:
        return "frontal"
    return f"turned {abs(yaw):.0f}° towards the picture's {'right' if yaw > 0 else 'left'}"


def _backdrop(hs: house_style.HouseStyle, group: str | None) -> str:
    L, a, b = (hs.house_value(c, group) for c in ("backdrop_L", "backdrop_a", "backdrop_b"))
    if None in (L, a, b):
        return "house"
    # Imported here: the features package reads images (Pillow and its plugins), and loading a
    # policy registers every check (`inspect` loads one and decodes no image).
    from ..features.colour import lab_to_hex

    return f"{colour_name(L, a, b)} ({lab_to_hex(L, a, b)})"


def _owner(photos: pd.DataFrame) -> dict[str, Any]:
    if "employee_id" not in photos:
        return {}
    return {str(f): (None if pd.isna(e) else e) for f, e in zip(photos["file"], photos["employee_id"])}


# The policy's [consistency] table, as this check reads it (docs/consistency.md explains each).
TABLE = {
    "outlier_z": Param("robust z from which a measure is an outlier", above=0),
    "min_photos": Param("fewest measurable photos for which a house style is learned", min=2, whole=True),
    "style_measures": Param("measures that separate photo styles", choices=tuple(house_style.MEASURE_BY_COLUMN)),
    "style_cut": Param("distance between clusters that makes two styles", above=0),
    "min_style_share": Param("smallest share of the set that makes a style", min=0, max=1),
    "min_style_size": Param("fewest photos that make a style", min=1, whole=True),
    "family_penalty": Param("score points lost per family of measures a photo is an outlier in", above=0, max=100),
    "min_diff": Param("smallest difference from the house value that counts, per measure", above=0, each=True),
}


@check("consistency", codes=["CON001", "CON002", "CON003", "CON004", "CON005", "CON006", "CON007",
                             "CON008", "CON009", "CON010", "CON011", "CON012", "CON013", "CON014"],
       params={"CON014": {
           "crown_cut": Param("share of the head's height above the frame from which the crown counts as cut", above=0, max=1),
           "chin_cut": Param("share of the head's height below the frame from which the chin counts as cut", above=0, max=1),
       }},
       tables={"consistency": TABLE})
def check_consistency(ctx: CheckContext) -> None:
    photos = ctx.photos
    if photos is None or len(photos) == 0 or "file" not in photos:
        return
    hs = ctx.house()
    owner = _owner(photos)
    emit_style(ctx, hs, owner)
    emit_head_cut(ctx, hs, owner)


def emit_head_cut(ctx: CheckContext, hs: house_style.HouseStyle, owner: dict[str, Any]) -> None:
    """CON014: the head cut off by the frame. The chin always counts; the crown only when the
    house shows whole heads (some house styles crop the top of the head on purpose: then a cut
    crown is the house's, and a much larger head is still a CON003 framing outlier)."""
    if "crown_y" not in ctx.photos or "head_height" not in ctx.photos:
        return
    p = ctx.params("CON014")
    rows = ctx.photo_by_file()
    cuts: dict[str, tuple[float, float]] = {}
    for f in hs.files:
        r = rows.get(f, {})
        crown, chin, hh = (_num(r.get(k)) for k in ("crown_y", "chin_y", "head_height"))
        if crown is None or chin is None or not hh:
            continue
        cuts[f] = (max(0.0, -crown) / hh, max(0.0, chin - 1.0) / hh)
    crowns_cut = sum(1 for c, _ in cuts.values() if c >= p["crown_cut"])
    house_cuts_crowns = len(cuts) >= 3 and crowns_cut > len(cuts) / 2
    for f, (crown, chin) in cuts.items():
        parts = []
        if chin >= p["chin_cut"]:
            parts.append(f"the chin (about {chin:.0%} of the head below the frame)")
        if crown >= p["crown_cut"] and not house_cuts_crowns:
            parts.append(f"the top of the head (about {crown:.0%} of the head above the frame)")
        if not parts:
            continue
        house_share = hs.house_value("head_size")
        ctx.emit("CON014", "The frame cuts off " + " and ".join(parts) + ".",
                 employee_id=owner.get(f), file=f,
                 evidence={"family": "framing", "measure": "crown_y" if crown >= p["crown_cut"] else "chin_y",
                           "crown_cut": round(crown, 3), "chin_cut": round(chin, 3),
                           "crown_y": rows[f].get("crown_y"), "chin_y": rows[f].get("chin_y"),
                           "head_height": rows[f].get("head_height"),
                           "house_crowns_cut": f"{crowns_cut}/{len(cuts)}",
                           "house_head_size": None if house_share is None else round(house_share, 4)})


def _num(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def emit_style(ctx: CheckContext, hs: house_style.HouseStyle, owner: dict[str, Any]) -> None:
    """The findings of one house-style analysis (split out so tests can feed their own)."""
    for f in hs.files:
        p = hs.photos[f]
        who = owner.get(f)
        if p.face_found is False:
            ctx.emit("CON001", "No face was found, so head size, eye line and framing could not be measured "
                     "(a photo on its side, a profile, a logo or a group shot far away).",
                     employee_id=who, file=f, evidence={"face_count": 0})
        elif p.face_count is not None and p.face_count > 1:
            ctx.emit("CON002", f"{p.face_count} faces were found; a headshot shows one person.",
                     employee_id=who, file=f, evidence={"face_count": p.face_count})
        if p.group is None or not hs.enough:
            continue
        by_family: dict[str, list[house_style.Deviation]] = {}
        for d in p.outliers():
            by_family.setdefault(d.family, []).append(d)
        # a black-and-white photo in a colour set is one finding, not also a saturation outlier
        bw_extra = by_family.pop("colour", []) if p.greyscale_mismatch else []
        # likewise a photo in the wrong orientation is one finding, not also an aspect-ratio outlier
        shape_extra = by_family.pop("shape", []) if p.orientation_mismatch else []
        # on a face much softer than the set's, the eyelids and lips the landmarks mark are
        # guessed: a blurred photo is a sharpness finding, not also "eyes closed" or "stern"
        if any(d.column == "sharpness" for d in by_family.get("sharpness", [])):
            for family in ("eyes", "expression"):
                by_family.pop(family, None)
        base = {"style_group": p.group, "consistency_score": p.score}
        for family, devs in by_family.items():
            devs.sort(key=lambda d: -abs(d.z))
            lead = devs[0]
            lead_text = plain_difference(lead)
            said = lead_text.split(": ", 1)[1]
            # measures that tell the same thing (the skin and the backdrop of one saturation change) say it once
            others = "; ".join(t for t in dict.fromkeys(plain_difference(d).split(": ", 1)[1] for d in devs[1:])
                               if t != said)
            msg = lead_text + "." + (f" Also, {others}." if others else "")
            ev = dict(base, family=family, measure=lead.column, value=round(lead.value, 4),
                      house=round(lead.house, 4), z=lead.z,
                      measures={d.column: {"value": round(d.value, 4), "house": round(d.house, 4), "z": d.z} for d in devs})
            ctx.emit(FAMILY_CODE[family], msg, employee_id=who, file=f, evidence=ev, detail=_detail(lead, hs, p.group),
                     action="fix" if lead.column in FIXED_BY_EDITING else None)
        if p.greyscale_mismatch:
            bw = p.greyscale_mismatch == "bw"
            ctx.emit("CON005",
                     "The photo is black-and-white; the set is in colour." if bw else
                     "The photo is in colour; the set is black-and-white.",
                     employee_id=who, file=f,
                     evidence=dict(base, family="colour", measure="is_bw", value=bw, house=not bw,
                                   measures={d.column: {"value": round(d.value, 4), "house": round(d.house, 4),
                                                        "z": d.z} for d in bw_extra}),
                     detail=None if bw else "Convert it to black-and-white like the rest of the set.")
        if p.orientation_mismatch:
            ar = next((d for d in p.deviations if d.column == "aspect_ratio"), None)
            ratios = f" (aspect ratio {ar.value:.2f} vs {ar.house:.2f}, width / height)" if ar else ""
            ctx.emit("CON009", f"The photo is {p.orientation_mismatch}; the set is {hs.house_orientation}{ratios}.",
                     employee_id=who, file=f,
                     evidence=dict(base, family="shape", measure="frame_orientation",
                                   value=p.orientation_mismatch, house=hs.house_orientation,
                                   measures={d.column: {"value": round(d.value, 4), "house": round(d.house, 4),
                                                        "z": d.z} for d in shape_extra}),
                     detail=f"The set is {hs.house_orientation}"
                     + ("; or fix the rotation if it lies on its side." if p.face_found is False else "."))
    if hs.enough and len(hs.groups) > 1:
        s = hs.summary()
        minority = [f for label, files in hs.groups.items() if label != hs.main for f in files]
        ctx.emit("CON010",
                 f"The set mixes {len(hs.groups)} photo styles; the main one covers {s['main_share']:.0%} of the "
                 f"photos ({len(minority)} photos are in another style).",
                 related_files=minority,
                 evidence={"n_styles": len(hs.groups), "main_share": s["main_share"],
                           "styles": [{k: st[k] for k in ("label", "size", "share", "backdrop_hex")} for st in s["styles"]],
                           "set_score": s["set_score"]},
                 detail=f"The main style has a {_backdrop(hs, hs.main)} backdrop; a group photo day is the cheapest way "
                 "when many people are affected.")
