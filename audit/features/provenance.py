"""Provenance markers: near-certain evidence of how a file was made.

A marker is something a generator, an editor or a camera wrote into the file on purpose:
a C2PA manifest, the IPTC DigitalSourceType in XMP, Google's "Made with Google AI" credit,
the generation settings Stable Diffusion front ends keep in PNG text chunks or the EXIF
UserComment, a generator's name in a tool field. Each is near-certain when present, and
absent from most real AI images (metadata is easy to strip): no marker proves nothing.

Rules are strict on purpose: a text that merely mentions "AI" never counts; a generator's
name counts only in a field that names the tool (Software, CreatorTool, Credit...), and
free-text fields count only with a generator's structured settings (A1111's "Steps: ...,
Sampler: ..." line, Midjourney's "Job ID: <uuid>", ComfyUI's node graph as JSON).

C2PA is read with c2pa-python, offline: remote manifests, OCSP and every other network
host are switched off in the reader's settings (a test proves no connection is made).
Trust: with no trust anchors configured (the default) `c2pa_trusted` is None ("not
checked"), never False; a PEM bundle of anchors can be given as the run option
`c2pa_trust_anchors` or the environment variable HEADSHOT_AUDIT_C2PA_TRUST_ANCHORS
(a file path), and then `c2pa_trusted` is True/False.

Nothing here raises on hostile metadata: every parser is bounded and guarded, and a
parser failure is reported in `prov_error`, never as an exception.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

from .decode import Decoded

CAP = 300  # longest string kept from a file's metadata
_SCAN_LIMIT = 4_000_000  # longest text scanned with regexes (XMP, text chunks)
_JSON_LIMIT = 2_000_000  # longest text parsed as JSON
_FILE_LIMIT = 200_000_000  # never read more than this for the C2PA check

# IPTC NewsCodes digital source types (last path segment), by what they mean here.
AI_SOURCE_TYPES = {
    "trainedalgorithmicmedia": "trainedAlgorithmicMedia",
    "compositewithtrainedalgorithmicmedia": "compositeWithTrainedAlgorithmicMedia",
    "compositesynthetic": "compositeSynthetic",
    "algorithmicmedia": "algorithmicMedia",
}
RETOUCH_SOURCE_TYPES = {"algorithmicallyenhanced": "algorithmicallyEnhanced"}
CAMERA_SOURCE_TYPES = {"digitalcapture": "digitalCapture", "computationalcapture": "computationalCapture"}
OTHER_SOURCE_TYPES = {s.lower(): s for s in (
    "negativeFilm", "positiveFilm", "print", "minorHumanEdits", "humanEdits", "compositeCapture",
    "screenCapture", "virtualRecording", "digitalArt", "dataDrivenMedia", "softwareImage", "composite",
    "digitalCreation", "trainedAlgorithmicMediaInput",
)}
_ALL_SOURCE_TYPES = {**AI_SOURCE_TYPES, **RETOUCH_SOURCE_TYPES, **CAMERA_SOURCE_TYPES, **OTHER_SOURCE_TYPES}

# Generator names, as they appear at the start of a tool field, and the name we report.
_GENERATORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.I), name) for p, name in (
        (r"midjourney\b", "Midjourney"),
        (r"novelai\b", "NovelAI"),
        (r"(?:openai\b|dall[\s\-·.]*e\b|chatgpt\b|gpt-image)", "OpenAI"),
        (r"(?:adobe[\s_]*)?firefly\b", "Adobe Firefly"),
        (r"(?:google\s+ai\b|google\s+gemini|gemini\b|imagen\b|made with google ai)", "Google AI"),
        (r"stable[\s_-]*diffusion\b", "Stable Diffusion"),
        (r"comfyui\b", "ComfyUI"),
        (r"invoke[\s_-]*ai\b", "InvokeAI"),
        (r"fooocus\b", "Fooocus"),
        (r"automatic1111\b|sd[\s._-]*web[\s._-]*ui\b", "Stable Diffusion (AUTOMATIC1111)"),
        (r"leonardo[\s.]*ai\b", "Leonardo.Ai"),
        (r"ideogram\b", "Ideogram"),
        (r"bing image creator\b|microsoft designer\b|image creator from (?:microsoft|designer)", "Microsoft Designer"),
        (r"meta ai\b|imagine with meta", "Meta AI"),
        (r"flux(?:\.1)?[\s_-]+(?:dev|schnell|pro)\b|black forest labs\b", "FLUX"),
        (r"playground\s*(?:ai|v\d)\b", "Playground"),
        (r"krea(?:\s*ai)?\b", "Krea"),
        (r"grok\b|xai aurora\b", "xAI Grok"),
        (r"runway(?:ml)?\b", "Runway"),
        (r"artbreeder\b", "Artbreeder"),
    )
]

# A1111 generation settings line ("Steps: 30, Sampler: Euler a, CFG scale: 7, Seed: 1, ...").
_A1111_RE = re.compile(r"\bSteps: ?\d{1,5},.{0,400}?\b(?:Sampler|Seed|CFG scale): ", re.S)
_MJ_JOB_RE = re.compile(r"\bJob ID: ?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
# Raw XMP: DigitalSourceType as an attribute, an element, or an rdf:resource.
_DST_RE = [
    re.compile(r"DigitalSourceType\s*=\s*[\"']([^\"'<>]{1,300})[\"']"),
    re.compile(r"DigitalSourceType(?:\s[^<>]{0,300})?>\s*([^<>\s]{1,300})\s*<"),
    re.compile(r"DigitalSourceType\s[^<>]{0,300}?resource\s*=\s*[\"']([^\"'<>]{1,300})[\"']"),
]
_CREDIT_RE = [
    re.compile(r"(?:photoshop:)?Credit\s*=\s*[\"']([^\"'<>]{1,300})[\"']"),
    re.compile(r"(?:photoshop:)?Credit(?:\s[^<>]{0,300})?>\s*(?:<[^<>]{1,200}>\s*){0,3}([^<>]{1,300}?)\s*<"),
]
_PROVENANCE_RE = re.compile(r"dcterms:provenance\s*=\s*[\"']([^\"'<>]{1,300})[\"']|"
                            r"dcterms:provenance>\s*([^<>\s]{1,300})\s*<")
# XMP fields that name the tool or the maker (value checked against _GENERATORS).
_XMP_TOOL_KEYS = {"CreatorTool", "Credit", "Software", "Make", "Model", "creator", "Artist", "Author",
                  "Source", "AgentName", "softwareAgent", "Agent"}
_XMP_FREE_KEYS = {"description", "Description", "UserComment", "title", "ImageDescription"}

_EXIF_TAGS = {0x010F: "Make", 0x0110: "Model", 0x0131: "Software", 0x013B: "Artist", 0x010E: "ImageDescription",
              0x8298: "Copyright", 0x9C9B: "XPTitle", 0x9C9C: "XPComment", 0x9C9D: "XPAuthor"}
_EXIF_TOOL_TAGS = {"Make", "Model", "Software", "Artist", "XPAuthor"}
_EXIF_IFD, _USER_COMMENT = 0x8769, 0x9286

_MIME = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
         "TIFF": "image/tiff", "HEIF": "image/heic", "HEIC": "image/heic", "AVIF": "image/avif", "GIF": "image/gif"}

COLUMNS = ("prov_ai", "prov_camera", "prov_retouched", "prov_generator", "prov_markers",
           "xmp_digital_source_type", "c2pa_present", "c2pa_valid", "c2pa_trusted",
           "c2pa_source_type", "c2pa_claim_generator", "c2pa_error")


def _cap(value: Any, limit: int = CAP) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value[: limit * 4].decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() else " " for ch in str(value)[: limit * 4])
    text = " ".join(text.split())
    return text[:limit] or None


def _text(value: Any, limit: int = _SCAN_LIMIT) -> str:
    """Any metadata value as bounded text (bytes decoded leniently)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value[:limit].decode("utf-8", "replace")
    if isinstance(value, (tuple, list)):
        return " ".join(_text(v, limit) for v in value[:50])[:limit]
    return str(value)[:limit]


