"""Measure the AI-image detector on a labelled folder: AUROC, TPR at 5% FPR, FPR at the threshold.

Labels come from `DIR/manifest.csv` (columns `file,label[,source_repo]`, label `ai` or `real`,
`file` relative to DIR) or, without a manifest, from the subfolders `real/` and `ai/`. Each file
goes through the same per-photo pipeline as a run (`audit.features.extract_one`, whose forensic
extractor gives `forensic_score`). With `launder=True` every image is first stripped of format
cues - centre square crop, resize to 512, metadata dropped, JPEG re-encode at a random quality
70-95 (fixed seed) - so a detector cannot score by file size, EXIF or format.

No scikit-learn here: the metrics are a few lines of numpy.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from .errors import EvaluationError

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".heic", ".heif"}
REPORT_THRESHOLD = 0.5
LAUNDER_SIZE = 512


# ---------------------------------------------------------------- metrics (numpy only)

def auroc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve (ties count half); None when one class is absent."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    pos, neg = s[y], s[~y]
    if len(pos) == 0 or len(neg) == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ss = s[order]
    # average ranks for ties
    i = 0
    while i < len(ss):
        j = i
        while j + 1 < len(ss) and ss[j + 1] == ss[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    r_pos = ranks[y].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2.0) / (len(pos) * len(neg)))


def tpr_at_fpr(labels: np.ndarray, scores: np.ndarray, max_fpr: float = 0.05) -> float | None:
    """Share of AI images caught at the strictest threshold whose FPR on real images is <= max_fpr."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    pos, neg = s[y], s[~y]
    if len(pos) == 0 or len(neg) == 0:
        return None
    best = 0.0
    for t in np.unique(np.concatenate([s, [np.inf]])):
        if (neg >= t).mean() <= max_fpr:
            best = max(best, float((pos >= t).mean()))
    return best


def rate_at(scores: np.ndarray, threshold: float) -> float | None:
    s = np.asarray(scores, dtype=float)
    return float((s >= threshold).mean()) if len(s) else None


def metrics(labels: Any, scores: Any, threshold: float = REPORT_THRESHOLD) -> dict[str, Any]:
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    out = {
        "n_ai": int(y.sum()), "n_real": int((~y).sum()),
        "auroc": auroc(y, s), "tpr_at_5fpr": tpr_at_fpr(y, s, 0.05),
        "fpr_at_threshold": rate_at(s[~y], threshold), "tpr_at_threshold": rate_at(s[y], threshold),
    }
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


# ---------------------------------------------------------------- laundering

