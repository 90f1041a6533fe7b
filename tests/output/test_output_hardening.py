"""The output folder under a careless user and a killed or concurrent build: `--clean` removes
only what qtconvert wrote, OUT is checked before any work, one build at a time writes into it,
and every write failure is one line naming the file (issues 10 and 16)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ROOT, write_article

from qtconvert import output
from qtconvert.build import build
from qtconvert.errors import BuildError
from qtconvert.model.urls import CACHE_FOLDER
from qtconvert.output import OUTPUT_MANIFEST, OUTPUT_MARKER, OutputFolder
from qtconvert.writers import BuildOptions

MARKDOWN = BuildOptions(formats=("markdown",))
CLEAN = BuildOptions(formats=("markdown",), clean=True)


def articles(folder: Path, *slugs: str) -> Path:
    for slug in slugs:
        write_article(folder, f"{slug}.md", url=f"/learn/mathematics/questions/{slug}")
    return folder


def run(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
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
    assert [p.name for p in result.written + result.kept] == ["a.md"]
    assert not (out / "markdown" / "mathematics" / "b.md").exists()  # qtconvert's, stale: gone
    assert all(path.read_text() == "mine" for path in mine)
    assert (out / "markdown" / "empty-of-mine").is_dir()  # a folder it did not empty stays
    listed = [line.split("\t")[0] for line in (out / OUTPUT_MANIFEST).read_text().splitlines()[1:]]
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
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert subprocess.run([sys.executable, "-c", killed], env=env).returncode == -9
    leftover = list((out / "pdf").glob(".tmp-qtconvert-*.pdf"))
    assert len(leftover) == 1
    mine = out / "pdf" / ".tmp-mine.pdf"
    mine.write_text("mine")
    assert "orphan.md" not in (out / OUTPUT_MANIFEST).read_text()
    build(source, out, CLEAN)
    assert not (out / "markdown" / "mathematics" / "orphan.md").exists()
    assert not leftover[0].exists() and mine.read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == [  # no journal, no work folder
        CACHE_FOLDER, OUTPUT_MANIFEST, OUTPUT_MARKER, "markdown", "pdf"]


def test_a_file_a_killed_build_replaced_is_not_kept_later_on_its_old_digest(tmp_path):
    """A killed build may have replaced a listed file: the next build, though it writes
    nothing, leaves a manifest that no longer vouches for the old bytes, so a later build
    that makes those bytes again writes them."""
    import hashlib

    out = tmp_path / "out"
    with OutputFolder(out) as first:
        first.write_text(first.path("f", "a.txt"), "old!")
    killed = textwrap.dedent(f"""
        import os, signal
        from qtconvert.output import OutputFolder
        out = OutputFolder({str(out)!r})
        out.write_text(out.path("f", "a.txt"), "new!")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert subprocess.run([sys.executable, "-c", killed], env=env).returncode == -9
    with OutputFolder(out):
        pass  # a build that writes nothing
    with OutputFolder(out) as later:
        old = ("f/a.txt", hashlib.sha256(b"old!").hexdigest(), 4)
        assert later.keep_all_unchanged([old]) == [old]  # same size, other bytes: rewritten


# -- 10.5: --out and --book are checked before any work ---------------------------------------

@pytest.mark.parametrize("where", ["file", "file/below"])
def test_an_out_that_is_a_file_is_a_usage_error_before_any_work(tmp_path, where):
    (tmp_path / "file").write_text("mine")
    result = run("build", str(articles(tmp_path / "in", "a")), "-o", str(tmp_path / where),
                 "-f", "epub,markdown")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"usage error: --out {tmp_path / where}: not a folder"
        + ("" if where == "file" else f" ({tmp_path / 'file'} is a file)")]
    assert (tmp_path / "file").read_text() == "mine"


