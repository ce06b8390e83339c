"""--sources: HR's answers to sources_to_confirm.csv count as declared sources; a bad answer is a
data finding naming the file and row, an unusable file a one-line error."""

from __future__ import annotations

import json

from click.testing import CliRunner

from audit.cli import cli

CSV = ("employee_id,name,title,department,photo,photo_source,client_facing,seniority,platforms\n"
       "E1,Ann,Associate,Legal,a.png,,yes,mid,website\n"
       "E2,Bo,Associate,Legal,b.png,photographer,yes,mid,website\n"
       "E3,Cy,Associate,Legal,c.png,,yes,mid,website\n")


def run(root, out, *extra):
    r = CliRunner().invoke(cli, ["run", str(root), "--out", str(out), "--format", "json", "--no-cache", *extra])
    return r, (json.loads((out / "audit.json").read_text()) if r.exit_code == 0 else None)


def test_answers_fill_unknown_sources_and_bad_ones_are_reported(make_portfolio, tmp_path):
    root = make_portfolio(CSV, {"a.png": 1, "b.png": 2, "c.png": 3})
    answers = tmp_path / "answers.csv"
    answers.write_text("employee_id,person,file,where_used,photo_source\n"
                       "E1,Ann,a.png,website,ai\nE2,Bo,b.png,website,self\nE3,Cy,c.png,website,drone\n"
                       "E9,Nobody,z.png,website,photographer\n", encoding="utf-8")
    r, doc = run(root, tmp_path / "o", "--sources", str(answers))
    assert r.exit_code == 0, r.output
    staff = {s["employee_id"]: s for s in doc["staff"]}
    assert (staff["E1"]["photo_source"], staff["E1"]["photo_source_from"]) == ("ai", "sources file")
    assert staff["E2"]["photo_source"] == "photographer"  # the staff CSV's own value wins ...
    msgs = [f["message"] for f in doc["findings"] if f["code"] == "DAT006"]
    assert any(m.startswith("answers.csv: E2: photo_source 'self' differs") for m in msgs)  # ... and the clash is said
    assert any(m.startswith("answers.csv, row 4: photo_source 'drone'") for m in msgs)
    assert any(m.startswith("answers.csv: employee_id 'E9' is not in the staff CSV") for m in msgs)
    codes = {(f["code"], f["employee_id"]) for f in doc["findings"]}
    assert ("ROL001", "E1") in codes  # now a declared AI photo of client-facing staff in Legal
    assert ("AI005", "E3") in codes and ("AI005", "E1") not in codes


def test_an_unusable_sources_file_is_one_line_and_exit_2(make_portfolio, tmp_path):
    root = make_portfolio(CSV, {"a.png": 1})
    bad = tmp_path / "bad.csv"
    bad.write_text("employee_id,person\nE1,Ann\n", encoding="utf-8")
    r, _ = run(root, tmp_path / "o", "--sources", str(bad))
    assert r.exit_code == 2 and "bad.csv" in r.output and "photo_source" in r.output
    r, _ = run(root, tmp_path / "o", "--sources", str(tmp_path / "missing.csv"))
    assert r.exit_code == 2 and "missing.csv" in r.output and "sources file" in r.output