def source_type_code(value: Any) -> str | None:
    """'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia' -> 'trainedAlgorithmicMedia'.

    Known IPTC codes come back in their canonical spelling; unknown ones as found (capped)."""
    text = _text(value, 2000).strip().strip("/")
    if not text:
        return None
    last = re.split(r"[/#:]", text)[-1].strip()
    return _ALL_SOURCE_TYPES.get(last.lower(), _cap(last, 100))


def _generator_name(value: str) -> str | None:
    """The generator named at the start of a tool field ("Midjourney v6", "NovelAI"), else None."""
    text = value.strip()[:300]
    for rx, name in _GENERATORS:
        if rx.match(text):
            return name
    return None


def _load_json(text: str) -> Any:
    if not text or len(text) > _JSON_LIMIT:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


class _Evidence:
    def __init__(self) -> None:
        self.ai = False
        self.camera = False
        self.retouched = False
        self.generator: str | None = None
        self.markers: list[str] = []
        self.xmp_source_type: str | None = None
        self.remote_manifest: str | None = None
        self.errors: list[str] = []

    def add(self, text: str, ai: bool = False, camera: bool = False, retouched: bool = False,
            generator: str | None = None) -> None:
        text = _cap(text, 400) or ""
        if text and text not in self.markers and len(self.markers) < 20:
            self.markers.append(text)
        self.ai |= ai
        self.camera |= camera
        self.retouched |= retouched
        # The first specific name wins; a later more specific one replaces a generic one.
        if generator and (self.generator is None or self.generator == "Stable Diffusion"):
            self.generator = generator

    def source_type(self, code: str | None, where: str, generator: str | None = None) -> None:
        if not code:
            return
        key = code.lower()
        if key in AI_SOURCE_TYPES:
            self.add(f"{where} = {code}", ai=True, generator=generator)
        elif key in RETOUCH_SOURCE_TYPES:
            self.add(f"{where} = {code} (enhanced, not generated)", retouched=True)
        elif key in CAMERA_SOURCE_TYPES:
            self.add(f"{where} = {code}", camera=True)
        else:
            self.add(f"{where} = {code}")