def test_a_missing_recipe_is_a_usage_error(tmp_path):
    result = run("build", str(articles(tmp_path / "in", "a")), "-o", str(tmp_path / "out"),
                 "-f", "epub", "--book", str(tmp_path / "none.toml"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"usage error: --book {tmp_path / 'none.toml'}: no such " \
                                     "recipe file"
    assert not (tmp_path / "out").exists()


# -- 16.10: one build at a time -----------------------------------------------------------------

def test_a_second_build_into_a_locked_folder_is_refused_naming_the_first(tmp_path):
    source = articles(tmp_path / "in", "a", "b")
    out = tmp_path / "out"
    build(source, out, MARKDOWN)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom qtconvert.output import OutputFolder\n"
         f"held = OutputFolder({str(out)!r})\nheld.open()\nprint('locked', flush=True)\nsys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline() == "locked\n"
        (source / "b.md").unlink()
        with pytest.raises(BuildError, match=f"in use by another qtconvert build \\(pid "
                                             f"{holder.pid}\\)"):
            build(source, out, CLEAN)
        assert (out / "markdown" / "mathematics" / "b.md").is_file()  # nothing removed
    finally:
        holder.communicate("")
    build(source, out, CLEAN)  # the lock ends with the process that held it
    assert not (out / "markdown" / "mathematics" / "b.md").exists()


# -- 16.11: every write failure is one line naming the file ------------------------------------

def test_a_file_where_a_folder_should_be_is_one_line_naming_the_target(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "pdf").write_text("mine")
    folder = OutputFolder(out)
    target = folder.path("pdf", "book.pdf")
    with pytest.raises(BuildError, match=f"could not write {target}: {out / 'pdf'} is a file"):
        folder.temporary_path(target)
    folder.close()
    (out / "markdown").write_text("mine")
    result = run("build", str(articles(tmp_path / "in", "a")), "-o", str(out), "-f", "markdown")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"build error: could not write {out / 'markdown' / 'mathematics' / 'a.md'}: "
        f"{out / 'markdown'} is a file, not a folder")
    assert (out / "pdf").read_text() == (out / "markdown").read_text() == "mine"


def test_an_immutable_folder_is_one_line_naming_the_target(tmp_path):
    """`chattr +i` stops even root (tests here run as root, so a read-only mode would not)."""
    out = tmp_path / "out"
    (out / "pdf").mkdir(parents=True)
    if subprocess.run(["chattr", "+i", str(out / "pdf")], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        folder = OutputFolder(out)
        target = folder.path("pdf", "book.pdf")
        with pytest.raises(BuildError, match=f"could not write {target}: Operation not "
                                             "permitted"):
            folder.temporary_path(target)
        with pytest.raises(BuildError, match=f"could not write {target}: Operation not "
                                             "permitted"):
            folder.write_bytes(target, b"x")
        folder.close()
    finally:
        subprocess.run(["chattr", "-i", str(out / "pdf")], check=True)


_FULL_DISK = """
import resource, signal, sys
from qtconvert.cli import main
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
sys.exit(main(sys.argv[1:]))
"""


def test_a_pdf_that_does_not_fit_is_one_line_naming_the_pdf(tmp_path):
    """A file-size limit stands in for a full disk: WeasyPrint's write fails in its child,
    which writes in the unit's temporary folder (the limit applies to every file, so the build
    cache, the first file a build with it writes, is what fails first then: one line too)."""
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
    source = articles(tmp_path / "in", "a")
    result = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, "build", str(source), "-o", str(out), "-f", "pdf", "-q",
         "--no-cache"], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"build error: could not write pdf/mathematics.pdf: File too large (in the temporary "
        f"folder {tmp})"]
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == [OUTPUT_MANIFEST,
                                                                     OUTPUT_MARKER]
    assert not list(tmp.iterdir())  # the unit's folder is gone
    result = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, "build", str(source), "-o", str(out), "-f", "pdf", "-q"],
        capture_output=True, text=True, env=env)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"build error: cannot use the cache in {out / CACHE_FOLDER}: ")
    assert sorted(p.name for p in out.rglob("*") if p.is_file()
                  and CACHE_FOLDER not in p.parts) == [OUTPUT_MANIFEST, OUTPUT_MARKER]


# -- 16.6: a killed build leaves no child running and no temporary files ------------------------

