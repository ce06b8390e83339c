"""The audit, end to end: inventory -> features -> checks -> recommendations.

Data flows one way. This module only wires the stages together; each stage lives in its own
module and knows nothing of the ones after it. Rendering the outputs is `audit.report`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__, house_style
from .ai_evidence import SOURCE_STATUSES, detector_figures, score_photos, source_status
from .cache import FeatureCache, options_digest
from .checks import CheckContext, run_checks
from .features import FEATURE_VERSION, extract_all
from .findings import SEVERITIES, Finding, plain, severity_rank
from .input_summary import read_input
from .inventory import Inventory
from .policy import Policy, load_policy
from .recommend import Recommendation, budget, recommend
from .tables import nulls_to_none

log = logging.getLogger("audit")


@dataclass
class AuditConfig:
    portfolio: Path
    staff_csv: Path | None = None  # default: PORTFOLIO/staff.csv
    policy_path: Path | None = None
    policy: Policy | None = None  # an already loaded policy (the command line's); wins over policy_path
    as_of: date = field(default_factory=date.today)
    jobs: int = 1
    out_dir: Path | None = None  # excluded from the photo scan when inside the portfolio
    options: dict[str, Any] = field(default_factory=dict)  # passed to feature extractors
    cache_dir: Path | None = None  # feature cache; None = no cache
    executor: Executor | None = None
    sources_csv: Path | None = None  # a filled-in sources_to_confirm.csv (--sources)
    # The house style kept from an earlier audit (history.kept_style), judged against instead of
    # learning again; None learns it from this set.
    style_baseline: dict[str, Any] | None = None
    style_baseline_from: str = "an earlier audit"
    # --identity with --previous: employee_id -> the previous audit's photo and face descriptor
    previous_faces: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class AuditResult:
    config: AuditConfig
    policy: Policy
    inventory: Inventory
    photos: pd.DataFrame
    findings: list[Finding]
    recommendations: list[Recommendation]
    budget: dict[str, Any]
    column_map: dict[str, str]
    style_summary: dict[str, Any] = field(default_factory=dict)  # the house style, for the report
    input: dict[str, Any] | None = None  # what was read (audit.input_summary), for every output
    style_baseline: dict[str, Any] = field(default_factory=dict)  # the house style as numbers, kept in audit.json
    thumbnails: dict[str, bytes] = field(default_factory=dict, repr=False)  # file -> the report's JPEG thumbnail
    _summary: dict[str, Any] | None = field(default=None, repr=False)
    _photo_records: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def staff(self) -> pd.DataFrame:
        return self.inventory.staff

    def worst_severity(self) -> str | None:
        return max((f.severity for f in self.findings), key=severity_rank, default=None)

    def summary(self) -> dict[str, Any]:
        """The key numbers, computed once and shared by every output."""
        if self._summary is None:
            self._summary = self._key_numbers()
        return self._summary

    def photo_records(self) -> list[dict[str, Any]]:
        """One JSON-safe dict per photo row, computed once (audit.json and photos.csv both use them)."""
        if self._photo_records is None:
            self._photo_records = [plain(r) for r in self.photos.to_dict("records")]
        return self._photo_records

    def ai_status_by_person(self) -> dict[str, str]:
        """employee_id -> source status of the person's readable photo (ai_evidence.source_status)."""
        suspect = self.policy["ai"]["suspect_score"]
        photos = {r["file"]: r for r in self.photo_records()} if "file" in self.photos else {}
        out = {}
        for p in self.staff.itertuples(index=False):
            rec = photos.get(p.file) if p.file else None
            if rec is None or rec.get("error"):
                continue
            out[p.employee_id] = source_status(rec.get("ai_basis"), rec.get("ai_score"), p.photo_source, suspect)
        return out

    def ai_numbers(self) -> dict[str, Any]:
        """The AI key numbers over every person's readable photo, with the forensic check's
        measured blind spot (`ai_missed_by_pixel_check`: the share of AI images from known
        generators it does not flag), so no output shows an AI share without it."""
        numbers = ai_counts(list(self.ai_status_by_person().values()))
        fig = detector_figures()
        numbers["ai_missed_by_pixel_check"] = (round(fig.missed(), 4) if fig.missed() is not None
                                               and fig.applies(self.policy["ai"]["suspect_score"]) else None)
        return numbers

    def _key_numbers(self) -> dict[str, Any]:
        photos = self.photos
        readable = photos[photos["error"].isna()] if "error" in photos else photos
        by_sev = {s: 0 for s in reversed(SEVERITIES)}
        by_cat: dict[str, int] = {}
        for f in self.findings:
            by_sev[f.severity] += 1
            by_cat[f.category] = by_cat.get(f.category, 0) + 1
        staff = self.staff
        capture = dict(zip(photos["file"], photos["capture_date"])) if "capture_date" in photos else {}
        ages = [
            (self.config.as_of - date.fromisoformat(d)).days / (365.25 / 12)
            for d in (p.photo_date or capture.get(p.file) for p in staff.itertuples(index=False))
            if isinstance(d, str)
        ]
        ai = self.ai_numbers()
        return {
            "staff": int(len(staff)),
            "photos": int(len(photos)),
            "photos_readable": int(len(readable)),
            "staff_with_photo": int(staff["file"].notna().sum()),
            "leavers": int(len(self.inventory.leavers)),
            "leaver_photos": len(self.inventory.leaver_files),
            "findings": len(self.findings),
            "by_severity": by_sev,
            "by_category": by_cat,
            **ai,
            "median_age_months": round(float(pd.Series(ages).median()), 1) if ages else None,
            "dated_photos": len(ages),
            "consistency_score": self.style_summary.get("set_score"),
            "styles": self.style_summary.get("n_styles"),
            "main_style_share": self.style_summary.get("main_share"),
        }


