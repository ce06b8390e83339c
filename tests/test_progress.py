"""Progress on a terminal: a bar for every stage that takes time, in order, and a time left that
comes from measured work (a fake clock here, so nothing depends on the machine's speed)."""

import io
import re

from audit import cli as cli_module
from audit.cli import _Progress, cli


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def terminal_progress(monkeypatch) -> tuple[_Progress, Terminal, Clock]:
    screen, clock = Terminal(), Clock()
    monkeypatch.setattr(cli_module.sys, "stderr", screen)
    monkeypatch.setattr(cli_module.time, "monotonic", clock)
    return _Progress(), screen, clock


def test_time_left_counts_only_measured_photos(monkeypatch):
    p, screen, clock = terminal_progress(monkeypatch)
    p.start(10)
    p.step(4)  # four answered by the cache at once: no speed to learn from
    p.stage("measure", 6)
    clock.now += 5.0
    p.step(1)  # the first photo back carries the workers' start-up: no speed from it
    p.step(1)  # ...nor from the photos returned with it
    clock.now += 2.0
    p.step(2)  # two more in 2 s: the last two take about 2 s
    assert "about 2 s left" in screen.getvalue()
    assert "left" not in screen.getvalue().split("about 2 s left")[0]


def test_drawing_has_its_own_bar_and_time_left_from_parts_done(monkeypatch):
    p, screen, clock = terminal_progress(monkeypatch)
    p.start(2)
    p.step(2)
    p.stage("check", 2)
    p.drawing(["pdf", "json"])  # drawn in write_outputs' order: json, then the report's context, then pdf
    p.part("json")
    p.part("report")
    clock.now += 1.0
    p.part("pdf")  # json + context are 0.08 of 0.93 by the weights: 1 s spent, about 11 s to go
    p.close(finished=True)
    out = screen.getvalue()
    assert out.index("Measuring photos") < out.index("Checking the set") < out.index("Drawing the report")
    assert "about 11 s left" in out
    assert not re.search(r"-\d+%", out)  # the bar never runs backwards


def test_a_run_shows_every_stage_on_a_terminal(make_portfolio, tmp_path, monkeypatch):
    root = make_portfolio("employee_id,name,photo\nE1,Ann,a.jpg\nE2,Bo,b.jpg\n", {"a.jpg": 1, "b.jpg": 2})
    screen = Terminal()
    monkeypatch.setattr(cli_module.sys, "stderr", screen)
    cli.main(["run", str(root), "--out", str(tmp_path / "o"), "--format", "json,html", "--as-of", "2026-11-29",
              "--no-cache"], standalone_mode=False)
    out = screen.getvalue()
    assert out.index("Measuring photos") < out.index("Checking the set") < out.index("Drawing the report")
    assert (tmp_path / "o" / "report.html").is_file()
