"""What a file in the portfolio is: a photo, a companion of one (design file, sidecar, thumbnail
cache), or something else, judged by its name and, where the name does not say, by its first
bytes; and what to tell a user about a file that cannot be read as a photo.

The scan must stay cheap on a folder of thousands of files, so the name decides wherever it can:
a known image extension is a photo (a `.jpg` that really holds a PNG is still decoded by content),
a known document or cache is not. Only a name that says nothing (`E1001`, `photo.jpeg_large`,
`x.bak`) costs an `Image.open`, which reads the header and decodes no pixels.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from PIL import Image

try:  # HEIC/HEIF (iPhone exports); AVIF is Pillow's own from 11.3
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_PLUGIN = True
except ImportError:  # pragma: no cover (a declared dependency; kept for a broken install)
    HEIF_PLUGIN = False

Image.init()

# File kinds a company keeps beside its photos: each is noticed once, never audited as a person.
CACHE_NAMES = {
    "thumbs.db": "Windows thumbnail cache", "ehthumbs.db": "Windows thumbnail cache",
    "ehthumbs_vista.db": "Windows thumbnail cache", "desktop.ini": "Windows folder settings",
    ".ds_store": "macOS folder settings", ".picasa.ini": "Picasa settings", "picasa.ini": "Picasa settings",
}
SIDECAR_EXTENSIONS = {
    ".xmp": "XMP sidecar", ".aae": "Apple Photos edit sidecar", ".thm": "camera thumbnail",
    ".pp3": "RawTherapee sidecar", ".dop": "DxO sidecar", ".on1": "ON1 sidecar",
}
# Where a picture is made: a companion beside the exported photo of the same name; alone, it may
# be the only copy of someone's photo, so it is audited (and says what to export when unreadable).
DESIGN_EXTENSIONS = {
    ".psd": "Photoshop file", ".psb": "Photoshop large document", ".xcf": "GIMP file",
    ".afphoto": "Affinity Photo file", ".kra": "Krita file", ".pdn": "Paint.NET file",
    ".cr2": "Canon raw photo", ".cr3": "Canon raw photo", ".crw": "Canon raw photo", ".nef": "Nikon raw photo",
    ".nrw": "Nikon raw photo", ".arw": "Sony raw photo", ".srf": "Sony raw photo", ".sr2": "Sony raw photo",
    ".raf": "Fujifilm raw photo", ".orf": "Olympus raw photo", ".rw2": "Panasonic raw photo",
    ".pef": "Pentax raw photo", ".srw": "Samsung raw photo", ".dng": "DNG raw photo", ".raw": "camera raw photo",
    ".3fr": "Hasselblad raw photo", ".iiq": "Phase One raw photo", ".x3f": "Sigma raw photo",
}
# Documents and drawings: a companion beside a photo of the same name, otherwise not a photo.
DOCUMENT_EXTENSIONS = {
    ".ai": "Illustrator file", ".indd": "InDesign file", ".sketch": "Sketch file", ".fig": "Figma file",
    ".svg": "SVG drawing", ".svgz": "SVG drawing", ".eps": "EPS file", ".ps": "PostScript file",
    ".pdf": "PDF document", ".cdr": "CorelDRAW file", ".afdesign": "Affinity Designer file",
}
# Never photos: skipped without opening (a staff row naming one still gets it audited).
OTHER_EXTENSIONS = {
    ".csv", ".tsv", ".txt", ".md", ".rst", ".json", ".html", ".htm", ".xml", ".toml", ".yaml", ".yml", ".ini",
    ".log", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp", ".rtf", ".pages",
    ".numbers", ".key", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar", ".py", ".js", ".css",
    ".sh", ".bat", ".exe", ".dll", ".so", ".bin", ".db", ".sqlite", ".lock", ".part", ".tmp", ".bak~",
    ".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".wmv", ".mpeg", ".mpg", ".mp3", ".m4a", ".wav", ".aac",
    ".ttf", ".otf", ".woff", ".woff2", ".ics", ".vcf", ".eml", ".msg", ".url", ".lnk", ".webloc",
}
# Every extension an installed Pillow opener (or its MPO reader) claims.
PHOTO_EXTENSIONS = frozenset(
    ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.OPEN or fmt == "MPO"
) - OTHER_EXTENSIONS - set(DOCUMENT_EXTENSIONS)

# A few first bytes that name what a file is when Pillow cannot read it.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"8BPS", "Photoshop file"), (b"%PDF", "PDF document"), (b"%!PS", "PostScript/EPS file"),
    (b"\xc5\xd0\xd3\xc6", "EPS file"), (b"<svg", "SVG drawing"), (b"gimp xcf", "GIMP file"),
    (b"\xd0\xcf\x11\xe0", "Office or Windows cache file"), (b"PK\x03\x04", "zip archive or Office document"),
    (b"FUJIFILMCCD-RAW", "Fujifilm raw photo"), (b"IIRO", "Olympus raw photo"),
)
_FTYP = {b"heic": "HEIC photo", b"heix": "HEIC photo", b"mif1": "HEIF photo", b"msf1": "HEIF photo",
         b"avif": "AVIF photo", b"avis": "AVIF photo", b"crx ": "Canon raw photo",
         b"qt  ": "QuickTime video", b"isom": "MP4 video", b"mp41": "MP4 video", b"mp42": "MP4 video"}


def cache_kind(name: str) -> str | None:
    """The kind of a thumbnail cache or folder-settings file (or macOS '._' fork), by name."""
    if name.startswith("._"):
        return "macOS resource fork"
    return CACHE_NAMES.get(name.lower())


def _ext(name: str) -> str:
    """The lower-case extension of a file name ('' for none): os.path, as a scan calls this for
    every file and a PurePosixPath per call was a third of `inspect`'s time on 10,000 photos."""
    ext = os.path.splitext(name)[1].lower()
    return "" if ext == "." else ext


