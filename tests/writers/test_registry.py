"""Formats register through the `qtconvert.writers` entry point group, built-in ones as a
third-party one does, and each brings its own options to `qtconvert build --help`."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import write_article

from qtconvert.writers import available, default_formats, get_writer

PLUGIN = '''
from dataclasses import dataclass

from qtconvert.writers import Writer, option


@dataclass(frozen=True)
class ShoutOptions:
    loudness: int = option(1, "--shout-loudness", "how many exclamation marks", type=int)


class ShoutWriter(Writer):
    name = "shout"
    suffix = ".txt"
    description = "every question in capitals"
    Options = ShoutOptions

    def write(self):
        marks = "!" * self.format_options.loudness
        return [self.out.write_text(self.out.path("shout", a.slug + self.suffix),
                                    a.question.upper() + marks) for a in self.selected]
'''


def _plugin(tmp_path):
    """A distribution on sys.path that registers `shout` (module, METADATA, entry_points.txt)."""
    site = tmp_path / "site"
    (site / "qtshout-1.0.dist-info").mkdir(parents=True)
    (site / "qtshout.py").write_text(PLUGIN)
    (site / "qtshout-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: qtshout\nVersion: 1.0\n")
    (site / "qtshout-1.0.dist-info" / "entry_points.txt").write_text(
        "[qtconvert.writers]\nshout = qtshout:ShoutWriter\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(site), *filter(None, [os.environ.get("PYTHONPATH")])])}


def run(*args, env):
    return subprocess.run([sys.executable, "-m", "qtconvert", *args], capture_output=True,
                          text=True, env=env, check=False)


def test_built_in_formats_come_from_the_entry_point_group():
    assert list(available())[:5] == ["anki", "epub", "jsonld", "markdown", "pdf"]
    assert set(default_formats()) == {"epub", "jsonld", "markdown", "pdf"}  # anki: an extra
    assert get_writer("pdf").Options().paper == "A4"  # its options come from its package


def test_a_third_party_format_brings_its_option_to_build_help(tmp_path):
    env = _plugin(tmp_path)
    assert "shout" in run("formats", env=env).stdout
    help_text = run("build", "--help", env=env).stdout
    assert "--format shout" in help_text and "--shout-loudness" in help_text
    write_article(tmp_path / "in", "a.md")
    result = run("build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q",
                 "-f", "shout", "--shout-loudness", "3", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "shout" / "what-is-x.txt").read_text() == "WHAT IS X?!!!"
    plain = run("build", str(tmp_path / "in"), "-o", str(tmp_path / "out2"), "-q",
                "-f", "markdown", env=env)
    assert plain.returncode == 0 and not (tmp_path / "out2" / "shout").exists()  # not default


def test_a_format_option_is_refused_where_it_does_not_belong(tmp_path):
    result = run("build", str(tmp_path), "-f", "markdown", "--shout-loudness", "2",
                 env=dict(os.environ))
    assert result.returncode == 2 and "--shout-loudness" in result.stderr


def test_format_options_in_the_python_api_are_checked():
    import pytest

    from qtconvert.errors import UsageError
    from qtconvert.writers import BuildOptions

    options = BuildOptions(format_options={"pdf": {"paper": "Letter"}})
    assert options.for_format(get_writer("pdf")).paper == "Letter"
    with pytest.raises(UsageError, match="unknown option 'papper'"):
        BuildOptions(format_options={"pdf": {"papper": "A4"}}).for_format(get_writer("pdf"))