# --- XMP ---------------------------------------------------------------------------------

_XMP_CONTAINERS = {"li", "Alt", "Seq", "Bag", "text", "resource", "value", "Description", "RDF", "xmpmeta"}


def _walk(node: Any, key: str = "", depth: int = 0):
    """(property, text) pairs of Pillow's getxmp() dict: rdf:Alt/Seq/Bag items, rdf:resource and
    element text are reported under the property that holds them."""
    if depth > 30:
        return
    if isinstance(node, dict):
        for k, v in list(node.items())[:2000]:
            k = str(k)
            yield from _walk(v, key if k in _XMP_CONTAINERS else k, depth + 1)
    elif isinstance(node, list):
        for item in node[:500]:
            yield from _walk(item, key, depth + 1)
    elif isinstance(node, (str, int, float)) and key:
        yield key, str(node)[:_SCAN_LIMIT]


def _raw_xmp(d: Decoded) -> str:
    parts = []
    for key in ("xmp", "XML:com.adobe.xmp", "xml:com.adobe.xmp"):
        if key in d.info:
            parts.append(_text(d.info[key]))
    return "\n".join(parts)[:_SCAN_LIMIT]


def scan_xmp(xmp: Any, raw: str, ev: _Evidence) -> None:
    """IPTC DigitalSourceType, Google's credit line and tool names, from getxmp() and raw XMP."""
    types: list[str] = []
    credits: list[str] = []
    tools: list[tuple[str, str]] = []
    free: list[tuple[str, str]] = []
    for key, value in _walk(xmp):
        local = key.split(":")[-1].split("}")[-1]
        if local == "DigitalSourceType":
            types.append(value)
        elif local == "Credit":
            credits.append(value)
        if local in _XMP_TOOL_KEYS:
            tools.append((local, value))
        elif local in _XMP_FREE_KEYS:
            free.append((local, value))
    if raw and ("DigitalSourceType" in raw or "Credit" in raw):
        for rx in _DST_RE:
            types.extend(m.group(1) for m in rx.finditer(raw))
        for rx in _CREDIT_RE:
            credits.extend(m.group(1) for m in rx.finditer(raw))
    seen: set[str] = set()
    for value in types:
        code = source_type_code(value)
        if code and code not in seen:
            seen.add(code)
            if ev.xmp_source_type is None or code.lower() in AI_SOURCE_TYPES:
                ev.xmp_source_type = code
            ev.source_type(code, "XMP Iptc4xmpExt:DigitalSourceType")
    for value in dict.fromkeys(c.strip() for c in credits):
        low = value.lower()
        if low.startswith("made with google ai"):
            ev.add(f"XMP photoshop:Credit = '{_cap(value, 80)}'", ai=True, generator="Google AI")
        elif low.startswith("edited with google ai"):
            ev.add(f"XMP photoshop:Credit = '{_cap(value, 80)}' (AI edit, not generated)", retouched=True)
    for key, value in tools:
        name = _generator_name(value)
        if key == "Credit" and value.strip().lower().startswith(("made with google ai", "edited with")):
            continue  # the credit line is reported above
        if name:
            ev.add(f"XMP {key} = '{_cap(value, 80)}'", ai=True, generator=name)
    for key, value in free:
        if _MJ_JOB_RE.search(value[:20000]):
            ev.add(f"XMP {key} holds a Midjourney 'Job ID'", ai=True, generator="Midjourney")
        elif _A1111_RE.search(value[:20000]):
            ev.add(f"XMP {key} holds Stable Diffusion generation settings", ai=True,
                   generator="Stable Diffusion (AUTOMATIC1111)")
    if raw and "provenance" in raw:
        m = _PROVENANCE_RE.search(raw)
        if m:
            ev.remote_manifest = _cap(m.group(1) or m.group(2), 200)


# --- PNG text chunks and other format text -----------------------------------------------

