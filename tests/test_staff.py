from pathlib import Path

import pytest

from audit.staff import StaffError, read_staff

HR_EXPORTS = Path(__file__).parent / "hr_exports"

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
    assert t.facts == []


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


@pytest.mark.parametrize("encoding, label", [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with BOM"),
                                             ("cp1252", "Windows-1252"), ("utf-16", "UTF-16")])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_encodings_and_delimiters(tmp_path, encoding, label, sep):
    text = sep.join(["employee_id", "name", "title"]) + "\n" + sep.join(["E1", "José Müller", "Café €"]) + "\r\n"
    t = read_staff(write(tmp_path, text, encoding))
    assert (t.frame.iloc[0]["name"], t.frame.iloc[0]["title"]) == ("José Müller", "Café €")
    assert (t.reading.encoding, t.reading.delimiter) == (label, sep)


def test_utf16_without_bom_is_recognised(tmp_path):
    t = read_staff(write(tmp_path, "employee_id\tname\nE1\tJosé\n", "utf-16-le"))
    assert list(t.frame["name"]) == ["José"]


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


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_header_only_says_so(tmp_path, encoding):
    path = write(tmp_path, CANONICAL, encoding)
    with pytest.raises(StaffError, match="header row but no people") as err:
        read_staff(path)
    assert str(path) in str(err.value)


def test_bad_rows_become_facts_and_the_rest_is_kept(tmp_path):
    t = read_staff(write(tmp_path, CANONICAL
                         + "E1,Ann,,,,2023-02-30,drone,perhaps,boss,website;billboard\n"
                         + "E1,Dup,,,,,,,,\n"
                         + ",NoId,,,,,,,,\n"
                         + "E2,Bo,,,,2099-01-01,ai,no,junior,internal\n"))
    assert list(t.frame["employee_id"]) == ["E1", "E2"]
    kinds = sorted(f.kind for f in t.facts)
    assert kinds == ["bad_value"] * 6 + ["duplicate_id", "no_id"], t.facts
    bad = sorted(f.column for f in t.facts if f.kind == "bad_value")
    assert bad == ["client_facing", "photo_date", "photo_date", "photo_source", "platforms", "seniority"]
    assert any("after the audit date" in f.reason for f in t.facts)
    assert not any(hasattr(f, "code") for f in t.facts)  # rule codes are the data check's business
    assert t.frame.iloc[0]["photo_source"] == "unknown"


def test_an_unknown_value_is_one_fact_with_its_rows(tmp_path):
    rows = "".join(f"E{i},P{i},{'Grand Poobah' if i % 2 else '7 Individual Contributor'}\n" for i in range(70))
    t = read_staff(write(tmp_path, "employee_id,name,Management Level\n" + rows))
    bad = [f for f in t.facts if f.kind == "bad_value"]
    assert len(bad) == 1 and bad[0].value == "Grand Poobah" and bad[0].column == "seniority"
    assert len(bad[0].rows) == 35 and bad[0].employee_id is None  # a value, not a person
    assert set(t.frame["seniority"]) == {"mid", "unknown"}


def test_unreadable_file(tmp_path):
    with pytest.raises(StaffError, match="cannot read"):
        read_staff(tmp_path / "missing.csv")


def test_rows_with_too_many_fields_are_reported_not_lost(tmp_path):
    t = read_staff(write(tmp_path, "employee_id,name\nE1,Ann\nE2,Bo,extra,fields\nE3,Cy\n"))
    assert list(t.frame["employee_id"]) == ["E1", "E3"]
    extra = [f for f in t.facts if f.kind == "extra_fields"]
    assert len(extra) == 1 and extra[0].extra["fields"] == 4 and "E2" in extra[0].value


