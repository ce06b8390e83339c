"""The human report: gather everything into one context, render the Jinja2 template, and print
it to PDF with WeasyPrint.

One context serves two media. The HTML is the whole document (every person, the full contact
sheet). The PDF is bounded whatever the company size: the summary, the changes, the charts and
the per-person action list in full, then the flagged people in detail and the contact sheet up
to the policy's `[report] pdf_max_people` / `pdf_max_thumbnails` (most urgent first), with a
note that says where the rest is (report.html, actions.csv).

Thumbnails are embedded as small data: URLs (never the originals), and WeasyPrint's fetcher
(`templating.local_only_fetcher`) refuses anything that is not a data: URL or a file inside the
output folder. The summary sentences live in `summary_text`, the budget plan in `budget_plan`. With
`anonymize`, no face is embedded at all: each person is an initials tile of their pseudonym.
"""

from __future__ import annotations

import base64
import io
import mimetypes
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from ..errors import ReportError
from ..features.decode import MAX_PIXELS
from ..ai_evidence import detector_figures
from ..features.thumbnail import THUMB_QUALITY, THUMB_SIZE
from ..findings import SEVERITIES, severity_rank
from ..history import TREND_NUMBERS, History
from ..input_summary import public
from ..pipeline import AuditResult
from ..recommend import ACTION_LABELS, ACTIONS, priority_sorted
from .budget_plan import budget_options, plan_budget
from .options import ReportOptions, check_accent
from .summary_text import executive_summary, role_context, since_last
from .pdf_print import PDF_OPTIONS
from .templating import html_to_pdf, make_environment

LOGO_MAX_BYTES = 2_000_000


# -- pictures ---------------------------------------------------------------------------------