def _comfy_graph(obj: Any) -> bool:
    if isinstance(obj, dict):
        if isinstance(obj.get("nodes"), list) and ("links" in obj or "last_node_id" in obj):
            return True  # a ComfyUI workflow (UI graph)
        nodes = [v for v in list(obj.values())[:500] if isinstance(v, dict)]
        return bool(nodes) and sum("class_type" in v and "inputs" in v for v in nodes) >= max(1, len(nodes) // 2)
    return False


def _settings_json(obj: Any) -> bool:
    """Generation settings as NovelAI / SD tools write them: steps and a sampler or seed."""
    if not isinstance(obj, dict):
        return False
    keys = {str(k).lower() for k in list(obj)[:500]}
    return "steps" in keys and bool(keys & {"sampler", "seed", "scale", "cfg_scale", "sampler_name"})


def scan_text(chunks: dict[str, Any], ev: _Evidence, where: str = "PNG text chunk") -> None:
    """Generator text chunks: A1111 `parameters`, ComfyUI `prompt`/`workflow`, NovelAI, InvokeAI, Fooocus."""
    lower = {}
    for k, v in list(chunks.items())[:500]:
        if isinstance(k, str) and isinstance(v, (str, bytes)):
            lower.setdefault(k.lower(), (k, _text(v)))
    if "parameters" in lower:
        key, text = lower["parameters"]
        obj = _load_json(text) if text.lstrip().startswith("{") else None
        if isinstance(obj, dict) and "fooocus" in _text(obj.get("Version") or obj.get("metadata_scheme") or "").lower():
            ev.add(f"{where} '{key}' (Fooocus generation settings)", ai=True, generator="Fooocus")
        elif _A1111_RE.search(text[:200000]):
            ev.add(f"{where} '{key}' (AUTOMATIC1111 generation settings)", ai=True,
                   generator="Stable Diffusion (AUTOMATIC1111)")
        elif _settings_json(obj):
            ev.add(f"{where} '{key}' (generation settings as JSON)", ai=True, generator="Stable Diffusion")
    if "fooocus_scheme" in lower:
        ev.add(f"{where} '{lower['fooocus_scheme'][0]}' (Fooocus)", ai=True, generator="Fooocus")
    for name in ("prompt", "workflow"):
        if name in lower:
            key, text = lower[name]
            if text.lstrip().startswith("{") and _comfy_graph(_load_json(text)):
                ev.add(f"{where} '{key}' (ComfyUI node graph)", ai=True, generator="ComfyUI")
    for name in ("invokeai_metadata", "invokeai_graph", "sd-metadata"):
        if name in lower:
            key, text = lower[name]
            if name != "sd-metadata" or isinstance(_load_json(text), dict):
                ev.add(f"{where} '{key}' (InvokeAI generation metadata)", ai=True, generator="InvokeAI")
    if "dream" in lower and re.search(r"\s-S\s?\d+", lower["dream"][1][:20000]):
        ev.add(f"{where} '{lower['dream'][0]}' (InvokeAI 'dream' command)", ai=True, generator="InvokeAI")
    software = lower.get("software", ("", ""))[1].strip()
    comment = lower.get("comment", ("", ""))[1]
    if software.lower() == "novelai" or software.lower().startswith("novelai "):
        extra = " with JSON generation settings in 'Comment'" if _settings_json(
            _load_json(comment) if comment.lstrip().startswith("{") else None) else ""
        ev.add(f"{where} 'Software' = '{_cap(software, 60)}'{extra}", ai=True, generator="NovelAI")
    elif comment.lstrip().startswith("{") and _settings_json(_load_json(comment)):
        ev.add(f"{where} 'Comment' (generation settings as JSON)", ai=True, generator="Stable Diffusion")
    for name in ("software", "author", "source", "creator", "artist", "make", "model"):
        if name not in lower:
            continue
        key, text = lower[name]
        gen = _generator_name(text)
        if gen and not (gen == "NovelAI" and name == "software"):  # NovelAI's Software is handled above
            ev.add(f"{where} '{key}' = '{_cap(text, 80)}'", ai=True, generator=gen)
    for name in ("description", "comment", "title"):
        if name in lower:
            key, text = lower[name]
            if _MJ_JOB_RE.search(text[:20000]):
                ev.add(f"{where} '{key}' holds a Midjourney 'Job ID'", ai=True, generator="Midjourney")


# --- EXIF --------------------------------------------------------------------------------

def decode_user_comment(value: Any) -> str:
    """EXIF UserComment: an 8-byte charset prefix ("UNICODE\\0", "ASCII\\0\\0\\0", "JIS", zeros), then text.

    UNICODE is UTF-16 in the file's byte order, which the value alone does not say: the order
    whose ASCII characters have their zero byte in the expected place wins (A1111 via piexif
    writes big-endian)."""
    if isinstance(value, str):
        return value[:_SCAN_LIMIT]
    if not isinstance(value, (bytes, bytearray)):
        return _text(value)
    raw = bytes(value[: _SCAN_LIMIT * 2 + 8])
    prefix, body = raw[:8], raw[8:]
    if prefix.startswith(b"UNICODE"):
        if len(body) % 2:
            body = body[:-1]
        be = body[0::2].count(0)
        le = body[1::2].count(0)
        text = body.decode("utf-16-be" if be >= le else "utf-16-le", "replace")
    elif prefix.startswith(b"ASCII"):
        text = body.decode("ascii", "replace")
    elif prefix.startswith(b"JIS"):
        text = body.decode("shift_jis", "replace")
    elif prefix == b"\0" * 8:
        text = body.decode("utf-8", "replace")
    else:
        text = raw.decode("utf-8", "replace")
    return text.replace("\0", "")


def scan_exif(exif: Any, ev: _Evidence) -> None:
    if not exif:
        return
    for tag, name in _EXIF_TAGS.items():
        try:
            value = exif.get(tag)
        except Exception:
            continue
        if value is None:
            continue
        if name.startswith("XP") and isinstance(value, (bytes, tuple)):
            value = bytes(value).decode("utf-16-le", "replace").replace("\0", "")
        text = _text(value)
        low = text[:20].lower()
        if low.startswith(("workflow:", "prompt:")) and _comfy_graph(_load_json(text.split(":", 1)[1])):
            ev.add(f"EXIF {name} ({text.split(':', 1)[0]}: ComfyUI node graph)", ai=True, generator="ComfyUI")
        elif name in _EXIF_TOOL_TAGS:
            gen = _generator_name(text)
            if gen:
                ev.add(f"EXIF {name} = '{_cap(text, 80)}'", ai=True, generator=gen)
        elif _MJ_JOB_RE.search(text[:20000]):
            ev.add(f"EXIF {name} holds a Midjourney 'Job ID'", ai=True, generator="Midjourney")
        elif _A1111_RE.search(text[:200000]):
            ev.add(f"EXIF {name} (AUTOMATIC1111 generation settings)", ai=True,
                   generator="Stable Diffusion (AUTOMATIC1111)")
    try:
        sub = exif.get_ifd(_EXIF_IFD)
        comment = sub.get(_USER_COMMENT) if sub else None
    except Exception:
        comment = None
    if comment:
        text = decode_user_comment(comment)
        if _A1111_RE.search(text[:200000]):
            ev.add("EXIF UserComment (AUTOMATIC1111 generation settings)", ai=True,
                   generator="Stable Diffusion (AUTOMATIC1111)")
        elif text.lstrip().startswith("{") and _settings_json(_load_json(text)):
            ev.add("EXIF UserComment (generation settings as JSON)", ai=True, generator="Stable Diffusion")
        elif _MJ_JOB_RE.search(text[:20000]):
            ev.add("EXIF UserComment holds a Midjourney 'Job ID'", ai=True, generator="Midjourney")


# --- C2PA --------------------------------------------------------------------------------

_CONTEXTS: dict[tuple[int, str], Any] = {}


def _trust_anchors(d: Decoded) -> str:
    src = (getattr(d, "options", None) or {}).get("c2pa_trust_anchors") or os.environ.get(
        "HEADSHOT_AUDIT_C2PA_TRUST_ANCHORS", "")
    if not src:
        return ""
    if "-----BEGIN" in str(src):
        return str(src)
    try:
        return Path(src).read_text(encoding="ascii", errors="replace")[:5_000_000]
    except OSError:
        return ""


def reader_settings(anchors: str = "") -> dict[str, Any]:
    """c2pa-rs settings for reading offline: no remote manifests, no OCSP, no network host at all."""
    settings: dict[str, Any] = {
        "verify": {
            "verify_after_reading": True,
            "verify_trust": True,
            "remote_manifest_fetch": False,
            "ocsp_fetch": False,
        },
        # an empty allow-list refuses every host, in case any other code path wants one
        "core": {"allowed_network_hosts": [], "decode_identity_assertions": False},
    }
    if anchors:
        settings["trust"] = {"trust_anchors": anchors}
    return settings


def _context(anchors: str):
    import c2pa

    key = (os.getpid(), anchors)  # a forked worker builds its own native context
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = c2pa.Context.from_dict(reader_settings(anchors))
        _CONTEXTS[key] = ctx
    return ctx


def _has_c2pa_container(data: bytes) -> bool:
    """Cheap pre-check on bytes: JUMBF boxes (JPEG APP11, WebP/HEIF/TIFF) or the PNG caBX chunk."""
    return b"jumb" in data or b"caBX" in data or b"c2pa" in data


def _c2pa_container(path: Path, fmt: str) -> bool | None:
    """Whether the file has a C2PA container, from its segment/chunk headers only (no full read).

    JPEG: an APP11 segment with a JUMBF box before the first scan; PNG: a caBX chunk; WebP: a
    C2PA chunk. None for other formats (the caller then searches the bytes)."""
    try:
        with open(path, "rb") as fh:
            if fmt in ("JPEG", "MPO"):
                if fh.read(2) != b"\xff\xd8":
                    return None
                for _ in range(4096):
                    head = fh.read(4)
                    if len(head) < 4 or head[0] != 0xFF:
                        return False
                    marker, length = head[1], int.from_bytes(head[2:4], "big")
                    if marker == 0xFF:  # fill byte
                        fh.seek(-3, 1)
                        continue
                    if marker == 0xDA or marker == 0xD9 or length < 2:  # start of scan / end
                        return False
                    if marker == 0xEB:  # APP11: JUMBF ("JP", instance, sequence, box with 'jumb')
                        body = fh.read(min(length - 2, 64))
                        if body[:2] == b"JP" and b"jumb" in body:
                            return True
                        fh.seek(length - 2 - len(body), 1)
                    else:
                        fh.seek(length - 2, 1)
                return False
            if fmt == "PNG":
                if fh.read(8) != b"\x89PNG\r\n\x1a\n":
                    return None
                for _ in range(100_000):
                    head = fh.read(8)
                    if len(head) < 8:
                        return False
                    length, ctype = int.from_bytes(head[:4], "big"), head[4:]
                    if ctype == b"caBX":
                        return True
                    if ctype == b"IEND":
                        return False
                    fh.seek(length + 4, 1)
                return False
            if fmt == "WEBP":
                head = fh.read(12)
                if head[:4] != b"RIFF" or head[8:12] != b"WEBP":
                    return None
                for _ in range(100_000):
                    chunk = fh.read(8)
                    if len(chunk) < 8:
                        return False
                    if chunk[:4] == b"C2PA":
                        return True
                    size = int.from_bytes(chunk[4:], "little")
                    fh.seek(size + (size & 1), 1)
                return False
    except OSError:
        return None
    return None


def _agent_name(agent: Any) -> str | None:
    if isinstance(agent, dict):
        agent = agent.get("name")
    return _cap(agent, 100) if isinstance(agent, str) else None


def _claim_generator(manifest: dict) -> str | None:
    info = manifest.get("claim_generator_info")
    if isinstance(info, list) and info and isinstance(info[0], dict) and info[0].get("name"):
        name = _cap(info[0].get("name"), 100)
        ver = info[0].get("version")
        return _cap(f"{name} {ver}" if isinstance(ver, str) and ver else name, 120)
    if isinstance(manifest.get("claim_generator"), str):
        return _cap(manifest["claim_generator"], 120)
    return None


def _actions(manifest: dict) -> list[dict]:
    out: list[dict] = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict) or not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        data = assertion.get("data")
        acts = data.get("actions") if isinstance(data, dict) else None
        if isinstance(acts, list):
            out.extend(a for a in acts[:200] if isinstance(a, dict))
    return out