# What each system's export must be read as, with no mapping: canonical column -> header, the
# people who are staff, and the leaver (every fixture has one person on leave, who stays staff).
SYSTEMS = {
    "workday": ("Workday", {"employee_id": "Employee ID", "name": "Legal Name", "title": "Business Title",
                            "department": "Supervisory Organization", "seniority": "Management Level",
                            "email": "Primary Work Email", "status": "Worker Status"}, "21003"),
    "adp": ("ADP Workforce Now", {"employee_id": "Associate ID", "first_name": "Legal First Name",
                                  "last_name": "Legal Last Name", "title": "Job Title Description",
                                  "department": "Home Department Description", "email": "Work Contact: Work Email",
                                  "status": "Position Status"}, "G3XK7Y2Q3"),
    "successfactors": ("SAP SuccessFactors", {"employee_id": "USERID", "first_name": "FIRSTNAME",
                                              "last_name": "LASTNAME", "email": "EMAIL", "title": "TITLE",
                                              "department": "DEPARTMENT", "status": "STATUS"}, "jreed"),
    "bamboohr": ("BambooHR", {"employee_id": "Employee #", "first_name": "First Name", "last_name": "Last Name",
                              "title": "Job Title", "department": "Department", "email": "Work Email",
                              "status": "Status"}, "9"),
    "personio": ("Personio", {"employee_id": "ID", "first_name": "First name", "last_name": "Last name",
                              "email": "Email", "title": "Position", "department": "Department",
                              "status": "Status"}, "1837216"),
    "hibob": ("HiBob", {"employee_id": "Employee ID", "name": "Display name", "email": "Email",
                        "title": "Job title", "department": "Department", "status": "Lifecycle status"}, "3336729876"),
    "rippling": ("Rippling", {"employee_id": "Employee ID", "first_name": "Legal first name",
                              "last_name": "Legal last name", "email": "Work email", "title": "Title",
                              "department": "Department", "status": "Employment status"}, "E-0003"),
    "gusto": ("Gusto", {"employee_id": "Gusto employee ID", "first_name": "First Name", "last_name": "Last Name",
                        "email": "Work Email", "title": "Job Title", "department": "Department",
                        "status": "Employment Status"}, "9QX3M0"),
    "google_workspace": ("Google Workspace", {"first_name": "First Name [Required]", "last_name": "Last Name [Required]",
                                              "email": "Email Address [Required]", "title": "Employee Title",
                                              "department": "Department", "status": "Status [READ ONLY]"},
                         "hana.sato@example.com"),
    "entra": ("Microsoft Entra ID", {"employee_id": "id", "name": "displayName", "email": "mail",
                                     "title": "jobTitle", "department": "department", "active": "accountEnabled"},
              "5bde3e51-d13b-4db1-9948-fe4b109d11a7"),
}


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_each_hr_system_export_is_read_without_a_mapping(system):
    label, expected, leaver = SYSTEMS[system]
    t = read_staff(HR_EXPORTS / f"{system}.csv")
    assert t.reading.system == label
    for canonical, header in expected.items():
        assert t.reading.used.get(canonical, [None])[0] == header, (canonical, t.reading.used)
    assert list(t.leavers["employee_id"]) == [leaver]
    assert len(t.frame) == 2 and t.frame["name"].str.len().gt(3).all() and t.frame["email"].str.contains("@").all()
    assert not [f for f in t.facts if f.kind == "bad_value"], t.facts  # every status and level understood
    unknown = [h.header for h in t.reading.headers if not h.canonical and not h.known]
    assert unknown == [], unknown


def test_every_shipped_system_has_a_fixture():
    from audit.dialects import system_names

    assert sorted(system_names()) == sorted(label for label, _m, _l in SYSTEMS.values())


def test_google_workspace_without_ids_uses_the_email_as_id():
    t = read_staff(HR_EXPORTS / "google_workspace.csv")
    assert list(t.frame["employee_id"]) == ["priya.shah@example.com", "marco.rossi@example.com"]
    assert t.reading.id_from_email == 3


def test_successfactors_label_row_is_not_a_person():
    t = read_staff(HR_EXPORTS / "successfactors.csv")
    assert t.reading.label_row and "USERID" not in set(t.frame["employee_id"])
    assert list(t.frame["row"]) == [3, 4]


def test_entra_mail_falls_back_to_the_user_principal_name(tmp_path):
    text = (HR_EXPORTS / "entra.csv").read_text().replace(",AdeleV@contoso.com,Adele,", ",,Adele,")
    t = read_staff(write(tmp_path, text))
    assert t.frame.iloc[0]["email"] == "AdeleV@contoso.com"


@pytest.mark.parametrize("status, leaver", [
    ("Terminated", True), ("Inactive", True), ("Suspended", True), ("Withdrawn", True), ("Retired", True),
    ("Active", False), ("On Leave", False), ("Leave of Absence", False), ("Parental leave", False),
    ("Garden leave", False), ("Hired", False),
])
def test_status_values(tmp_path, status, leaver):
    t = read_staff(write(tmp_path, f"employee_id,name,Status\nE1,Ann,{status}\nE2,Bo,Active\n"))
    assert (list(t.leavers["employee_id"]) == ["E1"]) is leaver
    assert ("E1" in set(t.frame["employee_id"])) is not leaver


def test_any_status_column_saying_leaver_makes_a_leaver(tmp_path):
    t = read_staff(write(tmp_path, "employee_id,Status,Employment Status,accountEnabled\n"
                                   "E1,Active,Terminated,\nE2,Active,Full-Time,FALSE\nE3,Active,Part-Time,TRUE\n"))
    assert list(t.leavers["employee_id"]) == ["E1", "E2"] and list(t.frame["employee_id"]) == ["E3"]


def test_unknown_status_is_staff_and_reported_once(tmp_path):
    t = read_staff(write(tmp_path, "employee_id,Status\nE1,Sabbatical-ish\nE2,Sabbatical-ish\n"))
    assert list(t.frame["employee_id"]) == ["E1", "E2"]
    assert [(f.kind, f.column, f.rows) for f in t.facts] == [("bad_value", "status", (2, 3))]