def thumbnail_data_url(root: Path, file: str, size: int = THUMB_SIZE) -> str | None:
    """A small JPEG of the photo as a data: URL, or None when the photo cannot be read.
    JPEGs are DCT-scaled while decoding, so a 12 MP photo costs a fraction of a full decode."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(root / file) as im:
                if im.size[0] * im.size[1] > MAX_PIXELS:
                    return None
                if im.format == "JPEG":
                    im.draft("RGB", (size * 2, size * 2))
                im.load()
                img = ImageOps.exif_transpose(im).convert("RGB")
    except Exception:  # any unreadable photo is a finding already; here it is just no thumbnail
        return None
    img.thumbnail((size, size), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=THUMB_QUALITY, optimize=True)
    return _jpeg_url(buf.getvalue())


def _jpeg_url(data: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def thumbnails_for(root: Path, files: list[str], jobs: int = 1,
                   made: dict[str, bytes] | None = None) -> dict[str, str | None]:
    """Thumbnails of `files` as data: URLs: those the audit `made` while measuring the photos as
    they are, the rest decoded on `jobs` threads (Pillow releases the GIL while decoding)."""
    files = list(dict.fromkeys(files))
    made = made or {}
    ready = {f: _jpeg_url(made[f]) for f in files if f in made}
    files = [f for f in files if f not in ready]
    if not files:
        return ready
    if jobs <= 1 or len(files) < 8:
        return ready | {f: thumbnail_data_url(root, f) for f in files}
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        return ready | dict(zip(files, ex.map(lambda f: thumbnail_data_url(root, f), files)))


def logo_data_url(path: Path) -> str:
    """The logo as a data: URL (PNG, JPEG or SVG). Raises ReportError naming the file."""
    mime = mimetypes.guess_type(path.name)[0]
    if mime not in ("image/png", "image/jpeg", "image/svg+xml"):
        raise ReportError(f"{path}: the logo must be a PNG, JPEG or SVG file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read the logo: {exc.strerror or exc}") from None
    if len(data) > LOGO_MAX_BYTES:
        raise ReportError(f"{path}: the logo is larger than {LOGO_MAX_BYTES // 1_000_000} MB")
    if mime != "image/svg+xml":
        try:
            with Image.open(io.BytesIO(data)) as im:
                im.verify()
        except Exception:
            raise ReportError(f"{path}: the logo is not a readable image") from None
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def initials(name: str | None, fallback: str | None = None) -> str:
    words = [w for w in re.split(r"[\s_.\-]+", name or "") if w and w[0].isalnum()]
    if not words:
        return (fallback or "?")[:2].upper()
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()




# -- the data ---------------------------------------------------------------------------------

def _ages_by_source(result: AuditResult) -> dict[str, list[float]]:
    photos = result.photos
    capture = dict(zip(photos["file"], photos["capture_date"])) if "capture_date" in photos else {}
    out: dict[str, list[float]] = {}
    for p in result.staff.itertuples(index=False):
        d = p.photo_date or capture.get(p.file)
        if not isinstance(d, str):
            continue
        try:
            months = (result.config.as_of - date.fromisoformat(d[:10])).days / (365.25 / 12)
        except ValueError:
            continue
        out.setdefault(p.photo_source or "unknown", []).append(max(months, 0.0))
    return out


def _ai_by_department(result: AuditResult) -> list[tuple[str, int, int, int, int]]:
    """(department, confirmed AI, suspected AI, source unknown, photos) per department."""
    status = result.ai_status_by_person()
    rows: dict[str, list[int]] = {}
    for p in result.staff.itertuples(index=False):
        st = status.get(p.employee_id)
        if st is None:
            continue
        r = rows.setdefault(p.department or "(none)", [0, 0, 0, 0])
        r[3] += 1
        r[0] += st == "confirmed"
        r[1] += st == "suspected"
        r[2] += st == "unknown"
    return [(d, *r) for d, r in rows.items()]


def _house(result: AuditResult) -> dict[str, Any] | None:
    """The set's house style in a few plain lines (from the pipeline's house-style summary)."""
    s = getattr(result, "style_summary", None) or {}
    house = s.get("house") or {}
    if not s.get("enough_photos") or not house:
        return None

    def val(col: str) -> float | None:
        return (house.get(col) or {}).get("value")

    rows = []
    L, a, b = val("backdrop_L"), val("backdrop_a"), val("backdrop_b")
    if None not in (L, a, b):
        from ..checks.consistency import colour_name

        rows.append(("Backdrop", f"{colour_name(L, a, b)} ({s.get('backdrop_hex') or ''})"))
    if val("head_size") is not None:
        rows.append(("Head size", f"{val('head_size'):.0%} of the frame height"))
    if val("eye_line") is not None:
        rows.append(("Eye line", f"{val('eye_line'):.0%} from the top"))
    if s.get("orientation"):
        ratio = val("aspect_ratio")
        rows.append(("Format", s["orientation"] + (f", {ratio:.2f} width/height" if ratio else "")))
    if val("short_side_px") is not None:
        rows.append(("Typical size", f"{val('short_side_px'):,.0f} px short side"))
    rows.append(("Colour", "black-and-white" if (s.get("greyscale_share") or 0) > 0.5 else "colour"))
    return {"rows": rows, "swatch": s.get("backdrop_hex"), "n_outliers": s.get("n_outliers"),
            "learned_from": s.get("learned_from") or "this set",
            "n_styles": s.get("n_styles"), "main_share": s.get("main_share"), "set_score": s.get("set_score")}


def _styles(result: AuditResult) -> list[dict[str, Any]]:
    summary = getattr(result, "style_summary", None) or {}
    if len(summary.get("styles") or []) > 1:
        return [{k: v for k, v in st.items() if k != "files"} for st in summary["styles"]]
    for f in result.findings:
        if f.code == "CON010" and f.evidence.get("styles"):
            return list(f.evidence["styles"])
    photos = result.photos
    if "style_group" not in photos:
        return []
    groups = photos["style_group"].dropna()
    if groups.nunique() < 2:
        return []
    n = len(groups)
    out = []
    for label, size in groups.value_counts().items():
        hexes = photos.loc[photos["style_group"] == label, "backdrop_hex"].dropna() if "backdrop_hex" in photos else []
        out.append({"label": label, "size": int(size), "share": round(size / n, 3),
                    "backdrop_hex": hexes.mode().iloc[0] if len(hexes) else None})
    return out


def _charts(result: AuditResult, history: History | None) -> dict[str, str | None]:
    from . import charts

    by_kind: dict[str, dict[str, int]] = {}
    for f in result.findings:
        by_kind.setdefault(f.category, {}).setdefault(f.severity, 0)
        by_kind[f.category][f.severity] += 1
    out = {
        "ages": charts.age_distribution(_ages_by_source(result), result.policy["staleness"]),
        "kinds": charts.findings_by_kind(by_kind),
        "ai_departments": charts.ai_share_by_department(_ai_by_department(result)),
        "styles": charts.style_groups(_styles(result)),
        "trend": None,
    }
    if history and history.trend:
        out["trend"] = charts.trends(history.trend, [t for t in TREND_NUMBERS if t[0] != "staff"][:4])
    return out




def build_context(result: AuditResult, history: History | None = None, options: ReportOptions | None = None,
                  thumbnails: bool | None = None, full: bool = True, scope: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the template shows, for both media. `result` is the (possibly anonymised)
    result to print. `full=False` (PDF only) makes thumbnails only for the people the PDF shows.
    `scope`: for one group's report of a split run, {"column", "value", "staff_total"}."""
    options = options or ReportOptions()
    if thumbnails is None:
        thumbnails = options.thumbnails and not options.anonymize
    policy = result.policy
    rep = policy["report"]
    s = result.summary()
    photos = {r["file"]: r for r in result.photos[[c for c in ("file", "error", "ai_score", "ai_basis")
                                                  if c in result.photos]].to_dict("records")}
    staff = result.staff.to_dict("records")
    recs = {r.employee_id: r for r in result.recommendations}
    rank = {r.employee_id: i + 1 for i, r in enumerate(priority_sorted(result.recommendations, result.findings))}
    per_person: dict[str, list] = {}
    unowned = []
    for f in result.findings:
        (per_person.setdefault(f.employee_id, []) if f.employee_id else unowned).append(f)

    people = []
    for p in staff:
        found = sorted(per_person.get(p["employee_id"], []), key=lambda f: -severity_rank(f.severity))
        worst = found[0].severity if found else None
        rec = recs.get(p["employee_id"])
        people.append({
            **p, "findings": found, "rec": rec, "worst": worst, "rank": rank.get(p["employee_id"], 10**9),
            "readable": bool(p["file"] and photos.get(p["file"]) and not photos[p["file"]].get("error")),
            "initials": initials(p.get("name"), p.get("employee_id")),
            "flags": sorted({f.category for f in found if f.severity != "info"}),
        })
    for x in people:
        x["why"] = _without_subject(x["rec"].reason, x.get("name"), x["employee_id"]) if x["rec"] else ""
    people.sort(key=lambda x: x["rank"])
    for i, x in enumerate(people, start=1):
        x["anchor"] = f"p-{i}"  # the card's id: a position, so no name or id ends up in a link
    flagged = [x for x in people if any(f.severity != "info" for f in x["findings"])]
    max_people = int(rep.get("pdf_max_people", 60))
    max_thumbs = int(rep.get("pdf_max_thumbnails", 160))
    max_actions = int(rep.get("pdf_max_actions", 250))
    # The PDF's contact sheet: people with an action first (most urgent first), then the rest.
    sheet_pdf = people[:max_thumbs]
    detail_pdf = flagged[:max_people]

    thumbs: dict[str, str | None] = {}
    if thumbnails:
        shown = people if full else {id(x): x for x in sheet_pdf + detail_pdf}.values()
        wanted = [x["file"] for x in shown if x["readable"]]
        thumbs = thumbnails_for(result.inventory.root, wanted, jobs=max(1, result.config.jobs),
                                made=getattr(result, "thumbnails", None))
    for x in people:
        x["thumb"] = thumbs.get(x["file"]) if x["file"] else None

    groups = []
    n_action = sum(1 for x in people if x["rec"] and x["rec"].action != "keep")
    for action in ACTIONS:
        if action == "keep":
            continue
        members = [x for x in people if x["rec"] and x["rec"].action == action]
        if not members:
            continue
        by_priority: list[dict[str, Any]] = []
        # Each action gets its share of the PDF's rows (at least 20), most urgent first.
        quota = max(20, round(max_actions * len(members) / max(n_action, 1)))
        reasons: dict[str, int] = {}
        for x in members:
            for code in x["rec"].codes:
                reasons[code] = reasons.get(code, 0) + 1
        for sev in reversed(SEVERITIES):
            ms = [x for x in members if x["rec"].priority == sev]
            if ms:
                rows = ms[:max(0, quota - sum(len(b["people_pdf"]) for b in by_priority))]
                by_priority.append({"priority": sev, "people": ms, "people_pdf": rows,
                                    "hidden_pdf": len(ms) - len(rows)})
        b = result.budget["by_action"][action]
        groups.append({"action": action, "label": ACTION_LABELS[action], "count": len(members),
                       "reasons": [(policy.rules[c].name if c in policy.rules else c, n)
                                   for c, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))],
                       "shown_pdf": sum(len(b["people_pdf"]) for b in by_priority),
                       "by_priority": by_priority, "low": b["low"], "high": b["high"]})
    keep = [x for x in people if x["rec"] and x["rec"].action == "keep"]

    logo = options.logo or (Path(rep["logo"]) if rep.get("logo") else None)
    if logo is not None and options.logo is None and policy.base_dir is not None and not logo.is_absolute():
        logo = policy.base_dir / logo
    accent = check_accent(options.accent or rep["accent_color"],
                          "--accent" if options.accent else f"{policy.source}: report.accent_color")
    changes = history.changes if history else None
    changes_ctx = None
    if changes:
        sev_of = changes.severity
        leavers = set(changes.resolved_with_leavers)
        new_sorted = sorted((k for k in changes.new if sev_of.get(k) != "info"),
                            key=lambda k: (-severity_rank(sev_of.get(k, "info")), k))
        by_key = {f.key: f for f in result.findings}
        names = {x["employee_id"]: x.get("name") for x in people}
        changes_ctx = {
            "previous_as_of": changes.previous_as_of, "counts": changes.counts(),
            "new_findings": [by_key[k] for k in new_sorted if k in by_key],
            "resolved_by_code": _count_codes([k for k in changes.resolved if k not in leavers and sev_of.get(k) != "info"]),
            "replaced": changes.photos_replaced, "joined": [(e, names.get(e)) for e in changes.joined],
            "left": [(e, changes.left_names.get(e)) for e in changes.left], "persisting": len(changes.persisting),
        }
    return {
        "title": rep["title"],
        "organisation": policy["organisation"]["name"],
        "client": options.client if options.client is not None else rep["client"],
        "consultant": options.consultant if options.consultant is not None else rep["consultant"],
        "logo": logo_data_url(logo) if logo else None,
        "accent": accent,
        "anonymized": options.anonymize,
        "as_of": result.config.as_of.isoformat(),
        "generated": date.today().isoformat(),
        "summary": s,
        "executive": executive_summary(result, s, history),
        "since_last": since_last(history, s),
        "changes": changes_ctx,
        "trend": history.trend if history else [],
        "trend_numbers": TREND_NUMBERS,
        "charts": _charts(result, history),
        "house": _house(result),
        "people": people,
        "first_in_line": [x for x in people if x["rec"] and x["rec"].action != "keep"][:5],
        "flagged": flagged,
        "detail_pdf": detail_pdf,
        "sheet_pdf": sheet_pdf,
        "max_people": max_people,
        "max_thumbs": max_thumbs,
        "max_actions": max_actions,
        "max_findings_per_person": int(rep.get("pdf_max_findings_per_person", 4)),
        "pdf_in_two_parts": bool(rep.get("pdf_in_two_parts", True)),
        "action_groups": groups,
        "keep": keep,
        "names": {x["employee_id"]: x.get("name") for x in people},
        "departments": sorted({str(x["department"]) for x in people if x.get("department")}, key=str.lower),
        "action_labels": ACTION_LABELS,
        "actions": ACTIONS,
        "unowned": unowned,
        "severities": list(reversed(SEVERITIES)),
        "budget": result.budget,
        "plan": plan_budget(result.budget),
        "budget_options": budget_options(result),
        "policy": policy,
        "rules": policy.rules,
        "staleness": policy["staleness"],
        "detector": detector_figures(),
        "ai_caveat": detector_figures().caveat(policy["ai"]["suspect_score"]),
        "ai_limits": policy["ai"],
        "role_context": role_context(policy),
        "column_map": result.column_map,
        "input": public(result.input, options.anonymize),
        "scope": scope,
    }


