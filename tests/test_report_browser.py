"""report.html in a real headless browser (Debian's chromium): the matrix renders, the
filters run, no console error, a screenshot is taken (and copied to docs/ for the README).

Skips when no chromium is installed (``.ci/run`` installs it: apt-get install chromium).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.cli import main
from tests.test_report import jax_doc, torch_doc, write

ROOT = Path(__file__).resolve().parents[1]
BROWSER = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="chromium is not installed "
                                "(apt-get install chromium)")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [str(BROWSER), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args],
        capture_output=True, text=True, timeout=120)


def console_lines(stderr: str) -> list[str]:
    """Console messages (every level) and uncaught errors from chromium's log."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("browser")
    files = [write(tmp, "torch-2.12.json", torch_doc("2.12.0", gelu_outcome="pass")),
             write(tmp, "torch-2.13.json", torch_doc("2.13.0")), write(tmp, "jax.json", jax_doc())]
    assert main(["report", *map(str, files), "-o", str(tmp / "report"), "-q"]) == 0
    return tmp / "report" / "report.html"


def test_matrix_renders_without_console_errors(report_html: Path, tmp_path: Path) -> None:
    run = chromium(tmp_path, "--dump-dom", report_html.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_lines(run.stderr) == []
    dom = run.stdout
    assert '<table id="matrix">' in dom
    assert re.search(r'<span id="visible-count">\d+</span>', dom)  # the script ran
    rows = re.findall(r'<tr data-kind="([a-z]+)" data-statuses="[a-z ]+"( class="")?>', dom)
    assert len(rows) >= 6 and {k for k, _ in rows} >= {"activation", "loss", "gradient", "paths"}
    assert "torch 2.13.0" in dom and 'class="cell s-divergence"' in dom


def test_filters_from_the_url(report_html: Path, tmp_path: Path) -> None:
    run = chromium(tmp_path, "--dump-dom", report_html.as_uri() + "#kind=activation&outcome=fail")
    assert console_lines(run.stderr) == []
    assert 'data-filtered="activation/fail"' in run.stdout
    shown = re.findall(r'<tr data-kind="([a-z]+)" data-statuses="([a-z ]+)"(?: class="")?>', run.stdout)
    assert shown and all(k == "activation" and "fail" in s.split() for k, s in shown)
    hidden = re.findall(r'<tr data-kind="[a-z]+" data-statuses="[a-z ]+" class="hidden">', run.stdout)
    assert hidden


def test_screenshot(report_html: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    run = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1400,1000", report_html.as_uri())
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    assert console_lines(run.stderr) == []
    (ROOT / "docs").mkdir(exist_ok=True)  # the README shows this screenshot
    shutil.copyfile(shot, ROOT / "docs" / "report-screenshot.png")
