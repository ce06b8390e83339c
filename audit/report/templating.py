"""The one Jinja environment and the one URL fetcher behind every document headshot-audit draws
(the report and the house-style brief), so both look in the same template folders, format
numbers alike and load nothing from outside.

Templates are found in the user's `--template-dir` first, then in the package's
`report_templates/` (a consultant restyles one file without forking the rest). WeasyPrint's
fetcher serves data: URLs and files inside one folder only: a hostile name or path in the staff
CSV can never make the renderer read a local file or call the network.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from ..errors import ReportError


def template_dirs(extra: Path | None = None) -> list[str]:
    """The user's template folder (when given), then the package's."""
    dirs = [str(extra)] if extra else []
    dirs.append(str(resources.files("audit").joinpath("report_templates")))
    return dirs


def short_money(v: float | None) -> str:
    """12,345 -> '12k', 1,234,567 -> '1.23M' (for the summary tiles)."""
    if v is None:
        return "–"
    if v >= 1_000_000:
        return f"{v / 1_000_000:.3g}M"
    if v >= 10_000:
        return f"{v / 1000:.0f}k"
    return f"{v:,.0f}"


def make_environment(extra_dir: Path | None = None) -> Environment:
    """The Jinja environment: autoescape on everywhere, the number filters registered once."""
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(d) for d in template_dirs(extra_dir)]),
        autoescape=select_autoescape(["html", "xml", "j2"], default_for_string=True, default=True),
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v, digits=0: "–" if v is None else f"{v * 100:.{digits}f}%"
    env.filters["money"] = lambda v: "–" if v is None else f"{v:,.0f}"
    env.filters["months"] = lambda v: "–" if v is None else f"{v:.0f} months"
    env.filters["num"] = lambda v: "–" if v is None else f"{v:,.0f}"
    env.filters["kmoney"] = short_money
    return env


def _allowed(url: str, root: Path | None) -> bool:
    if url.startswith("data:"):
        return True
    if root is not None and url.startswith("file:"):
        path = Path(unquote(urlparse(url).path)).resolve()
        return path == root or root in path.parents
    return False


def local_only_fetcher(root_dir: Path | None = None) -> Any:
    """A WeasyPrint URL fetcher that serves data: URLs and files inside `root_dir` (data: only
    when None), nothing else. (WeasyPrint >= 66 takes a URLFetcher object; older releases a function.)"""
    import weasyprint.urls as wurls

    root = root_dir.resolve() if root_dir is not None else None

    def refuse(url: str) -> None:
        raise ReportError(f"refused to load {url[:80]!r}: documents only embed local files")

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


def html_to_pdf(html: str, root_dir: Path | None = None, **options: Any) -> bytes:
    """PDF bytes of a self-contained HTML document, fetching only what `local_only_fetcher`
    allows. `options` go to WeasyPrint's write_pdf (image compression, dpi)."""
    from weasyprint import HTML

    base = root_dir.resolve().as_uri() + "/" if root_dir is not None else None
    return HTML(string=html, base_url=base, url_fetcher=local_only_fetcher(root_dir)).write_pdf(**options)