def _c2pa_generator(claim: str | None, agents: list[str]) -> str | None:
    for text in [*agents, claim or ""]:
        low = text.lower()
        if "openai" in low or "dall" in low or "chatgpt" in low or "sora" in low:
            return "OpenAI"
        if "firefly" in low:
            return "Adobe Firefly"
        if "google" in low or "gemini" in low or "imagen" in low:
            return "Google AI"
        name = _generator_name(text)
        if name:
            return name
    return None


def read_c2pa(d: Decoded, ev: _Evidence, out: dict[str, Any]) -> None:
    remote = ev.remote_manifest
    fmt = (d.format or "").upper()
    found = _c2pa_container(d.path, fmt)
    if found is False and not remote:
        return
    try:
        if d.path.stat().st_size > _FILE_LIMIT:
            out["c2pa_error"] = "file too large to check for C2PA"
            return
        data = d.path.read_bytes()
    except OSError as exc:
        out["c2pa_error"] = _cap(f"cannot read file: {exc}")
        return
    if found is None and not _has_c2pa_container(data) and not remote:
        return
    try:
        import c2pa
    except Exception as exc:  # the package is a dependency, but a broken install must not stop the audit
        out["c2pa_error"] = _cap(f"c2pa-python unavailable: {exc}")
        return
    anchors = _trust_anchors(d)
    try:
        reader = c2pa.Reader(_MIME.get(fmt), io.BytesIO(data), context=_context(anchors))
    except Exception as exc:
        msg = str(exc)
        if "ManifestNotFound" in type(exc).__name__ or "no JUMBF data found" in msg or "ManifestNotFound" in msg:
            return
        if remote or "Remote" in type(exc).__name__ or "remote manifest" in msg.lower():
            out["c2pa_present"] = True
            out["c2pa_error"] = _cap(f"remote manifest referenced ({remote or 'URL'}), not fetched: reading is offline")
            ev.add(f"C2PA remote manifest reference in XMP dcterms:provenance ({_cap(remote, 120)}), not fetched")
            return
        out["c2pa_present"] = True
        out["c2pa_valid"] = False
        out["c2pa_error"] = _cap(f"{type(exc).__name__.lstrip('_')}: {msg}")
        return
    try:
        store = json.loads(reader.json())
    except Exception as exc:
        out.update(c2pa_present=True, c2pa_valid=False, c2pa_error=_cap(f"unreadable manifest store: {exc}"))
        return
    finally:
        try:
            reader.close()
        except Exception:
            pass
    _use_store(store, bool(anchors), ev, out)


