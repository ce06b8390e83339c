import os

import pytest

from audit.inventory import InventoryError, build_inventory, resolve_photo_path, slugify
from audit.staff import read_staff

HEADER = "employee_id,name,email,photo\n"


def inventory(root):
    return build_inventory(root, read_staff(root / "staff.csv"))


def test_csv_paths_and_directory_export_naming(make_portfolio):
    root = make_portfolio(HEADER
                          + "E1,Ann Lee,ann@x.com,photos/custom.jpg\n"
                          + "E2,Bo Chan,bo.chan@x.com,\n"
                          + "E3,Cy Diaz,cy@x.com,\n"
                          + "E4,José O'Neil,jose@x.com,\n"
                          + "E5,Nobody Here,nob@x.com,\n",
                          {"photos/custom.jpg": 1, "photos/bo.chan.jpg": 2, "export/E3.png": 3,
                           "photos/jose-oneil.jpg": 4, "photos/stranger.jpg": 5})
    inv = inventory(root)
    match = dict(zip(inv.staff["employee_id"], zip(inv.staff["file"], inv.staff["match_rule"])))
    assert match["E1"] == ("photos/custom.jpg", "csv")
    assert match["E2"] == ("photos/bo.chan.jpg", "e-mail local part")
    assert match["E3"] == ("export/E3.png", "employee id")
    assert match["E4"] == ("photos/jose-oneil.jpg", "name")
    assert match["E5"] == (None, None)
    owners = dict(zip(inv.photos["file"], inv.photos["employee_id"]))
    assert owners["photos/stranger.jpg"] is None


@pytest.mark.parametrize("value, reason", [
    ("../outside.jpg", "leaves the portfolio"),
    ("photos/../../x.jpg", "leaves the portfolio"),
    ("/etc/passwd", "absolute path"),
    ("C:\\photos\\a.jpg", "absolute path"),
    ("http://example.com/a.jpg", "URL"),
    ("file:///etc/passwd", "URL"),
    ("data:image/png;base64,AAAA", "URL"),
])
def test_unsafe_paths_are_refused(tmp_path, value, reason):
    rel, why = resolve_photo_path(tmp_path.resolve(), value)
    assert rel is None and reason in why


def test_unsafe_and_missing_paths_become_issues(make_portfolio, tmp_path):
    (tmp_path / "secret.jpg").write_bytes(b"x")
    root = make_portfolio(HEADER + "E1,Ann,,../secret.jpg\nE2,Bo,,http://evil/x.jpg\nE3,Cy,,photos/gone.jpg\n",
                          {"photos/E9.jpg": 1})
    inv = inventory(root)
    kinds = sorted((f.kind, f.employee_id) for f in inv.facts)
    assert kinds == [("photo_not_found", "E3"), ("unsafe_path", "E1"), ("unsafe_path", "E2")]
    assert inv.staff["file"].isna().all()


def test_symlink_out_of_the_portfolio_is_not_followed(make_portfolio, tmp_path):
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"secret")
    root = make_portfolio(HEADER + "E1,Ann,,photos/link.jpg\n", {"photos/real.jpg": 1})
    os.symlink(outside, root / "photos" / "link.jpg")
    inv = inventory(root)
    assert "photos/link.jpg" not in set(inv.photos["file"])
    assert sorted(f.kind for f in inv.facts) == ["outside_link", "unsafe_path"]  # the scan and the CSV path


def test_extra_files_of_a_person_are_theirs(make_portfolio):
    root = make_portfolio(HEADER + "E1005,Ann,,photos/E1005.jpg\n", {"photos/E1005.jpg": 1, "photos/E1005_old.jpg": 2})
    inv = inventory(root)
    rows = {r.file: (r.employee_id, r.is_primary) for r in inv.photos.itertuples()}
    assert rows == {"photos/E1005.jpg": ("E1005", True), "photos/E1005_old.jpg": ("E1005", False)}


def test_output_folder_inside_portfolio_is_not_scanned(make_portfolio):
    root = make_portfolio(HEADER + "E1,Ann,,\n", {"photos/E1.jpg": 1, "out/thumb.jpg": 2})
    inv = build_inventory(root, read_staff(root / "staff.csv"), exclude=root / "out")
    assert list(inv.photos["file"]) == ["photos/E1.jpg"]


def test_missing_portfolio(tmp_path):
    with pytest.raises(InventoryError, match="does not exist"):
        build_inventory(tmp_path / "nope", _empty_staff(tmp_path))


