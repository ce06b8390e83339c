"""The house-style brief: data from a rendered set, Markdown and PDF, and the CLI command."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from audit import brief
from audit.errors import ReportError
from audit.report.templating import local_only_fetcher
from audit.cli import cli
from audit.policy import load_policy
from tests.synth.deviations import house_specs
from tests.synth.portrait import render_portrait


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory):
    root = tmp_path_factory.mktemp("portfolio")
    specs = house_specs(8, seed=21, width=400, height=500, backdrop=(150, 150, 150), head_scale=0.3,
                        head_center=(0.5, 0.42), light_direction=-0.6)
    for i, s in enumerate(specs):
        render_portrait(s).save(root / f"p{i}.jpg", quality=90)
    (root / "staff.csv").write_text("employee_id,name,photo\n" + "".join(f"E{i},P {i},p{i}.jpg\n" for i in range(6)),
                                    encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def data(portfolio):
    return brief.brief_data(brief.collect_features(portfolio), load_policy())


def test_brief_data_describes_the_set(data):
    assert data["n_photos"] == 8 and data["n_styles"] == 1 and data["main_share"] == 1.0
    assert re.fullmatch(r"#[0-9a-f]{6}", data["backdrop"]["hex"])
    r, g, b = (int(data["backdrop"]["hex"][i:i + 2], 16) for i in (1, 3, 5))
    assert max(r, g, b) - min(r, g, b) <= 6 and 130 <= r <= 175  # a neutral grey near (150,150,150)
    assert data["backdrop"]["name"].endswith("grey")
    assert data["crop_ratio"] == "4:5" and data["orientation"] == "portrait"
    # rendered at head_scale 0.30 (hairline to chin); the face box runs from the brows: ~0.65 of it
    assert 0.16 < data["head_size"] < 0.26 and 0.35 < data["eye_line"] < 0.45
    assert data["light_direction"].startswith("key light from camera left")
    assert data["min_size"]["short_side"] >= 400 and data["min_size"]["height"] > data["min_size"]["width"]
    assert data["framing_svg"].startswith("<svg") and "href" not in data["framing_svg"]


def test_markdown_is_one_page_of_facts(data):
    md = brief.render_markdown(data)
    assert md.startswith("# House-style brief")
    for word in ("Backdrop", data["backdrop"]["hex"], "4:5", "Head size", "Eye line", "Lighting", "Minimum size"):
        assert word in md
    assert len(md.splitlines()) < 25


def test_pdf_renders_offline_and_refuses_remote_urls(data):
    pdf = brief.render_pdf(data)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    # the brief renders through the report's fetcher with no folder: data: URLs only
    fetcher = local_only_fetcher(None)
    for url in ("https://example.com/x.png", "file:///etc/passwd"):
        with pytest.raises(ReportError, match="refused"):
            fetcher.fetch(url) if hasattr(fetcher, "fetch") else fetcher(url)
    html = brief.render_html(data).replace("</body>", '<img src="file:///etc/hostname"><img src="http://example.com/t.png"></body>')
    from audit.report.templating import html_to_pdf

    assert html_to_pdf(html).startswith(b"%PDF")  # refused images are skipped, never fetched


def test_cli_writes_md_and_pdf(portfolio, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["brief", str(portfolio), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "brief.md").read_text().startswith("# House-style brief")
    assert (out / "brief.pdf").read_bytes().startswith(b"%PDF")
    res = CliRunner().invoke(cli, ["brief", str(portfolio), "--staff", str(portfolio / "staff.csv"),
                                   "--out", str(out), "--format", "md"])
    assert res.exit_code == 0, res.output
    assert "Learned from 6 photos" in (out / "brief.md").read_text()


def test_cli_errors_exit_2_with_one_line(portfolio, tmp_path):
    runner = CliRunner()
    for args, text in (([str(portfolio), "--format", "docx"], "docx"),
                       ([str(tmp_path / "missing")], "does not exist"),
                       ([str(tmp_path)], "no photos")):
        res = runner.invoke(cli, ["brief", *args, "--out", str(tmp_path / "o")])
        assert res.exit_code == 2 and text in res.output, res.output
    few = tmp_path / "few"
    few.mkdir()
    render_portrait(house_specs(1, seed=1)[0]).save(few / "a.jpg")
    res = runner.invoke(cli, ["brief", str(few), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "too few" in res.output