@pytest.mark.parametrize("level, seniority", [
    ("1 Executive", "executive"), ("2 Senior Vice President", "executive"), ("3 Vice President", "executive"),
    ("4 Director", "senior"), ("5 Manager", "mid"), ("6 Supervisor", "mid"), ("7 Individual Contributor", "mid"),
    ("VP", "executive"), ("Chief Marketing Officer", "executive"), ("Head of Design", "senior"),
    ("Senior Director", "senior"), ("Intern", "junior"), ("junior", "junior"),
])
def test_builtin_seniority_ladders(tmp_path, level, seniority):
    t = read_staff(write(tmp_path, f"Employee ID,Management Level\nE1,{level}\n"))
    assert t.frame.iloc[0]["seniority"] == seniority and t.facts == []


def test_policy_value_maps_come_first(tmp_path):
    values = {"seniority": {"L7": "senior", "Band *": "mid", "5 Manager": "senior"},
              "client_facing": {"Sales": True}, "photo_source": {"Booth": "photographer"},
              "status": {"Gone": "leaver"}}
    t = read_staff(write(tmp_path, "employee_id,level,client_facing,photo_source,status\n"
                                   "E1,L7,Sales,Booth,Active\nE2,band 3,no,ai,Active\nE3,5 Manager,,,Gone\n"),
                   values=values)
    rows = {r.employee_id: r for r in t.frame.itertuples()}
    assert (rows["E1"].seniority, rows["E1"].client_facing, rows["E1"].photo_source) == ("senior", True, "photographer")
    assert rows["E2"].seniority == "mid" and rows["E2"].client_facing is False
    assert list(t.leavers["employee_id"]) == ["E3"] and t.leavers.iloc[0]["seniority"] == "senior"
    assert t.facts == []


def test_ignored_headers_are_recorded(tmp_path):
    t = read_staff(write(tmp_path, "employee_id,Mail Alias,Cost Center,Favourite Colour\nE1,a@x,C1,blue\n"))
    ignored = {h.header: h.known for h in t.reading.headers if not h.canonical}
    assert ignored == {"Mail Alias": False, "Cost Center": True, "Favourite Colour": False}


@pytest.mark.parametrize("dates, expected", [
    (["03/01/2015", "07/12/2019"], ["2015-03-01", "2019-07-12"]),  # US systems: month first
    (["03/01/2015", "25/12/2019"], ["2015-01-03", "2019-12-25"]),  # a day above 12 settles it
    (["01.03.2015", "07.12.2019"], ["2015-03-01", "2019-12-07"]),  # dots: German, day first
    (["2015-03-01", "2019/12/07 09:12:44"], ["2015-03-01", "2019-12-07"]),
])
def test_hire_dates_as_exports_write_them(tmp_path, dates, expected):
    rows = "".join(f"E{i},{d}\n" for i, d in enumerate(dates))
    t = read_staff(write(tmp_path, "employee_id,Hire Date\n" + rows))
    assert list(t.frame["hire_date"]) == expected and t.facts == []


def test_excel_sep_line_and_empty_trailing_columns(tmp_path):
    t = read_staff(write(tmp_path, "sep=;\r\nEmployee ID;Legal Name;Worker Status;\r\nW1;Ann;Aktiv;\r\nW2;Bo;Ausgetreten;\r\n"))
    assert t.reading.delimiter == ";" and [h.header for h in t.reading.headers] == ["Employee ID", "Legal Name",
                                                                                      "Worker Status"]
    assert list(t.frame["employee_id"]) == ["W1"] and list(t.leavers["employee_id"]) == ["W2"] and t.facts == []


def test_microsoft_365_spelling_of_entra_headers(tmp_path):
    t = read_staff(write(tmp_path, "Object ID,Display name,User principal name,Job title,Account enabled\n"
                                   "6e7b,Adele Vance,AdeleV@contoso.com,Retail Manager,True\n"
                                   "87d3,Alex Wilber,AlexW@contoso.com,Marketing Assistant,False\n"))
    assert t.reading.used["employee_id"] == ["Object ID"] and t.reading.used["email"] == ["User principal name"]
    assert list(t.frame["email"]) == ["AdeleV@contoso.com"] and list(t.leavers["employee_id"]) == ["87d3"]


@pytest.mark.parametrize("raw, needle", [(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "Excel workbook"),
                                         (bytes(range(1, 32)) * 20, "binary data")])
def test_a_workbook_or_binary_file_says_what_it_is(tmp_path, raw, needle):
    path = tmp_path / "staff.csv"
    path.write_bytes(raw)
    with pytest.raises(StaffError, match=needle):
        read_staff(path)


def test_our_own_column_names_are_no_hr_system(tmp_path):
    assert read_staff(write(tmp_path, CANONICAL + "E1,Ann,,,,,,,,\n")).reading.system is None
