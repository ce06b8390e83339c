"""Write the sample portfolio: a fictional firm's staff photos and staff.csv with planted problems.

    .venv/bin/python scripts/make_sample_portfolio.py [--out sample_portfolio]

"Northwind Advisory" has 27 people (28 CSV rows). Every photo is a synthetic portrait from
`tests.synth.portrait`; no real person is shown. Most share one house style (a grey-blue studio
backdrop, the same framing and key light, camera EXIF, photo_source = photographer), and every
kind of finding the audit makes is planted at least once. The table of planted problems is in
`PEOPLE` below and is written to the portfolio's README.md, so the two can never disagree.

Deterministic: fixed seeds, fixed EXIF times, no clock. Running it twice gives byte-identical
files, with one exception: the photo signed with a C2PA manifest (through
`tests.synth.markers.with_c2pa`, which makes a fresh throw-away certificate and signature on
every run). Into a new folder its pixels are identical and its manifest bytes are not; over an
earlier run the signed file is kept as it is when its pixels have not changed. Without
`cryptography` and `c2pa` installed that photo is written unsigned and the generator says so.

Provenance markers are written inline here (XMP packet, PNG tEXt, EXIF) on purpose: the sample
must not change when the marker helpers used by the tests evolve.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, PngImagePlugin

# The portrait generator is a development tool, not part of the installed package: it lives in
# the project's tests/ folder, importable from the project root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.synth.portrait import SKIN_TONES, random_spec, render_portrait  # noqa: E402

AUDIT_DATE = "2026-11-29"  # the dates below are planted relative to this audit date
DOMAIN = "northwind-advisory.example"
HOUSE = dict(backdrop=(104, 120, 138), backdrop_gradient=0.15, light_direction=-0.35, light_contrast=0.22,
             head_scale=0.30, head_center=(0.5, 0.42), noise=2.0, width=640, height=800)
# What an AI headshot service returns: no sensor noise, flat even light, no real catch-lights,
# a lighter, cooler backdrop than the studio's.
AI_LOOK = dict(backdrop=(150, 158, 172), backdrop_gradient=0.05, light_direction=0.0, light_contrast=0.06,
               noise=0.0, catchlights=False, width=768, height=960)
QUALITY = 85
CAMERA = ("Canon", "Canon EOS R6 Mark II")
OLD_CAMERA = ("NIKON CORPORATION", "NIKON D750")
C2PA_FILE = "photos/E1020.jpg"

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
A1111 = ("corporate headshot of a wealth manager, navy suit, soft studio light, grey backdrop, 85mm\n"
         "Negative prompt: blurry, lowres, deformed hands, watermark\n"
         "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 123, Size: 1024x1024, "
         "Model hash: 31e35c80fc, Model: sdxl, Version: v1.9.4")


@dataclass
class Person:
    employee_id: str
    name: str
    title: str
    department: str
    seniority: str
    client_facing: str
    platforms: str
    photo: str = ""  # the CSV `photo` value
    photo_date: str = ""  # the CSV `photo_date` value
    photo_source: str = "photographer"
    file: str | None = None  # the file written for this person (None: no file)
    look: str = "house"  # how the photo is made, see `render_person`
    skin: int = 0  # index into SKIN_TONES
    exif_date: str | None = None  # EXIF DateTimeOriginal (YYYY-MM-DD); None = no EXIF date
    camera: tuple[str, str] | None = CAMERA
    marker: str | None = None  # provenance marker kind, see `save_photo`
    planted: str = ""  # what is wrong, for the README table
    expect: str = ""  # the findings (rule codes) a correct audit raises for this row
    also: str = ""  # side effects a correct audit may also raise (not the point of the row)
    extra_files: list[str] = field(default_factory=list)


def _p(eid, name, title, dept, sen, cf, plat, **kw) -> Person:
    kw.setdefault("photo", f"photos/{eid}.jpg")
    kw.setdefault("file", kw["photo"] or None)
    return Person(eid, name, title, dept, sen, cf, plat, **kw)


S1, S2, S3 = "2025-03-20", "2025-09-22", "2026-04-15"  # the house photographer's sessions

PEOPLE: list[Person] = [
    _p("E1001", "Helen Marsh", "Chief Executive Officer", "Executive", "executive", "yes", "website;press;conference",
       photo_date="2026-08-14", photo_source="ai", look="ai", skin=1, camera=None, exif_date=None, marker="xmp_dst",
       planted="client-facing CEO on website, press and conference with an AI headshot (XMP DigitalSourceType trainedAlgorithmicMedia)",
       expect="AI001, ROL001", also="CON006 (the AI look: lighter backdrop)"),
    _p("E1002", "David Osei", "Chief Financial Officer", "Executive", "executive", "yes", "website;press",
       photo_date=S3, exif_date=S3, skin=6, planted="none: house style control", expect="none"),
    _p("E1003", "Robert Lindqvist", "Partner", "Advisory", "executive", "yes", "website;linkedin;conference",
       photo_date="2021-03-15", exif_date="2021-03-15", camera=OLD_CAMERA, skin=0,
       planted="photographer photo from 2021 (68 months old)", expect="STL001"),
    _p("E1004", "Amara Nwosu", "Senior Consultant", "Advisory", "senior", "yes", "website;linkedin",
       photo_date="2024-06-12", exif_date="2024-06-12", skin=5,
       planted="photographer photo from 2024-06 (29 months old: ageing)", expect="STL002"),
    _p("E1005", "Tomás Herrera", "Consultant", "Advisory", "mid", "yes", "website;linkedin",
       photo_date=S2, exif_date=S2, skin=3, extra_files=["photos/E1005_old.jpg"], photo_source="",
       planted="two files of one person: E1005.jpg (in the CSV) and E1005_old.jpg (a 2022 session); "
               "no photo_source recorded, though he is client-facing on the website",
       expect="DUP003 (information), AI005 (confirm the source)", also="CON005/CON006 on E1005_old.jpg (the other session's grey backdrop)"),
    _p("E1006", "Grace Whitfield", "Senior Associate", "Legal", "senior", "yes", "website",
       photo_date=S1, exif_date=S1, skin=1, look="greyscale",
       planted="black-and-white photo in a colour set", expect="CON005",
       also="CON004 (its backdrop is grey, not blue)"),
    _p("E1007", "Kenji Watanabe", "Associate", "Legal", "mid", "yes", "website;linkedin",
       photo_date=S1, exif_date=S1, skin=2, look="warm",
       planted="strong warm (orange) colour cast", expect="CON005"),
    _p("E1008", "Priya Raman", "Senior Wealth Manager", "Wealth Management", "senior", "yes", "website;linkedin",
       photo="photos/E1008.png", photo_date="2026-07-20", photo_source="ai", look="ai_square", skin=4, camera=None,
       marker="png_a1111",
       planted="client-facing senior wealth manager with a declared AI headshot on the website; "
               "PNG 1024x1024 with AUTOMATIC1111 `parameters`",
       expect="AI001, ROL001", also="CON009 (square), CON006 (AI look)"),
    _p("E1009", "Samuel Adeyemi", "Wealth Manager", "Wealth Management", "mid", "yes", "website;linkedin",
       photo_date=S1, exif_date=S1, skin=7,
       planted="his photo is also used for E1010", expect="DUP001 (with E1010)",
       also="the DUP001 may be listed under E1010 only"),
    _p("E1010", "Daniel Brooks", "Client Service Associate", "Wealth Management", "junior", "yes", "website",
       photo_date=S1, exif_date=None, camera=None, look="copy_of_E1009",
       planted="uses E1009's photo (re-encoded at quality 60, resized to 85%, EXIF stripped)",
       expect="DUP001 (with E1009)", also="CON007 (JPEG artefacts of the re-encode)"),
    _p("E1011", "Olivia Chen", "Paralegal", "Legal", "junior", "no", "internal",
       photo_date="", exif_date=None, camera=None, skin=1,
       planted="no date anywhere (empty photo_date, no EXIF/XMP date)", expect="STL003"),
    _p("E1012", "Marcus Bell", "Head of Marketing", "Marketing", "senior", "no", "website;linkedin;press",
       photo_date=S3, exif_date=S3, skin=2, planted="his id is reused by the next row", expect="DAT005 (on the next row)"),
    _p("E1012", "Nadia Petrova", "Marketing Coordinator", "Marketing", "junior", "no", "internal;linkedin",
       photo="", file=None, photo_date="", photo_source="", camera=None,
       planted="duplicate employee_id E1012 (a second person)", expect="DAT005; the row is skipped"),
    _p("E1013", "Fatima Al-Sayed", "Content Strategist", "Marketing", "mid", "no", "website;linkedin",
       photo_date="2023-13-45", exif_date=S1, skin=4,
       planted="invalid photo_date 2023-13-45 (the EXIF date 2025-03-20 is still there)",
       expect="DAT006; dated from EXIF, not stale"),
    _p("E1014", "Lucas Moreau", "Brand Designer", "Marketing", "mid", "no", "internal;linkedin",
       photo="photos/broken.jpg", photo_date=S1, look="truncated", skin=0,
       planted="photos/broken.jpg is a truncated JPEG", expect="DAT003"),
    _p("E1015", "Isabel Santos", "Digital Marketing Manager", "Marketing", "mid", "no", "website;linkedin",
       photo_date="2026-08-03", photo_source="photographer", look="ai", skin=2, camera=None, marker="xmp_credit",
       planted="declared photographer, but the file says XMP photoshop:Credit \"Made with Google AI\" "
               "and Iptc4xmpExt:DigitalSourceType trainedAlgorithmicMedia",
       expect="AI001, AI002 (declared vs detected), ROL002 (website)", also="CON006 (AI look)"),
    _p("E1016", "Ethan Clarke", "HR Business Partner", "People & Culture", "senior", "no", "internal;linkedin",
       photo="photos/ethan_clarke.jpg", file=None, photo_date=S1,
       planted="CSV photo path photos/ethan_clarke.jpg does not exist", expect="DAT007"),
    _p("E1017", "Zoe Hartmann", "Talent Acquisition Lead", "People & Culture", "mid", "no", "internal;linkedin",
       photo="../outside.jpg", file=None, photo_date=S1,
       planted="photo path ../outside.jpg leaves the portfolio", expect="DAT004"),
    _p("E1018", "Ravi Menon", "Learning & Development Manager", "People & Culture", "mid", "no", "internal;linkedin",
       photo_date=S2, exif_date=S2, skin=3, look="blurry",
       planted="out of focus (Gaussian blur, radius 4 px)", expect="CON007"),
    _p("E1019", "Sofia Lindgren", "Office Manager", "People & Culture", "mid", "no", "internal",
       photo="", file="photos/E1019.jpg", photo_date=S3, exif_date=S3, skin=0,
       planted="empty photo column; the file is named by employee id", expect="matched by rule 'employee id'; no finding"),
    _p("E1020", "Noah Fischer", "People Operations Specialist", "People & Culture", "junior", "no", "internal;linkedin",
       photo_date="2026-10-01", photo_source="ai", look="ai", skin=6, camera=None, marker="c2pa",
       planted="declared AI headshot, signed C2PA manifest (digitalSourceType trainedAlgorithmicMedia); "
               "junior, internal and LinkedIn only: adequate",
       expect="AI001 (low); no ROL finding", also="CON006 (AI look)"),
    _p("E1021", "Li Wei", "Senior Software Engineer", "Engineering", "senior", "no", "internal;linkedin",
       photo="", file="photos/li.wei.jpg", photo_date=S2, exif_date=S2, skin=2,
       planted="empty photo column; the file is named by the e-mail local part",
       expect="matched by rule 'e-mail local part'; no finding"),
    _p("E1022", "Chloe Dubois", "Junior Data Analyst", "Engineering", "junior", "no", "internal",
       photo_date="2025-09-10", photo_source="ai", look="ai", skin=0, camera=None, marker="exif_midjourney",
       planted="declared AI headshot from 2025-09 (14 months: past the 12-month AI refresh); EXIF Software "
               "\"Midjourney\"; junior internal-only: adequate",
       expect="STL001, AI001 (low); no ROL finding", also="CON006 (AI look)"),
    _p("E1023", "Jamal Carter", "Platform Engineer", "Engineering", "mid", "no", "internal;linkedin",
       photo_date=S2, exif_date=S2, skin=6, look="lowres",
       planted="240x300 pixels", expect="CON008"),
    _p("E1024", "Hannah Schmidt", "Graduate Analyst", "Advisory", "junior", "no", "internal",
       photo="", file=None, photo_date="", photo_source="", camera=None,
       planted="new hire: no photo column and no file", expect="DAT001"),
    _p("E1025", "William Turner", "Director of Advisory", "Advisory", "executive", "yes", "website;conference;press",
       photo_date=S3, exif_date=S3, skin=1, look="tight",
       planted="tight crop: the head fills the frame", expect="CON003"),
    _p("E1026", "Aisha Karimi", "Engagement Manager", "Advisory", "senior", "yes", "website;linkedin",
       photo_date=S3, exif_date=S3, skin=5, look="white",
       planted="bright white backdrop instead of the grey-blue one", expect="CON004"),
    _p("E1027", "Oliver Grant", "Compliance Officer", "Legal", "senior", "no", "internal;website",
       photo_date=S2, exif_date=S2, skin=3, look="dark",
       planted="underexposed by about 1.7 stops", expect="CON006", also="CON007 (detail lost in the shadows)"),
]

# Files without a staff row.
ORPHANS = {"photos/former_jsmith.jpg": "photo of a former employee (John Smith): no staff row -> DAT002"}


def _email(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(ascii_name.lower().replace("-", "").split()) + "@" + DOMAIN


def _seed(eid: str, salt: int = 0) -> int:
    return int(eid[1:]) * 7 + salt


def _spec(person: Person, **kw):
    skin = SKIN_TONES[person.skin]
    return random_spec(_seed(person.employee_id), skin=skin, **{**HOUSE, **kw})


def _exif(camera, date: str | None, software: str | None = None, seq: int = 0) -> Image.Exif | None:
    if not camera and not date and not software:
        return None
    exif = Image.Exif()
    if camera:
        exif[0x010F], exif[0x0110] = camera
    if software:
        exif[0x0131] = software
    if date:
        stamp = f"{date.replace('-', ':')} {10 + seq // 60 % 8:02d}:{seq % 60:02d}:{(seq * 17) % 60:02d}"
        exif.get_ifd(0x8769)[0x9003] = stamp
        exif.get_ifd(0x8769)[0x9004] = stamp
    return exif


def _xmp(fields: dict[str, str]) -> bytes:
    ns = {"Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
          "photoshop": "http://ns.adobe.com/photoshop/1.0/",
          "xmp": "http://ns.adobe.com/xap/1.0/"}
    used = sorted({k.split(":")[0] for k in fields})
    attrs = " ".join(f'xmlns:{p}="{ns[p]}"' for p in used)
    props = "".join(f"\n   {k}=\"{v}\"" for k, v in fields.items())
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
            ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            f'  <rdf:Description rdf:about="" {attrs}{props}/>\n'
            ' </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end="w"?>').encode("utf-8")


def render_person(person: Person) -> Image.Image:
    """The photo of `person` as pixels, in their look."""
    look = person.look
    if look in ("ai", "ai_square"):
        kw = dict(AI_LOOK)
        if look == "ai_square":
            kw.update(width=1024, height=1024, head_scale=0.34, head_center=(0.5, 0.43))
        return render_portrait(_spec(person, **kw))
    if look == "tight":
        return render_portrait(_spec(person, head_scale=0.56, head_center=(0.5, 0.47)))
    if look == "white":
        return render_portrait(_spec(person, backdrop=(246, 246, 244), backdrop_gradient=0.03))
    img = render_portrait(_spec(person))
    if look == "greyscale":
        return img.convert("L")
    if look == "warm":
        a = np.asarray(img, np.float32) * np.array([1.12, 1.0, 0.78], np.float32) + np.array([12, 4, 0], np.float32)
        return Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8), "RGB")
    if look == "blurry":
        return img.filter(ImageFilter.GaussianBlur(4))
    if look == "lowres":
        return img.resize((240, 300), Image.Resampling.LANCZOS)
    if look == "dark":
        lin = (np.asarray(img, np.float32) / 255) ** 2.2 * 0.3  # -1.7 stops in linear light
        return Image.fromarray(np.clip(lin ** (1 / 2.2) * 255 + 0.5, 0, 255).astype(np.uint8), "RGB")
    return img


def save_photo(img: Image.Image, path: Path, person: Person | None, seq: int) -> str | None:
    """Write `img` with the person's metadata; returns a note if something could not be made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    marker = person.marker if person else None
    if marker == "png_a1111":
        info = PngImagePlugin.PngInfo()
        info.add_text("parameters", A1111)
        img.save(path, "PNG", pnginfo=info, optimize=False, compress_level=9)
        return None
    kw: dict = {"quality": QUALITY}
    if marker == "xmp_dst":
        kw["xmp"] = _xmp({"Iptc4xmpExt:DigitalSourceType": TRAINED, "xmp:CreatorTool": "Headshot Studio AI"})
    elif marker == "xmp_credit":
        kw["xmp"] = _xmp({"Iptc4xmpExt:DigitalSourceType": TRAINED, "photoshop:Credit": "Made with Google AI"})
    software = "Midjourney" if marker == "exif_midjourney" else None
    exif = _exif(person.camera, person.exif_date, software, seq) if person else None
    if exif is not None:
        kw["exif"] = exif
    if person and person.look == "truncated":
        buf = io.BytesIO()
        img.save(buf, "JPEG", **kw)
        path.write_bytes(buf.getvalue()[: len(buf.getvalue()) * 2 // 5])  # the upload broke off
        return None
    if marker == "c2pa" and _signed_copy_of(path, img, kw):
        return None  # keep the earlier signature: re-signing would change the bytes for nothing
    img.save(path, "JPEG", **kw)
    if marker == "c2pa":
        try:
            from tests.synth.markers import with_c2pa

            with_c2pa(path, path, source_type=TRAINED, claim_generator="Northwind headshot generator")
        except Exception as exc:  # noqa: BLE001 - the sample is still useful without it
            return f"{path.name}: written without a C2PA manifest ({type(exc).__name__}: {exc})"
    return None


def _signed_copy_of(path: Path, img: Image.Image, kw: dict) -> bool:
    """Whether `path` already holds a C2PA-signed file of exactly these pixels."""
    if not path.is_file() or b"c2pa" not in path.read_bytes():
        return False
    buf = io.BytesIO()
    img.save(buf, "JPEG", **kw)
    try:
        with Image.open(path) as old, Image.open(buf) as new:
            return old.size == new.size and old.tobytes() == new.tobytes()
    except OSError:
        return False


def write_csv(out: Path) -> None:
    cols = ["employee_id", "name", "title", "department", "email", "photo", "photo_date", "photo_source",
            "client_facing", "seniority", "platforms"]
    with open(out / "staff.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for p in PEOPLE:
            w.writerow([p.employee_id, p.name, p.title, p.department, _email(p.name), p.photo, p.photo_date,
                        p.photo_source, p.client_facing, p.seniority, p.platforms])


def write_readme(out: Path) -> None:
    lines = [
        "# Sample portfolio: Northwind Advisory",
        "",
        "A fictional consulting firm's staff headshots and `staff.csv`, for trying the audit and for its tests:",
        "",
        "    headshot-audit run sample_portfolio --as-of " + AUDIT_DATE,
        "",
        "Every photo is a **synthetic** portrait drawn by `tests/synth/portrait.py`; no real person is shown.",
        "The folder is written by `scripts/make_sample_portfolio.py` (deterministic; a test regenerates it and",
        "compares) - change the script, not these files. This README is generated too.",
        "",
        "Most photos share one house style: a grey-blue studio backdrop, the same framing and key light,",
        f"camera EXIF ({CAMERA[0]} {CAMERA[1]}) and photo_source = photographer, from three sessions",
        f"({S1}, {S2}, {S3}). The AI headshots are smoother (no sensor noise), evenly lit, without",
        "catch-lights, on a lighter backdrop. Dates are planted relative to the audit date " + AUDIT_DATE + ".",
        "",
        "## Planted problems",
        "",
        "| employee_id | name | file | planted | a correct audit raises | may also raise |",
        "|---|---|---|---|---|---|",
    ]
    for p in PEOPLE:
        if p.planted.startswith("none"):
            continue
        files = ", ".join(f"`{f}`" for f in [p.file or p.photo or "-", *p.extra_files] if f)
        lines.append(f"| {p.employee_id} | {p.name} | {files} | {p.planted} | {p.expect} | {p.also} |")
    for f, what in ORPHANS.items():
        lines.append(f"| - | - | `{f}` | {what.split(' -> ')[0]} | {what.split(' -> ')[1]} | |")
    clean = [p.employee_id for p in PEOPLE if p.planted.startswith("none") or p.planted.startswith("his photo")]
    lines += [
        "",
        "Rule codes are those of `rules/default.toml`. Rows not listed have nothing planted"
        f" ({', '.join(sorted(set(clean) - {'E1009'}))}): any finding there is a false positive.",
        "The C2PA manifest on `" + C2PA_FILE + "` is signed with a throw-away test certificate that no",
        "trust list knows, and its bytes change on every regeneration (its pixels do not).",
        "",
    ]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def generate(out: Path) -> list[str]:
    """Write the portfolio into `out`; returns notes about anything that could not be made."""
    out.mkdir(parents=True, exist_ok=True)
    photos = out / "photos"
    made = {p.file for p in PEOPLE if p.file} | {x for p in PEOPLE for x in p.extra_files} | set(ORPHANS)
    if photos.is_dir():  # files from an earlier run that the script no longer makes
        for old in photos.iterdir():
            if old.is_file() and old.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp") \
                    and f"photos/{old.name}" not in made:
                old.unlink()
    notes: list[str] = []
    by_id: dict[str, Image.Image] = {}
    for seq, p in enumerate(PEOPLE):
        if not p.file:
            continue
        if p.look.startswith("copy_of_"):
            src = by_id[p.look[len("copy_of_"):]]
            img = src.resize((round(src.width * 0.85), round(src.height * 0.85)), Image.Resampling.LANCZOS)
            img.save(out / p.file, "JPEG", quality=60)
            continue
        img = render_person(p)
        by_id[p.employee_id] = img
        note = save_photo(img, out / p.file, p, seq)
        if note:
            notes.append(note)
    # E1005's earlier session: the same person (seed), another backdrop, clothes and camera.
    e1005 = next(p for p in PEOPLE if p.employee_id == "E1005")
    old = render_portrait(_spec(e1005, backdrop=(88, 88, 92), clothing=(95, 70, 55), light_direction=0.3,
                                head_scale=0.27))
    old.save(out / "photos/E1005_old.jpg", "JPEG", quality=QUALITY, exif=_exif(OLD_CAMERA, "2022-05-10", None, 99))
    # A former employee's photo nobody removed.
    former = Person("E0870", "John Smith", "", "", "mid", "no", "", skin=2, exif_date="2023-02-08")
    save_photo(render_portrait(_spec(former)), out / "photos/former_jsmith.jpg", former, 98)
    write_csv(out)
    write_readme(out)
    return notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "sample_portfolio")
    args = ap.parse_args(argv)
    for note in generate(args.out):
        print("note:", note, file=sys.stderr)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