def _use_store(store: dict, have_anchors: bool, ev: _Evidence, out: dict[str, Any]) -> None:
    manifests = store.get("manifests") if isinstance(store.get("manifests"), dict) else {}
    active_label = store.get("active_manifest")
    active = manifests.get(active_label) if isinstance(active_label, str) else None
    if not isinstance(active, dict):
        out.update(c2pa_present=True, c2pa_valid=False, c2pa_error="manifest store has no active manifest")
        return
    out["c2pa_present"] = True
    state = store.get("validation_state")
    statuses = [s for s in store.get("validation_status") or [] if isinstance(s, dict)]
    failures = [str(s.get("code")) for s in statuses if s.get("code") != "signingCredential.untrusted"]
    if state in ("Valid", "Trusted", "Invalid"):
        out["c2pa_valid"] = state in ("Valid", "Trusted")
    else:  # older library: no state, only failure codes
        out["c2pa_valid"] = not failures
    out["c2pa_trusted"] = (state == "Trusted") if have_anchors else None
    if not out["c2pa_valid"]:
        out["c2pa_error"] = _cap("validation failed: " + ", ".join(dict.fromkeys(failures)) if failures
                                 else "validation failed")
    claim = _claim_generator(active)
    out["c2pa_claim_generator"] = claim

    ai_types: list[tuple[str, str, str | None]] = []  # (code, action, agent)
    active_created: str | None = None
    first_type: str | None = None
    retouched = False
    agents: list[str] = []
    ordered = [active] + [m for k, m in manifests.items() if k != active_label and isinstance(m, dict)]
    for manifest in ordered[:50]:
        for act in _actions(manifest):
            code = source_type_code(act.get("digitalSourceType")) if act.get("digitalSourceType") else None
            agent = _agent_name(act.get("softwareAgent"))
            if agent:
                agents.append(agent)
            if not code:
                continue
            first_type = first_type or code
            name = _cap(act.get("action"), 60) or "?"
            if code.lower() in AI_SOURCE_TYPES:
                ai_types.append((code, name, agent))
            elif code.lower() in RETOUCH_SOURCE_TYPES:
                retouched = True
            if manifest is active and name in ("c2pa.created", "c2pa.captured") and active_created is None:
                active_created = code
    out["c2pa_source_type"] = ai_types[0][0] if ai_types else (active_created or first_type)
    validity = "" if out["c2pa_valid"] else " (manifest failed validation)"
    if ai_types:
        code, name, agent = ai_types[0]
        gen = _c2pa_generator(claim, agents)
        text = f"C2PA manifest: action {name}, digitalSourceType {code}"
        if agent:
            text += f", software agent '{agent}'"
        if claim:
            text += f", claim generator '{claim}'"
        ev.add(text + validity, ai=True, generator=gen)
    elif active_created and active_created.lower() in CAMERA_SOURCE_TYPES:
        # A camera claim only counts from a manifest that validates: it is the exculpatory one.
        ev.add(f"C2PA manifest: action c2pa.created, digitalSourceType {active_created}"
               + (f", claim generator '{claim}'" if claim else "") + validity,
               camera=bool(out["c2pa_valid"]))
    else:
        ev.add(f"C2PA manifest present" + (f", claim generator '{claim}'" if claim else "")
               + (f", source type {out['c2pa_source_type']}" if out["c2pa_source_type"] else "") + validity)
    if retouched:
        ev.add("C2PA manifest: digitalSourceType algorithmicallyEnhanced (enhanced, not generated)", retouched=True)


