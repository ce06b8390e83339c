"""History: the changes between two audits and the trend, on constructed pairs of audit.json
documents whose answers are known."""

import json
from datetime import date

import pytest

from audit.anonymize import Pseudonymizer
from audit.history import (HistoryError, build_history, compare, load_history, pseudonymize_snapshot,
                           snapshot_from_doc, trend)


def finding(code, eid, file, severity="medium"):
    return {"code": code, "employee_id": eid, "file": file, "severity": severity, "category": "stale",
            "related_files": [], "message": "m", "key": f"{code}|{eid or ''}|{file or ''}"}


def audit_doc(as_of, staff, photos, findings, high=0, ai_share=0.1, anonymized=False):
    return {"schema_version": 1, "as_of": as_of, "anonymized": anonymized,
            "summary": {"staff": len(staff), "photos": len(photos), "findings": len(findings),
                        "by_severity": {"critical": 0, "high": high, "medium": 0, "low": 0, "info": 0},
                        "ai_share": ai_share, "median_age_months": 20.0, "consistency_score": 80},
            "budget": {"by_action": {"retake": {"count": 2}, "refresh": {"count": 1}, "fix": {"count": 0},
                                     "review": {"count": 4}, "keep": {"count": 3}}, "total_high": 1000},
            "staff": [{"employee_id": e, "name": n, "file": f} for e, n, f in staff],
            "photos": [{"file": f, "sha256": h} for f, h in photos],
            "findings": findings}


Q3 = audit_doc(
    "2026-08-31",
    staff=[("E1", "Ann", "a.jpg"), ("E2", "Bob", "b.jpg"), ("E3", "Cy", "c.jpg"), ("E4", "Di", None)],
    photos=[("a.jpg", "h-a1"), ("b.jpg", "h-b1"), ("c.jpg", "h-c1")],
    findings=[finding("STL001", "E1", "a.jpg"), finding("STL001", "E2", "b.jpg", "high"),
              finding("DAT001", "E4", None), finding("DAT002", None, "old.jpg", "low"),
              finding("AI004", "E3", "c.jpg", "info")],
    high=1)
Q4 = audit_doc(
    "2026-11-29",
    # E4 left; E5 joined; E1 has new bytes under the same name; E2 moved to a new file; E3 unchanged
    staff=[("E1", "Ann", "a.jpg"), ("E2", "Bob", "b2.jpg"), ("E3", "Cy", "c.jpg"), ("E5", "Eve", "e.jpg")],
    photos=[("a.jpg", "h-a2"), ("b2.jpg", "h-b2"), ("c.jpg", "h-c1"), ("e.jpg", "h-e1")],
    findings=[finding("STL001", "E2", "b.jpg", "high"), finding("AI004", "E3", "c.jpg", "info"),
              finding("ROL001", "E5", "e.jpg", "high"), finding("STL002", "E3", "c.jpg", "low")],
    high=1, ai_share=0.25)


def test_new_resolved_persisting_by_key():
    c = compare(snapshot_from_doc(Q3, "q3"), snapshot_from_doc(Q4, "q4"))
    assert c.new == ["ROL001|E5|e.jpg", "STL002|E3|c.jpg"]
    assert c.resolved == ["DAT001|E4|", "DAT002||old.jpg", "STL001|E1|a.jpg"]
    assert c.persisting == ["AI004|E3|c.jpg", "STL001|E2|b.jpg"]
    # every key of both audits is in exactly one list
    assert set(c.new) | set(c.persisting) == {f["key"] for f in Q4["findings"]}
    assert set(c.resolved) | set(c.persisting) == {f["key"] for f in Q3["findings"]}
    assert c.resolved_with_leavers == ["DAT001|E4|"]


def test_people_and_replaced_photos():
    c = compare(snapshot_from_doc(Q3, "q3"), snapshot_from_doc(Q4, "q4"))
    assert c.joined == ["E5"] and c.left == ["E4"] and c.left_names == {"E4": "Di"}
    replaced = {r["employee_id"]: r for r in c.photos_replaced}
    assert set(replaced) == {"E1", "E2"}  # same name new bytes, and a new file; E3 unchanged
    assert replaced["E2"]["old_file"] == "b.jpg" and replaced["E2"]["new_file"] == "b2.jpg"


def test_counts_leave_out_info_and_leavers():
    c = compare(snapshot_from_doc(Q3, "q3"), snapshot_from_doc(Q4, "q4"))
    n = c.counts()
    assert n == {"new": 2, "resolved": 2, "resolved_with_leavers": 1, "persisting": 1}


