"""What the input layer saw, as plain facts: a row without an id, a value it could not read, a
path that leaves the portfolio, a leaver's photo. Reading the CSV and the folder only records
these; `checks/data.py` is the one place that turns them into findings with rule codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The kinds of fact, and what each one means.
KINDS = {
    "no_id": "a staff row has no employee id; it is skipped",
    "duplicate_id": "a staff row repeats an earlier row's employee id; it is skipped",
    "bad_value": "a value could not be read (one fact per column, value and reason, with every row it is on)",
    "extra_fields": "a CSV line has more fields than the header; it is skipped",
    "unsafe_path": "the CSV's photo path leaves the portfolio or is a URL; it is not read",
    "outside_link": "a file in the portfolio is a link to a file outside it; it is not read",
    "not_a_file": "something named like a photo is not a regular file; it is not read",
    "photo_not_found": "the CSV names a photo file that does not exist",
    "leaver_photo": "a person the HR export marks as having left still has a photo in the portfolio",
    "companions": "files that accompany the photos (design files beside their export, sidecars, thumbnail "
                  "caches): listed by kind in `extra`, not audited as people",
    "source_answer": "an answer in a --sources file (a filled-in sources_to_confirm.csv) could not be used",
}


@dataclass(frozen=True)
class InputFact:
    """One thing seen while reading the staff CSV or the portfolio folder."""

    kind: str
    row: int | None = None  # CSV row number (the header is row 1)
    column: str | None = None  # canonical column
    value: str | None = None  # the value as written (clipped)
    file: str | None = None  # portfolio-relative path
    employee_id: str | None = None
    reason: str = ""  # why the value could not be used, in plain words
    rows: tuple[int, ...] = ()  # every row the same value is on
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown input fact kind {self.kind!r}")