def launder_image(im: Image.Image, rng: np.random.Generator, size: int = LAUNDER_SIZE,
                  jitter: float = 0.0) -> bytes:
    """JPEG bytes of `im` with format cues removed: square crop, resize, no metadata, random quality.

    `jitter` (0-1) moves the square crop off centre by up to that share of the free margin.
    """
    im = ImageOps.exif_transpose(im) if im.getexif() else im
    if im.mode != "RGB":
        bg = Image.new("RGB", im.size, (255, 255, 255))
        rgba = im.convert("RGBA")
        bg.paste(rgba, mask=rgba.getchannel("A"))
        im = bg
    w, h = im.size
    s = min(w, h)
    ox, oy = (w - s) / 2, (h - s) / 2
    if jitter:
        ox += rng.uniform(-jitter, jitter) * ox
        oy += rng.uniform(-jitter, jitter) * oy
    box = (int(round(ox)), int(round(oy)), int(round(ox)) + s, int(round(oy)) + s)
    sq = im.crop(box).resize((size, size), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    sq.save(buf, "JPEG", quality=int(rng.integers(70, 96)))
    return buf.getvalue()


# ---------------------------------------------------------------- labelled folders

def read_labels(path: str | Path) -> list[dict[str, Any]]:
    """[{file, label, source}] from DIR/manifest.csv or DIR/real + DIR/ai. Raises EvaluationError."""
    root = Path(path)
    if not root.is_dir():
        raise EvaluationError(f"{root}: not a folder")
    manifest = root / "manifest.csv"
    items: list[dict[str, Any]] = []
    if manifest.is_file():
        try:
            with open(manifest, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                fields = [f.strip().lower() for f in (reader.fieldnames or [])]
                if "file" not in fields or "label" not in fields:
                    raise EvaluationError(f"{manifest}: header must have 'file' and 'label' columns "
                                          f"(found: {', '.join(fields) or 'none'})")
                for rowno, raw in enumerate(reader, start=2):
                    row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
                    file, label = row.get("file", ""), row.get("label", "").lower()
                    if not file:
                        raise EvaluationError(f"{manifest}, row {rowno}: empty 'file'")
                    if label not in ("ai", "real"):
                        raise EvaluationError(f"{manifest}, row {rowno}: label must be 'ai' or 'real', "
                                              f"got '{row.get('label', '')}'")
                    p = (root / file)
                    if Path(file).is_absolute() or ".." in Path(file).parts:
                        raise EvaluationError(f"{manifest}, row {rowno}: file '{file}' must be inside {root}")
                    if not p.is_file():
                        raise EvaluationError(f"{manifest}, row {rowno}: file '{file}' not found")
                    items.append({"file": file.replace("\\", "/"), "label": label,
                                  "source": row.get("source_repo") or label})
        except UnicodeDecodeError:
            raise EvaluationError(f"{manifest}: not UTF-8 text") from None
    else:
        for label in ("real", "ai"):
            sub = root / label
            if not sub.is_dir():
                continue
            for p in sorted(sub.rglob("*")):
                if p.is_file() and p.suffix.lower() in IMAGE_EXTS:
                    rel = p.relative_to(root).as_posix()
                    parts = p.relative_to(sub).parts
                    items.append({"file": rel, "label": label,
                                  "source": f"{label}/{parts[0]}" if len(parts) > 1 else label})
        if not items:
            raise EvaluationError(f"{root}: no manifest.csv and no images under real/ or ai/")
    labels = {i["label"] for i in items}
    if labels != {"ai", "real"}:
        missing = ({"ai", "real"} - labels).pop()
        raise EvaluationError(f"{manifest if manifest.is_file() else root}: no '{missing}' images; need both labels")
    return items


ScoreFn = Callable[[Path, str], "float | None"]


def pipeline_score_fn(options: dict[str, Any] | None = None) -> ScoreFn:
    """Score one file with the full per-photo pipeline (all extractors, then the forensic score)."""
    from .features import extract_one

    def fn(root: Path, file: str) -> float | None:
        row = extract_one(str(root), file, options)
        return row.get("forensic_score")

    return fn


def evaluate_dir(path: str | Path, launder: bool = False, score_fn: ScoreFn | None = None,
                 threshold: float = REPORT_THRESHOLD, options: dict[str, Any] | None = None,
                 seed: int = 0, trained_sources: set[str] | None = None) -> dict[str, Any]:
    """Detector figures on a labelled folder (see the module docstring).

    `trained_sources`: the AI sources the scoring model was trained on (default: the built-in
    model's, when the built-in pipeline scores), so the per-source table can say which sources are
    new to it: only those measure how it does on generators it has not seen."""
    root = Path(path)
    items = read_labels(root)
    builtin = score_fn is None and not (options or {}).get("ai_model")  # the shipped model alone scores
    score_fn = score_fn or pipeline_score_fn(options)
    rng = np.random.default_rng(seed)
    scores: list[float | None] = []
    with tempfile.TemporaryDirectory(prefix="ha-launder-") as tmp:
        for it in items:
            if launder:
                try:
                    with Image.open(root / it["file"]) as im:
                        data = launder_image(im, rng)
                except Exception:
                    scores.append(None)
                    continue
                name = f"{len(scores):05d}.jpg"
                (Path(tmp) / name).write_bytes(data)
                scores.append(score_fn(Path(tmp), name))
            else:
                scores.append(score_fn(root, it["file"]))
    ok = [i for i, s in enumerate(scores) if s is not None]
    y = np.array([items[i]["label"] == "ai" for i in ok], dtype=bool)
    s = np.array([scores[i] for i in ok], dtype=float)
    result: dict[str, Any] = {"folder": str(root), "laundered": bool(launder), "threshold": threshold,
                              "n_files": len(items), "n_scored": len(ok),
                              "unscored": [items[i]["file"] for i in range(len(items)) if scores[i] is None]}
    result.update(metrics(y, s, threshold))
    per: dict[str, Any] = {}
    srcs = sorted({(items[i]["source"], items[i]["label"]) for i in ok})
    for src, label in srcs:
        idx = np.array([items[i]["source"] == src and items[i]["label"] == label for i in ok])
        entry: dict[str, Any] = {"label": label, "n": int(idx.sum()),
                                 "mean_score": round(float(s[idx].mean()), 4)}
        if label == "ai":
            entry["tpr_at_threshold"] = round(rate_at(s[idx], threshold), 4)
            a = auroc(np.r_[np.ones(idx.sum()), np.zeros((~y).sum())], np.r_[s[idx], s[~y]])
            entry["auroc_vs_all_real"] = None if a is None else round(a, 4)
        else:
            entry["fpr_at_threshold"] = round(rate_at(s[idx], threshold), 4)
            a = auroc(np.r_[np.ones(y.sum()), np.zeros(idx.sum())], np.r_[s[y], s[idx]])
            entry["auroc_all_ai_vs_this"] = None if a is None else round(a, 4)
        per[f"{label}:{src}"] = entry
    result["per_source"] = per
    result["by_ai_source"] = by_ai_source(per, trained_sources if trained_sources is not None
                                          else (_builtin_sources() if builtin else None))
    result["files"] = [{"file": it["file"], "label": it["label"], "source": it["source"], "score": sc}
                       for it, sc in zip(items, scores)]
    return result


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def format_text(result: dict[str, Any]) -> str:
    """A short human-readable summary of `evaluate_dir`'s result."""
    a = result.get("auroc")
    lines = [
        f"Evaluated {result['n_scored']} of {result['n_files']} files in {result['folder']}"
        + (" (laundered: square crop, 512 px, no metadata, JPEG q70-95)" if result.get("laundered") else ""),
        f"  AI images: {result['n_ai']}   real images: {result['n_real']}",
        f"  AUROC:                      {'n/a' if a is None else f'{a:.3f}'}",
        f"  TPR at 5% FPR:              {_pct(result.get('tpr_at_5fpr'))}",
        f"  at threshold {result['threshold']:.2f}: FPR {_pct(result.get('fpr_at_threshold'))}, "
        f"TPR {_pct(result.get('tpr_at_threshold'))}",
    ]
    if result.get("unscored"):
        lines.append(f"  not scored ({len(result['unscored'])}): " + ", ".join(result["unscored"][:5])
                     + (" ..." if len(result["unscored"]) > 5 else ""))
    if result.get("per_source"):
        lines.append("  per source (real photos):")
        for name, e in result["per_source"].items():
            if e["label"] == "real":
                au = e.get("auroc_all_ai_vs_this")
                lines.append(f"    {name:<50} n={e['n']:<4} false alarms {_pct(e['fpr_at_threshold'])}"
                             f"  AUROC all AI vs this {_num(au)}")
    table = result.get("by_ai_source")
    if table and any(r["source"] != "ai" for r in table["rows"]):  # sources known (source_repo or subfolders)
        lines.append("  per AI source (each source's files against all real photos; 'new' = not in the "
                     "model's training, i.e. leave-one-source-out):")
        lines.append(f"    {'source':<50} {'n':>4}  {'AUROC':>6}  {'flagged':>7}  seen in training")
        for r in table["rows"]:
            seen = {True: "yes", False: "no (new)", None: "unknown"}[r["in_training"]]
            lines.append(f"    {r['source']:<50} {r['n']:>4}  {_num(r['auroc']):>6}  {_pct(r['flagged']):>7}  {seen}")
        lines.append(f"    mean AUROC over the {table['n_sources']} AI sources with >= {table['min_files']} files: "
                     f"{_num(table['auroc_mean'])}; over the {table['n_new']} of them new to the model: "
                     f"{_num(table['auroc_mean_new'])}")
    return "\n".join(lines)


def _num(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


MIN_SOURCE_FILES = 4  # a source with fewer files gives too coarse an AUROC for the mean


def by_ai_source(per_source: dict[str, Any], trained: set[str] | None) -> dict[str, Any]:
    """The leave-one-source-out table: per AI source its AUROC against all real photos and its
    share flagged, whether the model saw that source in training (None: not known), and the mean
    AUROC over sources with enough files, overall and over the sources new to the model."""
    rows = []
    for name, e in per_source.items():
        if e["label"] != "ai":
            continue
        src = name.split(":", 1)[1]
        rows.append({"source": src, "n": e["n"], "auroc": e.get("auroc_vs_all_real"),
                     "flagged": e.get("tpr_at_threshold"), "in_training": None if trained is None else src in trained})
    big = [r for r in rows if r["n"] >= MIN_SOURCE_FILES and r["auroc"] is not None]
    new = [r for r in big if r["in_training"] is False]

    def mean(rs: list[dict[str, Any]]) -> float | None:
        return round(float(np.mean([r["auroc"] for r in rs])), 4) if rs else None

    return {"rows": rows, "min_files": MIN_SOURCE_FILES, "n_sources": len(big), "auroc_mean": mean(big),
            "n_new": len(new), "auroc_mean_new": mean(new)}


def _builtin_sources() -> set[str] | None:
    """The AI sources the shipped forensic model was trained on (None when its file says nothing)."""
    from .forensic_model import ModelError, load

    try:
        return set(load()["trained_on"]["ai_sources"])
    except (ModelError, KeyError, TypeError):
        return None
