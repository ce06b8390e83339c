"""Data problems: what could not be read or joined. Every one is a finding, never a crash."""

from __future__ import annotations

from . import CheckContext, check


@check("data", codes=["DAT001", "DAT002", "DAT003", "DAT004", "DAT005", "DAT006", "DAT007"])
def data_problems(ctx: CheckContext) -> None:
    for issue in ctx.issues:
        ctx.emit(issue.code, issue.message, employee_id=issue.employee_id,
                 file=issue.evidence.get("file"), evidence=issue.evidence)

    reported = {i.employee_id for i in ctx.issues if i.code in ("DAT004", "DAT007")}
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