def test_identical_audits_change_nothing():
    c = compare(snapshot_from_doc(Q3, "a"), snapshot_from_doc(Q3, "b"))
    assert not c.new and not c.resolved and not c.joined and not c.left and not c.photos_replaced
    assert len(c.persisting) == len(Q3["findings"])


def test_changes_json_shape():
    d = compare(snapshot_from_doc(Q3, "q3"), snapshot_from_doc(Q4, "q4")).to_dict()
    assert {"new", "resolved", "persisting", "previous_as_of"} <= set(d)
    assert all(isinstance(d[k], list) for k in ("new", "resolved", "persisting"))
    json.dumps(d)


def test_keys_rebuilt_when_missing():
    doc = json.loads(json.dumps(Q3))
    for f in doc["findings"]:
        del f["key"]
    assert set(snapshot_from_doc(doc, "x").finding_keys) == {f["key"] for f in Q3["findings"]}


def test_history_folder_sorted_and_latest_earlier_is_compared(tmp_path):
    q2 = audit_doc("2026-05-31", staff=[("E1", "Ann", "a.jpg")], photos=[("a.jpg", "h-a1")], findings=[], high=3)
    for name, doc in (("2026-q3/audit.json", Q3), ("2026-q2.json", q2), ("notes.json", {"hello": 1})):
        p = tmp_path / name
        p.parent.mkdir(exist_ok=True)
        p.write_text(json.dumps(doc))
    snaps = load_history(tmp_path)
    assert [s.as_of for s in snaps] == [date(2026, 5, 31), date(2026, 8, 31)]
    h = build_history(snaps, snapshot_from_doc(Q4, "current"))
    assert h.changes.previous_as_of == "2026-08-31"
    assert [r["as_of"] for r in h.trend] == ["2026-05-31", "2026-08-31", "2026-11-29"]
    assert [r["high_findings"] for r in h.trend] == [3, 1, 1]
    assert h.trend[-1]["current"] and h.trend[-1]["ai_share"] == 0.25
    assert h.trend[0]["needs_action"] == 3  # retake + refresh + fix


def test_a_later_audit_in_the_folder_is_not_the_previous_one():
    later = audit_doc("2027-02-28", staff=[], photos=[], findings=[])
    h = build_history([snapshot_from_doc(Q3, "q3"), snapshot_from_doc(later, "q1")], snapshot_from_doc(Q4, "now"))
    assert h.changes.previous_as_of == "2026-08-31"


def test_trend_one_row_per_date():
    rows = trend([snapshot_from_doc(Q3, "a"), snapshot_from_doc(Q3, "b")])
    assert len(rows) == 1


@pytest.mark.parametrize("content, needle", [("{not json", "not valid JSON"), ('{"a": 1}', "not an audit.json"),
                                             ('{"as_of": "soon", "findings": []}', "not a date")])
def test_bad_previous_file_names_the_file(tmp_path, content, needle):
    p = tmp_path / "audit.json"
    p.write_text(content)
    with pytest.raises(HistoryError, match=needle) as exc:
        load_history(p)
    assert str(p) in str(exc.value)


def test_empty_folder_and_missing_path(tmp_path):
    with pytest.raises(HistoryError, match="no audit.json"):
        load_history(tmp_path)
    with pytest.raises(HistoryError, match="not found"):
        load_history(tmp_path / "nope")


def test_anonymised_history_compares_in_pseudonym_space():
    pseudo = Pseudonymizer(b"k" * 32)
    real_prev, real_cur = snapshot_from_doc(Q3, "q3"), snapshot_from_doc(Q4, "q4")
    anon_prev = pseudonymize_snapshot(real_prev, pseudo)
    # an anonymised earlier audit against this run made anonymous with the same key ...
    h = build_history([anon_prev], real_cur, pseudo)
    expected = compare(real_prev, real_cur)
    assert h.changes.new == sorted(pseudo.key(k) for k in expected.new)
    assert h.changes.persisting == sorted(pseudo.key(k) for k in expected.persisting)
    assert h.changes.joined == [pseudo.id("E5")] and h.changes.left == [pseudo.id("E4")]
    assert h.changes.left_names == {pseudo.id("E4"): pseudo.name("E4")}
    # ... and a real earlier audit gives the same answer
    assert build_history([real_prev], real_cur, pseudo).changes.to_dict() == h.changes.to_dict()


def test_real_report_refuses_an_anonymised_previous():
    anon = pseudonymize_snapshot(snapshot_from_doc(Q3, "q3"), Pseudonymizer(b"k" * 32))
    with pytest.raises(HistoryError, match="--anonymize"):
        build_history([anon], snapshot_from_doc(Q4, "now"))
