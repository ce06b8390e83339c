from pathlib import Path

import pytest

from audit.staff import StaffError, read_staff

CANONICAL = "employee_id,name,title,department,photo,photo_date,photo_source,client_facing,seniority,platforms\n"


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / "staff.csv"
    p.write_bytes(text.encode(encoding))
    return p


def test_canonical_columns_and_values(tmp_path):
    t = read_staff(write(tmp_path, CANONICAL + "E1,Ann Lee,CEO,Exec,a.jpg,2024-02-03,Photographer,Yes,Executive,website; Press\n"))
    row = t.frame.iloc[0]
    assert (row["employee_id"], row["name"], row["photo_date"], row["photo_source"]) == ("E1", "Ann Lee", "2024-02-03", "photographer")
    assert row.client_facing is True and row.seniority == "executive" and row.platforms == "website;press"
    assert t.issues == []


@pytest.mark.parametrize("header, row, name", [
    ("Employee ID,Legal Name,Business Title,Supervisory Organization", "W1,Ann Lee,Partner,Legal", "Ann Lee"),  # Workday
    ("Employee #,First Name,Last Name,Job Title,Department", "7,Ann,Lee,Partner,Legal", "Ann Lee"),  # BambooHR
    ("id,displayName,jobTitle,department,userPrincipalName", "6f1c-22,Ann Lee,Partner,Legal,ann.lee@x.com", "Ann Lee"),  # Entra ID
])
def test_hr_export_headers_map_without_a_mapping_file(tmp_path, header, row, name):
    t = read_staff(write(tmp_path, f"{header}\n{row}\n"))
    assert t.frame.iloc[0]["name"] == name
    assert t.frame.iloc[0]["title"] == "Partner"
    assert t.frame.iloc[0]["department"] == "Legal"


def test_policy_aliases_map_unknown_headers(tmp_path):
    t = read_staff(write(tmp_path, "Staff Ref,Person\nS1,Ann\n"), extra_aliases={"Staff Ref": "employee_id", "Person": "name"})
    assert list(t.frame["employee_id"]) == ["S1"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings(tmp_path, encoding):
    t = read_staff(write(tmp_path, "employee_id,name\nE1,José Müller\n", encoding))
    assert t.frame.iloc[0]["name"] == "José Müller"


def test_semicolon_delimiter_and_quoted_newlines(tmp_path):
    t = read_staff(write(tmp_path, 'employee_id;name;title\nE1;"Lee; Ann";"Head of\nSales"\nE2;Bo;Dev\n'))
    assert list(t.frame["employee_id"]) == ["E1", "E2"]
    assert t.frame.iloc[0]["title"] == "Head of\nSales"


def test_missing_required_column_names_it(tmp_path):
    path = write(tmp_path, "name,title\nAnn,CEO\n")
    with pytest.raises(StaffError) as err:
        read_staff(path)
    assert "employee_id" in str(err.value) and str(path) in str(err.value)


@pytest.mark.parametrize("text", ["", "\n\n"])
def test_empty_file_is_an_error(tmp_path, text):
    with pytest.raises(StaffError, match="empty"):
        read_staff(write(tmp_path, text))


def test_header_only_gives_no_staff(tmp_path):
    t = read_staff(write(tmp_path, CANONICAL))
    assert len(t.frame) == 0 and t.issues == []


def test_bad_rows_become_issues_and_the_rest_is_kept(tmp_path):
    t = read_staff(write(tmp_path, CANONICAL
                         + "E1,Ann,,,,2023-02-30,drone,perhaps,boss,website;billboard\n"
                         + "E1,Dup,,,,,,,,\n"
                         + ",NoId,,,,,,,,\n"
                         + "E2,Bo,,,,2099-01-01,ai,no,junior,internal\n"))
    assert list(t.frame["employee_id"]) == ["E1", "E2"]
    messages = [i.message for i in t.issues]
    codes = sorted(i.code for i in t.issues)
    assert codes.count("DAT005") == 1 and codes.count("DAT006") == 7, messages
    for column in ("photo_date", "photo_source", "client_facing", "seniority", "platforms"):
        assert any(column in m for m in messages), column
    assert any("after the audit date" in m for m in messages)
    assert t.frame.iloc[0]["photo_source"] == "unknown"


def test_unreadable_file(tmp_path):
    with pytest.raises(StaffError, match="cannot read"):
        read_staff(tmp_path / "missing.csv")


def test_rows_with_too_many_fields_are_reported_not_lost(tmp_path):
    t = read_staff(write(tmp_path, "employee_id,name\nE1,Ann\nE2,Bo,extra,fields\nE3,Cy\n"))
    assert list(t.frame["employee_id"]) == ["E1", "E3"]
    assert any("4 fields" in i.message and "E2" in i.message for i in t.issues)
