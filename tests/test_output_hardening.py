"""The output folder under a careless user and a killed or concurrent build: `--clean` removes
only what qtconvert wrote, OUT is checked before any work, one build at a time writes into it,
and every write failure is one line naming the file (issues 10 and 16)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import write_article
from qtconvert import output
from qtconvert.build import build
from qtconvert.errors import BuildError, UsageError
from qtconvert.output import OUTPUT_MANIFEST, OUTPUT_MARKER, OutputFolder
from qtconvert.writers import BuildOptions

MARKDOWN = BuildOptions(formats=("markdown",))
CLEAN = BuildOptions(formats=("markdown",), clean=True)


def articles(folder: Path, *slugs: str) -> Path:
    for slug in slugs:
        write_article(folder, f"{slug}.md", url=f"/learn/mathematics/questions/{slug}")
    return folder


def run(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, "-m", "qtconvert", *args], capture_output=True,
                          text=True, env=env, **kwargs)


# -- 10.1: --clean removes only files a qtconvert build wrote --------------------------------

def test_a_build_into_a_users_folder_leaves_no_marker_so_clean_never_deletes_there(tmp_path):
    """The reported case: a plain build into a folder of one's own, then `--clean`."""
    source = articles(tmp_path / "in", "a")
    home = tmp_path / "home"
    (home / "markdown").mkdir(parents=True)
    notes = home / "markdown" / "my-notes.md"
    notes.write_text("mine")
    build(source, home, MARKDOWN)
    assert not (home / OUTPUT_MARKER).exists()  # qtconvert did not make this folder
    assert (home / "markdown" / "mathematics" / "a.md").is_file()
    with pytest.raises(BuildError, match=f"has no {OUTPUT_MARKER}"):
        build(source, home, CLEAN)
    assert notes.read_text() == "mine"


def test_clean_keeps_files_a_user_added_to_a_folder_qtconvert_made(tmp_path):
    source = articles(tmp_path / "in", "a", "b")
    out = tmp_path / "out"
    build(source, out, MARKDOWN)
    assert (out / OUTPUT_MARKER).is_file()
    mine = [out / "markdown" / "my-notes.md", out / "markdown" / "mathematics" / "mine.md",
            out / "markdown" / "notes" / "todo.md", out / "markdown" / "mathematics" / ".tmp-x.md"]
    for path in mine:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("mine")
    (out / "markdown" / "empty-of-mine").mkdir()
    (source / "b.md").unlink()
    result = build(source, out, CLEAN)
    assert [p.name for p in result.written] == ["a.md"]
    assert not (out / "markdown" / "mathematics" / "b.md").exists()  # qtconvert's, stale: gone
    assert all(path.read_text() == "mine" for path in mine)
    assert (out / "markdown" / "empty-of-mine").is_dir()  # a folder it did not empty stays
    listed = (out / OUTPUT_MANIFEST).read_text().splitlines()[1:]
    assert listed == ["markdown/mathematics/a.md"]


def test_an_empty_folder_is_claimed_and_cleaned(tmp_path):
    source = articles(tmp_path / "in", "a", "b")
    out = tmp_path / "out"
    out.mkdir()
    build(source, out, MARKDOWN)
    assert (out / OUTPUT_MARKER).is_file()
    (source / "b.md").unlink()
    build(source, out, CLEAN)
    assert sorted(p.name for p in (out / "markdown" / "mathematics").iterdir()) == ["a.md"]


def test_the_files_of_a_killed_build_are_listed_and_its_temporary_files_removed(tmp_path):
    """A build killed part way leaves its journal: the next build lists its files (so
    `--clean` can remove them once stale) and removes its temporary files, and no other."""
    source = articles(tmp_path / "in", "a")
    out = tmp_path / "out"
    build(source, out, MARKDOWN)
    killed = textwrap.dedent(f"""
        import os, signal
        from qtconvert.output import OutputFolder
        out = OutputFolder({str(out)!r})
        out.write_text(out.path("markdown", "mathematics", "orphan.md"), "x")
        out.temporary_path(out.path("pdf", "book.pdf"))
        out._flush_journal()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    assert subprocess.run([sys.executable, "-c", killed], env=env).returncode == -9
    leftover = list((out / "pdf").glob(".tmp-qtconvert-*.pdf"))
    assert len(leftover) == 1
    mine = out / "pdf" / ".tmp-mine.pdf"
    mine.write_text("mine")
    assert "orphan.md" not in (out / OUTPUT_MANIFEST).read_text()
    build(source, out, CLEAN)
    assert not (out / "markdown" / "mathematics" / "orphan.md").exists()
    assert not leftover[0].exists() and mine.read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == [
        OUTPUT_MANIFEST, OUTPUT_MARKER, "markdown", "pdf"]  # no journal, no work folder
