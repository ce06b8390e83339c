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
    codes = sorted((i.code, i.employee_id) for i in inv.issues)
    assert codes == [("DAT004", "E1"), ("DAT004", "E2"), ("DAT007", "E3")]
    assert inv.staff["file"].isna().all()


def test_symlink_out_of_the_portfolio_is_not_followed(make_portfolio, tmp_path):
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"secret")
    root = make_portfolio(HEADER + "E1,Ann,,photos/link.jpg\n", {"photos/real.jpg": 1})
    os.symlink(outside, root / "photos" / "link.jpg")
    inv = inventory(root)
    assert "photos/link.jpg" not in set(inv.photos["file"])
    assert [i.code for i in inv.issues].count("DAT004") == 2  # the scan and the CSV path


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
    p.write_text("employee_id\n")
    return read_staff(p)


def test_slugify():
    assert slugify("José  O'Neil") == "jose-oneil"
    assert slugify("Anne-Marie Smith") == "anne-marie-smith"
