"""`pip install .` (not only editable) ships filters/, styles/ and content/ inside the package,
and the installed command works from a folder outside the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                             str(out), str(ROOT)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail("building the wheel failed: " + result.stderr[-2000:])
    (path,) = out.glob("qtconvert-*.whl")
    return path


def test_wheel_carries_the_data_folders(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "qtconvert/filters/raw-html-as-text.lua" in names
    assert "qtconvert/verify/EpubCheckMany.java" in names  # verify runs EPUBCheck through it
    assert any(n.startswith("qtconvert/styles/") and n.endswith(".css") for n in names)
    assert "qtconvert/writers/anki/card.css" in names  # a format ships its own assets
    assert "qtconvert/content/medicine/what-are-the-steps-involved-in-the-process-of-" \
           "metastasis.md" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "qtconvert = qtconvert.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_package_runs_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import qtconvert, qtconvert.package_data as p; "
         "print(qtconvert.__file__); print(p.data_dir('filters')); print(p.data_dir('styles'))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert all(line.startswith(str(target)) for line in where), where
    check = subprocess.run([sys.executable, "-m", "qtconvert", "check", "--json"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["articles"] == 31
    helptext = subprocess.run([sys.executable, "-m", "qtconvert", "--help"], cwd=tmp_path,
                              env=env, capture_output=True, text=True, check=True).stdout
    assert "build" in helptext