def ai_counts(statuses: list[str]) -> dict[str, Any]:
    """The AI numbers of a group of people's photos, split by what backs them (see
    ai_evidence.source_status). `ai_share` counts confirmed and suspected photos, so it is a floor:
    the photos of unknown source may hold AI photos the pixel check missed."""
    n = len(statuses)
    c = {k: statuses.count(k) for k in SOURCE_STATUSES}
    return {
        "ai_assessed_photos": n,
        "ai_photos": c["confirmed"] + c["suspected"],
        "ai_confirmed": c["confirmed"],
        "ai_suspected": c["suspected"],
        "ai_source_unknown": c["unknown"],
        "ai_source_known_not_ai": c["known_not_ai"],
        "ai_share": round((c["confirmed"] + c["suspected"]) / n, 4) if n else None,
        "ai_confirmed_share": round(c["confirmed"] / n, 4) if n else None,
    }


def run_audit(config: AuditConfig, progress: Callable[[int], None] | None = None,
              on_start: Callable[[int], None] | None = None,
              on_input: Callable[[dict[str, Any]], None] | None = None,
              on_stage: Callable[[str, int], None] | None = None) -> AuditResult:
    """Run the whole audit. Raises PolicyError, StaffError or InventoryError for unusable input;
    everything else wrong with a photo or a row becomes a finding. `on_input` hears what was
    read before any photo is decoded. Progress: `on_start(photos)`, `progress(1)` per photo,
    `on_stage(name, count)` as the stages "measure" (photos to decode, after the cache) and
    "check" (house style and rules) begin."""
    policy = config.policy or load_policy(config.policy_path)
    log.info("policy: %s", policy.source)
    read = read_input(Path(config.portfolio), config.staff_csv, policy, config.as_of, exclude=config.out_dir,
                      sources_csv=config.sources_csv)
    staff, inventory = read.staff, read.inventory
    if on_input:
        on_input(read.summary)

    files = list(inventory.photos["file"])
    log.info("%d staff rows, %d photo files in %s", len(inventory.staff), len(files), inventory.root)
    if on_start:
        on_start(len(files))
    cache = FeatureCache.open(config.cache_dir, options_digest(FEATURE_VERSION, config.options)) if config.cache_dir else None
    thumbnails: dict[str, bytes] = {}
    try:
        rows = extract_all(inventory.root, [inventory.disk_name(f) for f in files], jobs=config.jobs,
                           executor=config.executor, progress=progress, options=config.options, cache=cache,
                           thumbnails=thumbnails,
                           on_measure=(lambda k: on_stage("measure", k)) if on_stage else None)
    finally:
        if cache:
            cache.close()
    if inventory.on_disk:
        rows = _shown_names(rows, inventory)
        shown_name = {disk: name for name, disk in inventory.on_disk.items()}
        thumbnails = {shown_name.get(f, f): t for f, t in thumbnails.items()}
    if on_stage:
        on_stage("check", len(files))
    photos, style, findings = assess(inventory, rows, policy, config.as_of, style_baseline=config.style_baseline,
                                     style_baseline_from=config.style_baseline_from,
                                     previous_faces=config.previous_faces)
    log.info("%d findings from %d enabled rules", len(findings), sum(r.enabled for r in policy.rules.values()))
    # Leavers whose photo is still in the portfolio get their one action (take it down, no cost);
    # the other leavers are nobody's business here.
    shown = {f.employee_id for f in inventory.facts if f.kind == "leaver_photo"}
    leavers = inventory.leavers[inventory.leavers["employee_id"].isin(shown)]
    recs = recommend(pd.concat([inventory.staff, leavers], ignore_index=True) if len(leavers) else inventory.staff,
                     findings, policy)
    return AuditResult(config=config, policy=policy, inventory=inventory, photos=photos, findings=findings,
                       recommendations=recs, budget=budget(recs, policy), column_map=staff.column_map,
                       style_summary=style.summary(), input=read.summary, style_baseline=style.baseline(),
                       thumbnails=thumbnails)