def _descendants(pid: int) -> list[int]:
    """Every process under `pid`: the build's workers and the WeasyPrint child of each."""
    found = []
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    for child in children:
        found += [child, *_descendants(child)]
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_a_killed_pdf_build_leaves_no_child_and_the_next_build_removes_its_leftovers(
        tmp_path, monkeypatch):
    """The PDF's unit prints its volume in a temporary folder of its own (under $TMPDIR), with
    WeasyPrint in a child process: killing the build kills its workers and their children, and
    the folder they leave is removed by the next build."""
    source = tmp_path / "in"
    answer = "A paragraph of answer text that runs on for a while. " * 40
    for n in range(40):
        write_article(source, f"q{n}.md", url=f"/learn/mathematics/questions/q{n}",
                      answer=answer)
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp),
           "PYTHONPATH": str(ROOT)}
    build_ = subprocess.Popen([sys.executable, "-m", "qtconvert", "build", str(source), "-o",
                               str(out), "-f", "pdf", "-q"], env=env, start_new_session=True)
    children: list[int] = []
    for _ in range(1200):  # until WeasyPrint's child runs (its fonts are in the unit's folder)
        children = _descendants(build_.pid)
        if list(tmp.glob("qtconvert-pdf-*/weasyprint-*")) and children:
            break
        assert build_.poll() is None, "the build ended before it could be killed"
        time.sleep(0.05)
    time.sleep(1)  # WeasyPrint is laying the document out
    children = _descendants(build_.pid)
    os.kill(build_.pid, signal.SIGKILL)
    build_.wait()
    for _ in range(100):
        if not any(_running(c) for c in children):
            break
        time.sleep(0.1)
    try:
        assert not any(_running(c) for c in children)  # they died with the build
    finally:
        for child in children:
            if _running(child):
                os.kill(child, signal.SIGKILL)
    time.sleep(1)
    (left,) = [p for p in tmp.iterdir() if p.is_dir()]  # the unit's folder, never finished
    assert left.name.startswith("qtconvert-pdf-") and not (left / "volume.pdf").exists()
    assert not list(out.glob("pdf/*"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))  # the next build's units use it too
    build(source, out, BuildOptions(formats=("pdf",)))
    assert sorted(p.name for p in (out / "pdf").iterdir()) == ["mathematics.pdf"]
    assert not (out / output.WORK_FOLDER).exists()
    assert not list(tmp.iterdir())  # the killed build's folder is gone, and the next one's


# -- 16.14: outputs survive a machine crash -------------------------------------------------------

def test_outputs_reach_the_disk_before_their_rename_and_their_folders_after(tmp_path, monkeypatch):
    """A file written alone (a book) is fsynced before its rename; small files (`write_all`)
    after their renames, one by one while they are few, else together (`syncfs`, which would
    wait for every file of the file system); each folder is fsynced after its renames."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source, target):
        events.append(("rename", str(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    real_sync_all = output._sync_file_system
    monkeypatch.setattr(output, "_sync_file_system",
                        lambda root: (events.append(("syncfs", str(root))), real_sync_all(root)))
    with OutputFolder(tmp_path / "out") as out:
        book = out.write_bytes(out.path("epub", "book.epub"), b"book")
        small = out.write_all([(out.path("markdown", "s", f"{n}.md"), "x") for n in range(3)])
        many = out.write_all([(out.path("markdown", "m", f"{n}.md"), "x")
                              for n in range(output.SYNC_ONE_BY_ONE + 1)])
    at = {event: n for n, event in enumerate(events)}  # the last time of each
    first = {event: n for n, event in reversed(list(enumerate(events)))}
    temporary = [e for e in events[:at[("rename", str(book))]] if e[0] == "fsync"]
    assert temporary and ".tmp-qtconvert-" in temporary[-1][1]  # the book's data, then rename
    assert at[("fsync", str(book.parent))] > at[("rename", str(book))]
    for p in small:
        assert at[("rename", str(p))] < at[("fsync", str(p))] < at[("fsync", str(p.parent))]
    assert [e for e in events if e[0] == "syncfs"] == [("syncfs", str(out.root))]
    last_many = max(at[("rename", str(p))] for p in many)
    assert at[("syncfs", str(out.root))] > last_many
    assert at[("fsync", str(many[0].parent))] > at[("syncfs", str(out.root))]
    assert not any(("fsync", str(p)) in at for p in many)
    manifest = str(out.root / OUTPUT_MANIFEST)
    assert first[("rename", manifest)] > at[("fsync", str(many[0].parent))]  # listed when safe
    assert at[("fsync", str(out.root))] > at[("rename", manifest)]
