"""Time `headshot-audit inspect` on a large company: what a user runs before the first audit.

Generates (once, in /tmp/headshot-audit-bench-inspect/N) a Workday-style export of N staff (a
tenth of them leavers) and one photo file per person in department folders, named by e-mail, by
"First Last" and by id in turn, plus a few strays. The files hold a few bytes: inspect decodes no
image, so their content does not matter. Each run is a separate process, timed from outside.

    .venv/bin/python bench/inspect_bench.py --n 10000 --runs 3
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

DEPARTMENTS = ["Sales", "Engineering", "Finance", "Legal", "Marketing", "Operations", "People", "Support"]
LEVELS = ["1 Executive", "3 Vice President", "4 Director", "5 Manager", "7 Individual Contributor"]


def make(root: Path, n: int) -> Path:
    portfolio = root / str(n)
    if (portfolio / "staff.csv").is_file():
        return portfolio
    shutil.rmtree(portfolio, ignore_errors=True)
    portfolio.mkdir(parents=True)
    with open(portfolio / "staff.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Employee ID", "Legal Name", "Business Title", "Supervisory Organization", "Management Level",
                    "Primary Work Email", "Worker Status", "Hire Date", "Cost Center"])
        for i in range(n):
            first, last = f"First{i}", f"Last{i}"
            dept = DEPARTMENTS[i % len(DEPARTMENTS)]
            email = f"{first.lower()}.{last.lower()}@example.com"
            status = "Terminated" if i % 10 == 9 else ("On Leave" if i % 25 == 0 else "Active")
            w.writerow([f"W{i:06d}", f"{first} {last}", "Consultant", dept, LEVELS[i % len(LEVELS)], email, status,
                        "03/01/2019", "1000"])
            name = (email, f"{first} {last}", f"W{i:06d}")[i % 3]
            folder = portfolio / dept
            folder.mkdir(exist_ok=True)
            (folder / f"{name}.jpg").write_bytes(b"\xff\xd8not decoded")
    for i in range(20):
        (portfolio / f"stray-{i}.jpg").write_bytes(b"\xff\xd8")
    return portfolio


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    portfolio = make(Path("/tmp/headshot-audit-bench-inspect"), args.n)
    exe = Path(sys.executable).with_name("headshot-audit")
    times, cpu = [], []
    for _ in range(args.runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run([str(exe), "inspect", str(portfolio)], capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    print(out.stdout.splitlines()[-3])
    # CPU time (user + system) is what a shared machine cannot inflate; wall time is what a user waits.
    print(f"inspect, {args.n} staff: wall best {min(times):.2f} s ({', '.join(f'{t:.2f}' for t in times)}); "
          f"CPU best {min(cpu):.2f} s ({', '.join(f'{t:.2f}' for t in cpu)}); load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
