"""The human report: gather everything into one context, render the Jinja2 template once,
and print it to PDF with WeasyPrint.

Thumbnails are embedded as small data: URLs (never the originals), and WeasyPrint's fetcher
refuses anything that is not a data: URL or a file inside the output folder, so a hostile
name or path in the CSV cannot make the renderer read or fetch anything else.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from PIL import Image

from ..features.decode import DecodeError, decode
from ..findings import SEVERITIES, severity_rank
from ..pipeline import AuditResult
from ..recommend import ACTION_LABELS, ACTIONS

THUMB_SIZE = 160


class ReportError(RuntimeError):
    """The report could not be rendered."""


def template_dirs(extra: Path | None = None) -> list[str]:
    dirs = [str(extra)] if extra else []
    dirs.append(str(resources.files("audit").joinpath("report_templates")))
    return dirs


def make_environment(extra_dir: Path | None = None) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(d) for d in template_dirs(extra_dir)]),
        autoescape=select_autoescape(["html", "xml", "j2"], default_for_string=True, default=True),
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v, digits=0: "–" if v is None else f"{v * 100:.{digits}f}%"
    env.filters["money"] = lambda v: f"{v:,.0f}"
    env.filters["months"] = lambda v: "–" if v is None else f"{v:.0f} months"
    return env


def thumbnail_data_url(root: Path, file: str, size: int = THUMB_SIZE) -> str | None:
    """A small JPEG of the photo as a data: URL, or None when the photo cannot be read."""
    try:
        decoded = decode(root / file, file)
    except (DecodeError, OSError):
        return None
    img: Image.Image = decoded.image
    img.thumbnail((size, size))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=78, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def forensic_evaluation() -> dict[str, Any] | None:
    """The committed accuracy figures of the forensic AI model, if it ships."""
    try:
        text = resources.files("audit").joinpath("models", "forensic.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return None
    try:
        model = json.loads(text)
    except json.JSONDecodeError:
        return None
    return {"evaluation": model.get("evaluation"), "sources": model.get("training_sources") or model.get("sources")}


def _executive_summary(result: AuditResult, s: dict[str, Any]) -> list[str]:
    b = result.budget
    counts = {a: b["by_action"][a]["count"] for a in ACTIONS}
    cur = b["currency"]
    lines = [
        f"We audited {s['photos']} photo files for {s['staff']} staff members "
        f"({s['staff_with_photo']} have a photo we could match).",
    ]
    act = []
    if counts["retake"]:
        act.append(f"{counts['retake']} need a retake with a photographer")
    if counts["refresh"]:
        act.append(f"{counts['refresh']} need a refreshed photo")
    if counts["fix"]:
        act.append(f"{counts['fix']} need their crop or background fixed")
    if counts["review"]:
        act.append(f"{counts['review']} need a human review")
    if act:
        lines.append("Of the staff, " + ", ".join(act) + f"; {counts['keep']} can keep their photo.")
    else:
        lines.append("Every staff member can keep their current photo.")
    role = [f for f in result.findings if f.code == "ROL001" and f.severity in ("high", "critical")]
    if s["ai_photos"]:
        lines.append(
            f"{s['ai_photos']} photos look AI-generated ({s['ai_confirmed']} confirmed by provenance metadata or "
            f"declared by HR)" + (f"; {len(role)} of them in high-stakes roles, where the article's advice is a "
                                  "photographer's portrait." if role else "."))
    lines.append(f"Estimated budget: {cur} {b['total_low']:,.0f}–{b['total_high']:,.0f}"
                 + (" — a group photo day would be cheaper than individual sessions." if b.get("photo_day") and b["photo_day"]["cheaper"] else "."))
    return lines


def build_context(result: AuditResult, thumbnails: bool = True) -> dict[str, Any]:
    s = result.summary()
    root = result.inventory.root
    photos = {r["file"]: r for r in result.photos.to_dict("records")}
    staff = result.staff.to_dict("records")
    recs = {r.employee_id: r for r in result.recommendations}
    per_person: dict[str, list] = {}
    unowned = []
    for f in result.findings:
        (per_person.setdefault(f.employee_id, []) if f.employee_id else unowned).append(f)

    thumbs: dict[str, str | None] = {}

    def thumb(file: str | None) -> str | None:
        if not thumbnails or not file:
            return None
        if file not in thumbs:
            ok = photos.get(file) and not photos[file].get("error")
            thumbs[file] = thumbnail_data_url(root, file) if ok else None
        return thumbs[file]

    people = []
    for p in staff:
        found = sorted(per_person.get(p["employee_id"], []), key=lambda f: -severity_rank(f.severity))
        photo = photos.get(p["file"]) if p["file"] else None
        worst = found[0].severity if found else None
        people.append({
            **p, "findings": found, "photo_row": photo, "thumb": thumb(p["file"]),
            "rec": recs.get(p["employee_id"]), "worst": worst,
            "flags": sorted({f.category for f in found if f.severity != "info"}),
        })
    people_by_action = {a: [x for x in people if x["rec"] and x["rec"].action == a] for a in ACTIONS}
    policy = result.policy
    return {
        "title": policy["report"]["title"],
        "organisation": policy["organisation"]["name"],
        "client": policy["report"]["client"],
        "consultant": policy["report"]["consultant"],
        "accent": policy["report"]["accent_color"],
        "as_of": result.config.as_of.isoformat(),
        "generated": date.today().isoformat(),
        "summary": s,
        "executive": _executive_summary(result, s),
        "people": people,
        "people_with_findings": [x for x in people if any(f.severity != "info" for f in x["findings"])],
        "people_by_action": people_by_action,
        "action_labels": ACTION_LABELS,
        "actions": ACTIONS,
        "unowned": unowned,
        "severities": list(reversed(SEVERITIES)),
        "budget": result.budget,
        "policy": policy,
        "rules": policy.rules,
        "staleness": policy["staleness"],
        "forensic": forensic_evaluation(),
        "column_map": result.column_map,
    }


def render_html(result: AuditResult, template_dir: Path | None = None, thumbnails: bool = True) -> str:
    env = make_environment(template_dir)
    return env.get_template("report.html").render(**build_context(result, thumbnails))


def _allowed(url: str, root: Path) -> bool:
    if url.startswith("data:"):
        return True
    if url.startswith("file:"):
        from urllib.parse import unquote, urlparse

        path = Path(unquote(urlparse(url).path)).resolve()
        return path == root or root in path.parents
    return False


def local_only_fetcher(out_dir: Path) -> Any:
    """A WeasyPrint URL fetcher that serves data: URLs and files inside `out_dir`, nothing else.
    (WeasyPrint >= 66 takes a URLFetcher object; older releases a function.)"""
    import weasyprint.urls as wurls

    root = out_dir.resolve()

    def refuse(url: str) -> None:
        raise ReportError(f"refused to load {url[:80]!r}: the report only embeds local files")

    if hasattr(wurls, "URLFetcher"):
        class LocalOnly(wurls.URLFetcher):
            def fetch(self, url: str, headers: Any = None) -> Any:
                if not _allowed(url, root):
                    refuse(url)
                return super().fetch(url, headers)

        return LocalOnly(allowed_protocols={"data", "file"})

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover (old WeasyPrint)
        if not _allowed(url, root):
            refuse(url)
        return wurls.default_url_fetcher(url, *args, **kwargs)

    return fetch


def render_pdf(html: str, out_dir: Path) -> bytes:
    """PDF bytes of the report HTML (which carries its own stylesheet)."""
    from weasyprint import HTML

    doc = HTML(string=html, base_url=out_dir.resolve().as_uri() + "/", url_fetcher=local_only_fetcher(out_dir))
    return doc.write_pdf()