def _empty_staff(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("employee_id\nE1\n")
    return read_staff(p)


def test_slugify():
    assert slugify("José  O'Neil") == "jose-oneil"
    assert slugify("Anne-Marie Smith") == "anne-marie-smith"


def test_photos_named_by_email_name_or_id_in_department_folders(make_portfolio):
    root = make_portfolio("First Name [Required],Last Name [Required],Email Address [Required],Employee ID,Status [READ ONLY]\n"
                          "Priya,Shah,Priya.Shah@example.com,,Active\n"
                          "Marco,Rossi,marco.rossi@example.com,,Active\n"
                          "Hana,Sato,hana.sato@example.com,G-7,Active\n",
                          {"Sales/EMEA/priya.shah@example.com.jpg": 1, "Sales/Marco Rossi.JPG": 2, "Support/G-7.png": 3})
    inv = inventory(root)
    match = dict(zip(inv.staff["employee_id"], zip(inv.staff["file"], inv.staff["match_rule"])))
    assert match == {"Priya.Shah@example.com": ("Sales/EMEA/priya.shah@example.com.jpg", "e-mail"),
                     "marco.rossi@example.com": ("Sales/Marco Rossi.JPG", "name"),
                     "G-7": ("Support/G-7.png", "employee id")}


def test_last_comma_first_names_match_first_last_files(make_portfolio):
    root = make_portfolio("employee_id,name\nE1,\"Lee, Ann\"\n", {"Ann Lee.jpg": 1})
    assert list(inventory(root).staff["file"]) == ["Ann Lee.jpg"]


@pytest.mark.parametrize("name", ["with space.jpg", "new\nline.jpg", "-leading-dash.jpg", "emoji 📷.jpg",
                                  "--.jpg", "ünïcödé.png"])
def test_any_file_name_is_inventoried(make_portfolio, name):
    root = make_portfolio(HEADER + f"E1,Ann,,{'dept/' + name if chr(10) not in name else ''}\n", {f"dept/{name}": 1})
    inv = inventory(root)
    assert list(inv.photos["file"]) == [f"dept/{name}"]
    if "\n" not in name:
        assert list(inv.staff["file"]) == [f"dept/{name}"]


def test_names_that_are_not_utf8_are_shown_readably_and_opened_by_their_real_name(make_portfolio):
    root = make_portfolio("employee_id,name\nE1,José Müller\nE2,Zoë\n", {})
    raw_cp437 = os.fsencode(str(root)) + b"/Jos\x82 M\x81ller.jpg"  # Windows' zip (code page 437)
    raw_1252 = os.fsencode(str(root)) + b"/Zo\xeb.jpg"  # Windows-1252
    for raw in (raw_cp437, raw_1252):
        with open(raw, "wb") as fh:
            fh.write(b"not really a photo")
    inv = inventory(root)
    files = sorted(inv.photos["file"])
    assert files == ["José Müller.jpg", "Zoë.jpg"]
    assert all(f.encode("utf-8") for f in files)  # printable: no escaped bytes left
    assert dict(zip(inv.staff["employee_id"], inv.staff["file"])) == {"E1": "José Müller.jpg", "E2": "Zoë.jpg"}
    for f in files:
        assert os.fsencode(root / inv.disk_name(f)) in (raw_cp437, raw_1252)


def test_leavers_photos_are_set_apart_not_audited(make_portfolio):
    root = make_portfolio("Employee ID,Legal Name,Worker Status\nE1,Ann Lee,Active\nE2,Bo Chan,Terminated\n"
                          "E3,Cy Diaz,On Leave\nE4,Di Eve,Terminated\n",
                          {"photos/E1.jpg": 1, "photos/E2.jpg": 2, "photos/E2_2019.jpg": 3, "photos/Cy Diaz.jpg": 4})
    inv = inventory(root)
    assert list(inv.staff["employee_id"]) == ["E1", "E3"]
    assert sorted(inv.photos["file"]) == ["photos/Cy Diaz.jpg", "photos/E1.jpg"]
    assert inv.leaver_files == ["photos/E2.jpg", "photos/E2_2019.jpg"]
    facts = [(f.kind, f.employee_id, f.file, f.value) for f in inv.facts]
    assert facts == [("leaver_photo", "E2", "photos/E2.jpg", "Terminated"),
                     ("leaver_photo", "E2", "photos/E2_2019.jpg", "Terminated")]


def test_a_current_person_keeps_a_file_a_leaver_also_matches(make_portfolio):
    root = make_portfolio("employee_id,name,status\nE1,Ann Lee,Active\nE2,Ann Lee,Terminated\n", {"Ann Lee.jpg": 1})
    inv = inventory(root)
    assert list(inv.photos["employee_id"]) == ["E1"] and inv.leaver_files == []


def test_family_name_first_files_and_ids_without_leading_zeros(make_portfolio):
    root = make_portfolio("File Number,Payroll Name,Legal First Name,Legal Last Name\n"
                          "000123,\"Garcia, Maria\",Maria,Garcia\n000124,\"Chen, James\",James,Chen\n"
                          "000125,\"Patel, Priya\",Priya,Patel\n",
                          {"Finance/123.jpg": 1, "Finance/Chen James.jpg": 2, "Finance/priya_patel.png": 3})
    match = dict(zip(inventory(root).staff["employee_id"], inventory(root).staff["file"]))
    assert match == {"000123": "Finance/123.jpg", "000124": "Finance/Chen James.jpg",
                     "000125": "Finance/priya_patel.png"}