# --- the extractor -----------------------------------------------------------------------

def empty_row() -> dict[str, Any]:
    return {
        "prov_ai": False, "prov_camera": False, "prov_retouched": False, "prov_generator": None,
        "prov_markers": None, "xmp_digital_source_type": None, "c2pa_present": False,
        "c2pa_valid": None, "c2pa_trusted": None, "c2pa_source_type": None,
        "c2pa_claim_generator": None, "c2pa_error": None, "prov_watermark": None, "prov_error": None,
    }


def extract(d: Decoded) -> dict[str, Any]:
    out = empty_row()
    ev = _Evidence()
    steps = (
        ("XMP", lambda: scan_xmp(d.xmp, _raw_xmp(d), ev)),
        ("text chunks", lambda: scan_text(d.info, ev,
                                          "PNG text chunk" if d.format == "PNG" else f"{d.format} text field")),
        ("EXIF", lambda: scan_exif(d.exif, ev)),
        ("C2PA", lambda: read_c2pa(d, ev, out)),
        ("watermark", lambda: scan_watermark(d, ev, out)),
    )
    for name, step in steps:
        try:
            step()
        except Exception as exc:  # a parser bug on hostile metadata never stops the row
            ev.errors.append(f"{name}: {type(exc).__name__}: {exc}")
    # AI evidence outweighs a camera claim: an AI composite may carry a camera's marker too.
    out["prov_ai"] = ev.ai
    out["prov_camera"] = ev.camera and not ev.ai
    out["prov_retouched"] = ev.retouched and not ev.ai
    out["prov_generator"] = _cap(ev.generator, 100) if ev.ai else None
    out["prov_markers"] = _cap("; ".join(ev.markers), 1200) if ev.markers else None
    out["xmp_digital_source_type"] = ev.xmp_source_type
    out["prov_error"] = _cap("; ".join(ev.errors)) if ev.errors else None
    return out


