"""--scheduler sends the per-photo work to a Dask distributed cluster; here a local one on
loopback. The results must be the same as a local run."""

import json

import pytest
from click.testing import CliRunner

from audit.cli import cli

distributed = pytest.importorskip("distributed")

STAFF = "employee_id,name,photo,photo_date\nE1,Ann,a.jpg,2025-01-01\nE2,Bo,b.jpg,2021-01-01\nE3,Cy,c.png,\n"


def test_scheduler_runs_the_same_audit(make_portfolio, tmp_path):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2, "c.png": 3})
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        common = [str(root), "--format", "json", "--as-of", "2026-11-29", "--no-cache"]
        r = CliRunner().invoke(cli, ["run", *common, "--out", str(tmp_path / "dask"),
                                     "--scheduler", cluster.scheduler_address])
        assert r.exit_code == 0, r.output
        with distributed.Client(cluster) as client:
            prefixes = client.run_on_scheduler(lambda dask_scheduler: {
                name: sum(p.state_counts.values()) for name, p in dask_scheduler.task_prefixes.items()})
        assert prefixes.get("extract_star", 0) >= 3, prefixes  # the photo tasks ran on the cluster
    local = CliRunner().invoke(cli, ["run", *common, "--out", str(tmp_path / "local"), "--jobs", "1"])
    assert local.exit_code == 0
    a = json.loads((tmp_path / "dask" / "audit.json").read_text())
    b = json.loads((tmp_path / "local" / "audit.json").read_text())
    assert a["photos"] == b["photos"] and a["findings"] == b["findings"]


def test_unreachable_scheduler_is_a_clear_error(make_portfolio, tmp_path):
    root = make_portfolio(STAFF, {"a.jpg": 1})
    r = CliRunner().invoke(cli, ["run", str(root), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9"])
    assert r.exit_code == 2 and "cannot connect" in r.output