def companion_kind(name: str, image_stems: set[str]) -> str | None:
    """What `name` is when it accompanies the photos rather than being one: a cache, a sidecar,
    or a design/raw/document file beside an image of the same stem (`image_stems`: lower-case
    stems of the images in the same folder). None when it is not a companion."""
    kind = cache_kind(name)
    if kind:
        return kind
    stem, ext = os.path.splitext(name)[0], _ext(name)
    if ext in SIDECAR_EXTENSIONS:
        return SIDECAR_EXTENSIONS[ext]
    if ext in DESIGN_EXTENSIONS or ext in DOCUMENT_EXTENSIONS:
        # "x.psd" beside "x.jpg", and "x.jpg.xmp"-style double names ("x.cr2" beside "x.cr2.jpg")
        if stem.lower() in image_stems or name.lower() in image_stems:
            return (DESIGN_EXTENSIONS.get(ext) or DOCUMENT_EXTENSIONS[ext]) + " beside its exported image"
    return None


def is_design(name: str) -> bool:
    """A design or raw file: it makes a photo, so it does not give its name to one."""
    return _ext(name) in DESIGN_EXTENSIONS


def looks_like_photo_by_name(name: str) -> bool | None:
    """True: the name says photo; False: it says not a photo; None: only the content can tell."""
    ext = _ext(name)
    if ext in PHOTO_EXTENSIONS or ext in DESIGN_EXTENSIONS:
        return True
    if ext in OTHER_EXTENSIONS or ext in DOCUMENT_EXTENSIONS or ext in SIDECAR_EXTENSIONS:
        return False
    return None


def identify(path: Path) -> str | None:
    """Pillow's format name for the file, read from its header only (no pixels are decoded);
    None when no installed reader recognises it. Never raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                return im.format or "image"
    except Image.DecompressionBombError:
        return "image"  # an image, too large to open: the audit says so when it decodes it
    except Exception:  # anything else a hostile file can raise here means "not identified"
        return None


def describe(path: Path) -> str | None:
    """A plain name for a file Pillow cannot read ("Photoshop file", "Canon raw photo"), from its
    first bytes, else its extension; None when neither says anything."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError:
        head = b""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[4:8] == b"ftyp" and head[8:12] in _FTYP:
        return _FTYP[head[8:12]]
    if head.lstrip().startswith(b"<?xml") and b"<svg" in head.lower():
        return "SVG drawing"
    ext = path.suffix.lower()
    return DESIGN_EXTENSIONS.get(ext) or DOCUMENT_EXTENSIONS.get(ext) or SIDECAR_EXTENSIONS.get(ext) or cache_kind(path.name)


# Pillow format names a reader knows better by another name.
FORMAT_NAMES = {"PSD": "Photoshop file", "EPS": "EPS file", "JPEG2000": "JPEG 2000 image", "MPO": "MPO (multi-picture JPEG)",
                "HEIF": "HEIC/HEIF photo", "AVIF": "AVIF image", "WMF": "Windows metafile drawing",
                "MPEG": "MPEG video", "FITS": "FITS astronomy image", "GRIB": "GRIB weather data",
                "BUFR": "BUFR weather data", "HDF5": "HDF5 data file"}


def format_name(fmt: str | None) -> str:
    """'TGA' -> 'TGA image', 'PSD' -> 'Photoshop file'."""
    if not fmt:
        return "image"
    return FORMAT_NAMES.get(fmt, f"{fmt} image")
