"""Measure the consistency check: detection and false outliers over seeds of synthetic portraits
(grey backdrop, every kind; then a blue backdrop, the colour kinds), or the house style and findings of a folder of real photos. Prints the figures quoted in
docs/consistency.md.

    .venv/bin/python scripts/measure_consistency.py --seeds 0 1 2 3 4
    .venv/bin/python scripts/measure_consistency.py --real ../shared/devdata/real

The synthetic portfolios and their judging are tests/test_consistency.py's (the same harness the
tests run on one seed).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* is not installed: the project root
from audit import house_style  # noqa: E402
from audit.checks import CheckContext  # noqa: E402
from audit.checks.consistency import check_consistency  # noqa: E402
from audit.features import extract_one  # noqa: E402
from audit.policy import load_policy  # noqa: E402
from tests.test_consistency import (  # noqa: E402
    BLUE, COLOURED_KINDS, EXPECTED_FAMILY, GREY, KINDS, N_HOUSE, SIZE, evaluate)


def seeds(chosen: list[int]) -> None:
    """The grey-backdrop harness with every kind, then the same people in front of a blue
    backdrop with the colour kinds (saturation is judged only where the backdrop has colour)."""
    table(chosen, GREY, KINDS)
    table(chosen, BLUE, COLOURED_KINDS)


def table(chosen: list[int], backdrop: tuple[int, int, int], kinds: tuple[str, ...]) -> None:
    t0 = time.perf_counter()
    found = {k: 0 for k in kinds}
    untouched = flagged_alone = flagged_any = 0
    details = []
    for seed in chosen:
        r = evaluate(seed, backdrop=backdrop, kinds=kinds)
        for k in kinds:
            found[k] += bool(r["found"][k])
            if not r["found"][k]:
                details.append(f"seed {seed}: {k} missed ({r['codes'][k]})")
        untouched += N_HOUSE
        flagged_alone += len({f for f, _ in r["false_alone"]})
        flagged_any += len(r["false"])
        details += [f"seed {seed}: untouched {f} flagged {c}" for f, c in r["false_alone"]]
        details += [f"seed {seed}: with a deviant in the set, untouched {f} flagged {sorted(c)}"
                    for f, c in r["false"].items()]
    n = len(chosen)
    print(f"seeds {chosen}, backdrop RGB {backdrop}, {N_HOUSE} untouched photos each, {SIZE[0]}x{SIZE[1]} px")
    for k in kinds:
        print(f"  {k:15s} found {found[k]}/{n}  (expected family {EXPECTED_FAMILY[k]})")
    print(f"untouched photos: {untouched}; flagged in the untouched set: {flagged_alone} "
          f"({20 * flagged_alone / untouched:.2f} per 20)")
    print(f"untouched photos flagged in any of the {len(kinds)} one-deviant portfolios: {flagged_any} "
          f"({20 * flagged_any / untouched:.2f} per 20)")
    for d in details:
        print("  " + d)
    print(f"({time.perf_counter() - t0:.1f} s)")


def audit_folder(root: Path) -> None:
    """Print the house style of a folder of photos and every consistency finding."""
    files = sorted(p.name for p in root.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp"))
    photos = pd.DataFrame([extract_one(str(root), f) for f in files])
    policy = load_policy()
    s = house_style.analyse(photos, policy).summary()
    print(f"{s['n_photos']} photos, {s['n_styles']} styles, main share {s['main_share']}, "
          f"set score {s['set_score']}, {s['n_outliers']} photos flagged")
    for st in s["styles"]:
        print(f"  style {st['label']}: {st['size']} photos, backdrop {st['backdrop_hex']}")
    ctx = CheckContext(staff=pd.DataFrame(), photos=photos.assign(employee_id=None), policy=policy,
                       as_of=date(2026, 11, 29))
    check_consistency(ctx)
    print(dict(Counter(f.code for f in ctx.findings)))
    for f in sorted(ctx.findings, key=lambda f: (f.file or "", f.code)):
        print(f"  {f.file} {f.code} {f.message}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Measure detection and false outliers over seeds.")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--real", type=Path, help="Instead: audit every photo in this folder as one portfolio.")
    args = ap.parse_args(argv)
    if args.real:
        audit_folder(args.real)
    else:
        seeds(args.seeds)


if __name__ == "__main__":
    main()