def _shown_names(rows: list[dict[str, Any]], inventory: Inventory) -> list[dict[str, Any]]:
    """Feature rows of files whose names on disk are not valid UTF-8, under their printable
    names (error texts quote the name too): every output must be valid UTF-8."""
    shown = {disk: name for name, disk in inventory.on_disk.items()}

    def clean(row: dict[str, Any]) -> dict[str, Any]:
        disk = row.get("file")
        if disk not in shown:
            return row
        return {k: (v.replace(disk, shown[disk]).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    if isinstance(v, str) else v) for k, v in row.items()}

    return [clean(r) for r in rows]


def assess(inventory: Inventory, rows: list[dict[str, Any]], policy: Policy, as_of: date,
           style_baseline: dict[str, Any] | None = None, style_baseline_from: str = "an earlier audit",
           previous_faces: dict[str, dict[str, Any]] | None = None,
           ) -> tuple[pd.DataFrame, house_style.HouseStyle, list[Finding]]:
    """Everything after the measurements: join the feature rows to the inventory, score AI
    evidence, learn the house style (or judge against a kept one) and run the checks. The rule
    test cases enter here too, with feature rows written by hand."""
    features = pd.DataFrame.from_records(rows, columns=None if rows else ["file", "error"]).astype({"file": object})
    photos = inventory.photos.merge(features, on="file", how="left")
    photos = nulls_to_none(photos)
    photos = score_photos(photos, inventory.staff, policy)
    style = house_style.analyse(photos, policy["consistency"], baseline=style_baseline,
                                baseline_from=style_baseline_from)
    annotations = style.annotate()
    photos = photos.drop(columns=[c for c in annotations if c != "file" and c in photos]).merge(
        annotations, on="file", how="left")
    photos = nulls_to_none(photos)

    ctx = CheckContext(staff=inventory.staff, photos=photos, policy=policy, as_of=as_of,
                       facts=inventory.facts, style=style, previous_faces=previous_faces or {})
    findings = run_checks(ctx)
    findings.sort(key=lambda f: (-severity_rank(f.severity), f.code, f.employee_id or "", f.file or ""))
    return photos, style, findings


def audit_metadata(result: AuditResult) -> dict[str, Any]:
    return {"tool": "headshot-audit", "version": __version__, "feature_version": FEATURE_VERSION,
            "policy": result.policy.source, "rule_selection": result.policy.selection,
            "rules_disabled": sorted(c for c, r in result.policy.rules.items() if not r.enabled)}
