"""Data problems: what could not be read or joined. Every one is a finding, never a crash.

The input layer (`staff.py`, `inventory.py`) records what it saw as plain facts
(`audit.facts.InputFact`); this is the one place that turns them into DAT findings."""

from __future__ import annotations

from ..facts import InputFact
from . import CheckContext, check


def _rows(fact: InputFact) -> str:
    rows = fact.rows or ((fact.row,) if fact.row else ())
    if len(rows) == 1:
        who = f" ({fact.employee_id})" if fact.employee_id else ""
        return f"row {rows[0]}{who}"
    shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
    return f"{len(rows)} rows ({shown})"


def _emit_fact(ctx: CheckContext, fact: InputFact) -> None:
    k = fact.kind
    if k == "no_id":
        ctx.emit("DAT006", f"row {fact.row}: no employee_id; the row is skipped",
                 evidence={"row": fact.row, "column": "employee_id"})
    elif k == "duplicate_id":
        first, row = fact.rows
        ctx.emit("DAT005", f"employee_id {fact.employee_id!r} appears on rows {first} and {row}; row {row} is skipped",
                 employee_id=fact.employee_id, evidence={"rows": list(fact.rows)})
    elif k == "bad_value":
        then = "" if fact.column == "status" else "; treated as unknown"
        hint = (f" (map it in the policy: [values.{fact.column}] \"{fact.value}\" = ...)"
                if fact.column in ("seniority", "client_facing", "photo_source", "status") else "")
        ctx.emit("DAT006", f"{_rows(fact)}: {fact.column} {fact.value!r} {fact.reason}{then}{hint}",
                 employee_id=fact.employee_id,
                 evidence={"row": fact.row, "rows": list(fact.rows), "count": len(fact.rows), "column": fact.column,
                           "value": fact.value, "employee_ids": fact.extra.get("employee_ids", [])})
    elif k == "extra_fields":
        ctx.emit("DAT006", f"a row has {fact.extra['fields']} fields but the header has {fact.extra['header_fields']}; "
                 f"it is skipped: {fact.value!r}", evidence={"fields": fact.extra["values"]})
    elif k == "unsafe_path":
        ctx.emit("DAT004", f"row {fact.row} ({fact.employee_id}): photo path {(fact.value or '')[:120]!r} {fact.reason}; "
                 "not read", employee_id=fact.employee_id, evidence={"photo": fact.value})
    elif k == "outside_link":
        ctx.emit("DAT004", f"{fact.file}: a link to a file outside the portfolio; not read", file=fact.file,
                 evidence={"file": fact.file})
    elif k == "not_a_file":
        ctx.emit("DAT003", f"{fact.file}: not a regular file; not read", file=fact.file, evidence={"file": fact.file})
    elif k == "photo_not_found":
        ctx.emit("DAT007", f"row {fact.row} ({fact.employee_id}): photo {fact.value!r} does not exist in the portfolio",
                 employee_id=fact.employee_id, evidence={"photo": fact.value})
    elif k == "companions":
        groups = fact.extra["companions"]
        n = sum(len(v) for v in groups.values())
        parts = []
        for kind, rels in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            shown = ", ".join(rels[:3]) + (f" and {len(rels) - 3} more" if len(rels) > 3 else "")
            parts.append(f"{len(rels)} {kind} ({shown})")
        ctx.emit("DAT009", f"{n} file{'s' if n != 1 else ''} beside the photos were not audited as people: "
                 + "; ".join(parts), evidence={"companions": groups})
    elif k == "source_answer":
        where = f"{fact.extra['source_file']}" + (f", row {fact.row}" if fact.row else "")
        ctx.emit("DAT006", f"{where}: {fact.reason}", employee_id=fact.employee_id,
                 evidence={"file": fact.extra["source_file"], "row": fact.row, "column": fact.column,
                           "value": fact.value})
    elif k == "leaver_photo":
        who = fact.extra.get("name") or fact.employee_id
        ctx.emit("DAT008", f"{who} ({fact.employee_id}) has left (status {fact.value!r}) but their photo {fact.file} "
                 "is still in the portfolio", employee_id=fact.employee_id, file=fact.file,
                 evidence={"row": fact.row, "status": fact.value})


@check("data", codes=["DAT001", "DAT002", "DAT003", "DAT004", "DAT005", "DAT006", "DAT007", "DAT008", "DAT009"])
def data_problems(ctx: CheckContext) -> None:
    for fact in ctx.facts:
        _emit_fact(ctx, fact)

    reported = {f.employee_id for f in ctx.facts if f.kind in ("unsafe_path", "photo_not_found")}
    for rec in ctx.staff.itertuples(index=False):
        if rec.file is None and rec.employee_id not in reported:
            ctx.emit("DAT001", f"{rec.name or rec.employee_id} ({rec.employee_id}) has no photo in the portfolio",
                     employee_id=rec.employee_id, evidence={"row": rec.row})

    for rec in ctx.photos.itertuples(index=False):
        if rec.error:
            ctx.emit("DAT003", f"{rec.file}: {rec.error}", employee_id=rec.employee_id, file=rec.file,
                     evidence={"error": rec.error})
        if rec.employee_id is None:
            ctx.emit("DAT002", f"{rec.file} belongs to no staff row", file=rec.file)