def _without_subject(text: str, name: str | None, employee_id: str | None) -> str:
    """'Bo Chan (E2): photo is 60 months old' -> 'Photo is 60 months old' where the person is
    already printed beside it."""
    for prefix in (f"{name} ({employee_id})", name, employee_id):
        if prefix and text.startswith(prefix):
            rest = text[len(prefix):].lstrip(" :,")
            if not rest or rest.lower().startswith(("and ", "or ")):  # "X and Y have ..." keeps its subject
                return text
            return rest[:1].upper() + rest[1:]
    return text


def _count_codes(keys: list[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for k in keys:
        code = k.split("|", 1)[0]
        counts[code] = counts.get(code, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def render_html(result: AuditResult, template_dir: Path | None = None, thumbnails: bool = True,
                history: History | None = None, options: ReportOptions | None = None,
                medium: str = "html", context: dict[str, Any] | None = None) -> str:
    """The report as HTML. `medium` "html" is the whole document; "pdf" the bounded one."""
    options = options or ReportOptions(template_dir=template_dir, thumbnails=thumbnails)
    env = make_environment(options.template_dir or template_dir)
    ctx = context if context is not None else build_context(result, history, options)
    return env.get_template("report.html").render(**ctx, medium=medium)


def render_index(result: AuditResult, column: str, groups: list[dict[str, Any]],
                 options: ReportOptions | None = None) -> str:
    """by-COLUMN/index.html of a split run: one line per group, linking to its report."""
    options = options or ReportOptions()
    rep = result.policy["report"]
    env = make_environment(options.template_dir)
    return env.get_template("split_index.html").render(
        title=rep["title"], organisation=result.policy["organisation"]["name"],
        client=options.client if options.client is not None else rep["client"],
        accent=check_accent(options.accent or rep["accent_color"]), anonymized=options.anonymize,
        as_of=result.config.as_of.isoformat(), column=column, groups=groups, currency=result.budget["currency"])


def render_pdf(html: str, out_dir: Path, printer: Any = None) -> bytes:
    """PDF bytes of the report HTML (which carries its own stylesheet). Images are embedded
    once each and compressed, so the file stays small. `printer`: a `pdf_printer` that was
    sent this HTML, printing it in two parts at once; None prints it here."""
    if printer is not None:
        return printer.pdf()
    return html_to_pdf(html, out_dir, **PDF_OPTIONS)