# --- invisible watermark (Stable Diffusion reference scripts) ------------------------------
#
# The `invisible-watermark` package's "dwtDct" method, used by the Stable Diffusion v1/v2 reference
# scripts ('StableDiffusionV1', 136 bits) and by SDXL (a fixed 48-bit message; diffusers passes RGB
# where the package expects BGR, so both channel orders are tried). Embedding: BGR -> YUV (OpenCV),
# one-level Haar DWT of the U channel, and in each 4x4 block of the LL band the largest coefficient
# after the first is quantised to (k + 0.25 + 0.5 * bit) * 36. Reading is the inverse, vectorised:
# bit = |c| mod 36 > 18, averaged over every block that carries the same bit. Only a full-resolution,
# unrotated working copy can carry it (JPEG re-encoding or resizing usually erases it), so larger
# photos are not checked. The package's own embedding loses ~20% of blocks to 8-bit rounding, so a
# message counts when its bits match well above chance: z >= 5.7 against p = 0.5 per bit (odds of
# a chance match below 1e-8): 102 of 136 bits for SD v1, 44 of 48 for SDXL.

_WM_SCALE = 36.0
_WM_MIN_Z = 5.7
_WM_FORMATS = {"PNG", "WEBP", "TIFF", "BMP"}
_WM_MESSAGES: list[tuple[str, str, tuple[int, ...]]] = [
    ("'StableDiffusionV1'", "Stable Diffusion",
     tuple(int(b) for ch in b"StableDiffusionV1" for b in format(ch, "08b"))),
    ("SDXL's 48-bit message", "Stable Diffusion XL",
     tuple(int(b) for b in bin(0b101100111110110010010000011110111011000110011110)[2:])),
]


def _wm_scores(u: Any) -> Any:
    """Per-block bit of the dwtDct watermark in one U channel (uint8 array), in embedding order."""
    import numpy as np

    rows, cols = u.shape[0] // 4 * 4, u.shape[1] // 4 * 4
    x = u[:rows, :cols].astype(np.int16)
    # twice the Haar LL band, in exact integers: |LL| mod 36 > 18  <=>  (2 LL) mod 72 > 36
    ll2 = x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2]
    br, bc = ll2.shape[0] // 4, ll2.shape[1] // 4
    blocks = ll2[: br * 4, : bc * 4].reshape(br, 4, bc, 4).transpose(0, 2, 1, 3).reshape(-1, 16)
    pos = np.argmax(blocks[:, 1:], axis=1) + 1  # LL of 8-bit data is never negative
    val = blocks[np.arange(len(blocks)), pos]
    return (np.mod(val, 2 * int(_WM_SCALE)) > int(_WM_SCALE)).astype(np.float64)


def read_watermark(rgb: Any) -> tuple[str, str, float] | None:
    """(message label, generator, share of bits matching) of a known dwtDct watermark, else None."""
    import cv2
    import numpy as np

    arr = np.asarray(rgb, dtype=np.uint8)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] * arr.shape[1] < 256 * 256:
        return None
    best: tuple[str, str, float] | None = None
    # the reference scripts convert RGB->BGR first (U from blue); diffusers' SDXL passes RGB as BGR
    for code in (cv2.COLOR_RGB2YUV, cv2.COLOR_BGR2YUV):
        scores = _wm_scores(cv2.cvtColor(arr, code)[:, :, 1])
        idx = np.arange(len(scores))
        for label, gen, bits in _WM_MESSAGES:
            n = len(bits)
            if len(scores) < 4 * n:
                continue
            avg = np.bincount(idx % n, weights=scores, minlength=n) / np.bincount(idx % n, minlength=n)
            hits = int(np.sum((avg > 0.5) == np.asarray(bits, dtype=bool)))
            match = hits / n
            if (hits - n / 2) / (np.sqrt(n) / 2) >= _WM_MIN_Z and (best is None or match > best[2]):
                best = (label, gen, match)
    return best


def scan_watermark(d: Decoded, ev: _Evidence, out: dict[str, Any]) -> None:
    orientation = None
    try:
        orientation = d.exif.get(0x0112) if d.exif else None
    except Exception:
        pass
    if (d.format or "").upper() not in _WM_FORMATS:
        return  # JPEG re-encoding erases it (tested down from quality 95): not worth the time
    if d.image.size != tuple(d.original_size) or orientation not in (None, 1):
        return  # a resized or rotated working copy no longer carries it
    found = read_watermark(d.image)
    if found:
        label, gen, match = found
        out["prov_watermark"] = label.strip("'")
        ev.add(f"Invisible watermark (invisible-watermark dwtDct) decodes to {label} ({match:.0%} of bits)",
               ai=True, generator=gen)
