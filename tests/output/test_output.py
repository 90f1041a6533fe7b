"""The output folder: paths that stay inside it, writes that are atomic and happen once, and
`write_all`, which hands long runs of files to a helper process (`file_sink`)."""

from __future__ import annotations

import sys

import pytest

from qtconvert import output
from qtconvert.errors import BuildError
from qtconvert.output import OutputFolder
from qtconvert.output.file_sink import FileSink, SinkError


@pytest.mark.parametrize("value", ["../../x", "/etc/passwd", "a\x00b"])
def test_output_paths_cannot_leave_the_output_folder(tmp_path, value):
    out = OutputFolder(tmp_path / "out")
    path = out.path(value, value + ".md")
    assert (tmp_path / "out") in path.parents
    out.write_text(path, "x")
    assert path.read_text() == "x"


def test_a_relative_path_keeps_a_safe_file_name_and_makes_any_other_safe(tmp_path):
    out = OutputFolder(tmp_path / "out")
    shortened = output.safe_name("a" * 119 + "-b")  # cut at 120 characters: ends in "-"
    assert shortened.endswith("-")
    # where a writer's links say the file is: its name is not made safe a second time
    assert out.relative(f"markdown/m/{shortened}.md") == out.root / "markdown" / "m" / (
        shortened + ".md")
    for leaf, made in [("..", "untitled.untitled"), (".hidden.md", "hidden.md"), ("-x-.md", "x.md"),
                       ("A B.md", "a-b.md"), ("x" * 250 + ".md", "x" * 120 + ".md")]:
        assert out.relative(f"m/{leaf}") == out.root / "m" / made, leaf


def test_outputs_are_written_once_and_atomically(tmp_path):
    out = OutputFolder(tmp_path)
    path = out.path("a", "b.txt")
    out.write_text(path, "one")
    with pytest.raises(BuildError, match="already written"):
        out.write_text(path, "two")
    assert path.read_text() == "one"
    assert not [p for p in tmp_path.rglob(".tmp-*")]  # no temporary file left behind


def test_a_symlink_cannot_lead_writes_out_of_the_output_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "markdown").symlink_to(outside)
    out = OutputFolder(tmp_path / "out")
    with pytest.raises(BuildError, match="outside the output folder"):
        out.write_text(out.root / "markdown" / "x.md", "x")
    with pytest.raises(BuildError, match="outside the output folder"):
        out.write_all([(out.root / "markdown" / "y.md", "y")])
    assert not list(outside.iterdir())


def _files(out: OutputFolder, count: int):
    """`count` files in three folders, text and bytes, one of them empty and one non-ASCII."""
    for n in range(count):
        data = f"file {n} ünïcode\n" * (n % 5) if n % 2 else bytes([n % 256]) * n
        yield out.path(f"f{n % 3}", f"{n}.txt"), data


def test_write_all_puts_every_file_in_place_through_the_helper(tmp_path):
    count = output.IN_PROCESS_FILES + 300  # past the threshold: most go to the helper
    with OutputFolder(tmp_path) as out:
        written = out.write_all(_files(out, count))
    expected = dict(_files(OutputFolder(tmp_path), count))
    assert written == list(expected) and out.written == written
    for path, data in expected.items():
        assert path.read_bytes() == (data.encode() if isinstance(data, str) else data)
    # + the marker and the manifest, which lists them all
    assert sum(1 for p in tmp_path.rglob("*") if p.is_file()) == count + 2
    assert (tmp_path / output.OUTPUT_MARKER).is_file()
    listed = [line.split("\t")[0]  # each path with the SHA-256 of what was written there
              for line in (tmp_path / output.OUTPUT_MANIFEST).read_text().splitlines()[1:]]
    assert sorted(listed) == sorted(p.relative_to(tmp_path).as_posix() for p in written)
    assert not list(tmp_path.rglob(".tmp-*"))


def test_write_all_names_the_file_the_helper_could_not_create(tmp_path):
    out = OutputFolder(tmp_path)
    n = output.IN_PROCESS_FILES + 10
    blocked = out.path(f"f{n % 3}", f"{n}.txt")
    blocked.mkdir(parents=True)  # a folder where a file should go: the rename must fail
    with pytest.raises(BuildError, match=f"could not write {blocked}: Is a directory"):
        out.write_all(_files(out, output.IN_PROCESS_FILES + 100))
    assert not list(tmp_path.rglob(".tmp-*"))
    assert blocked not in out.written


def test_write_all_refuses_a_path_twice_and_stops_the_helper(tmp_path):
    out = OutputFolder(tmp_path)
    files = list(_files(out, output.IN_PROCESS_FILES + 50))
    with pytest.raises(BuildError, match="already written"):
        out.write_all([*files, files[-1]])
    assert files[-1][0].exists()  # sent before the failure, so written: the order is kept


def test_write_all_passes_on_a_failure_of_the_files_it_is_given(tmp_path):
    out = OutputFolder(tmp_path)

    def failing():
        yield from _files(out, output.IN_PROCESS_FILES + 20)
        raise ValueError("the renderer failed")

    with pytest.raises(ValueError, match="the renderer failed"):
        out.write_all(failing())
    assert not list(tmp_path.rglob(".tmp-*"))


def test_write_all_writes_in_process_when_no_helper_can_start(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    out = OutputFolder(tmp_path / "out")
    written = out.write_all(_files(out, output.IN_PROCESS_FILES + 5))
    assert len(written) == output.IN_PROCESS_FILES + 5
    assert all(path.is_file() for path in written)


def test_sweep_refuses_a_symlink_and_a_folder_qtconvert_did_not_make(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("x")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "epub").symlink_to(outside)
    out = OutputFolder(tmp_path / "out")
    with pytest.raises(BuildError, match="symbolic link"):
        out.check_sweep("epub")
    (tmp_path / "home" / "markdown").mkdir(parents=True)  # somebody's own folder
    (tmp_path / "home" / "markdown" / "todo.md").write_text("mine")
    with pytest.raises(BuildError, match="has no .qtconvert-output"):
        OutputFolder(tmp_path / "home").check_sweep("markdown")
    assert (outside / "precious.txt").exists()
    assert (tmp_path / "home" / "markdown" / "todo.md").exists()


def test_sweep_removes_only_what_this_build_did_not_write(tmp_path):
    with OutputFolder(tmp_path) as first:
        first.write_all(_files(first, 3))
        stale = first.write_text(first.path("f0", "old", "gone.txt"), "old")
    with OutputFolder(tmp_path) as second:  # the next build: the marker says qtconvert made it
        kept = second.write_all(_files(second, 3))
        assert second.sweep("f0") == [stale]
    assert all(p.is_file() for p in kept)
    assert not stale.parent.exists()  # its emptied folder goes too




def test_the_helper_creates_nothing_outside_its_folder(tmp_path):
    """A stream out of step (or a caller's bug) cannot make the helper write elsewhere."""
    sink = FileSink(tmp_path / "out")
    (tmp_path / "out").mkdir()
    sink.put(tmp_path / "out" / "a.txt", b"a")
    sink.put(tmp_path / "elsewhere.txt", b"x")
    with pytest.raises(SinkError, match="elsewhere.txt: outside the output folder"):
        sink.close()
    assert (tmp_path / "out" / "a.txt").read_bytes() == b"a"
    assert not (tmp_path / "elsewhere.txt").exists()


def test_a_write_cut_short_is_never_sent_again(tmp_path, monkeypatch):
    """An interrupt inside the pipe write: the helper gets a cut record and creates no file
    from misaligned bytes; `abort` after it neither resends nor fails."""
    (tmp_path / "out").mkdir()
    sink = FileSink(tmp_path / "out")
    sink.put(tmp_path / "out" / "whole.txt", b"w" * 10)
    sink._send()
    real = sink._process.stdin

    class CutShort:
        def write(self, data):
            real.write(bytes(data[:len(data) // 2]))
            real.flush()
            raise KeyboardInterrupt

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(sink._process, "stdin", CutShort())
    with pytest.raises(KeyboardInterrupt):
        sink.put(tmp_path / "out" / "big.bin", b"b" * (2 << 20))  # past the flush size
    sink.abort()
    sink.abort()  # twice is harmless
    assert (tmp_path / "out" / "whole.txt").read_bytes() == b"w" * 10
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["whole.txt"]


def test_a_build_that_keeps_every_file_leaves_the_manifest_as_it_was(tmp_path):
    """A rebuild that writes nothing does not rewrite the manifest; one that writes a file, or
    sweeps one, does."""
    import hashlib
    import os

    def entries() -> tuple[str, ...]:
        return tuple((tmp_path / output.OUTPUT_MANIFEST).read_text().splitlines()[1:])

    with OutputFolder(tmp_path) as first:
        for n in range(3):
            first.write_text(first.path("f", f"{n}.txt"), f"text {n}")
        gone = first.write_text(first.path("g", "gone.txt"), "old")
    manifest = tmp_path / output.OUTPUT_MANIFEST
    before, listed = os.stat(manifest), entries()
    files = [(f"f/{n}.txt", hashlib.sha256(f"text {n}".encode()).hexdigest(), 6) for n in range(3)]
    with OutputFolder(tmp_path) as again:
        assert again.keep_all_unchanged(files) == []
        other = ("g/gone.txt", "0" * 64, 3)  # not what the manifest says it holds
        assert again.keep_all_unchanged([other]) == [other]
    after = os.stat(manifest)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert entries() == listed
    with OutputFolder(tmp_path) as swept:
        swept.keep_all_unchanged(files)
        assert swept.sweep("g") == [gone]
    assert [e for e in listed if "gone" not in e] == list(entries())
    with OutputFolder(tmp_path) as written:
        written.keep_all_unchanged(files[:2])
        written.write_text(written.path("f", "2.txt"), "changed")
    assert entries() != listed and any(e.startswith("f/2.txt\t") for e in entries())


def test_a_first_build_keeps_nothing_and_still_refuses_a_path_twice(tmp_path):
    """In a folder no build wrote in, no file is kept (without asking for each), and a file this
    build wrote and is asked for again is refused when written twice; a later build keeps it."""
    import hashlib

    text = hashlib.sha256(b"one").hexdigest()
    with OutputFolder(tmp_path) as first:
        first.write_text(first.path("a", "one.txt"), "one")
        again = [("a/one.txt", text, 3)]
        assert first.keep_all_unchanged(again) == again
        with pytest.raises(BuildError, match="already written in this build"):
            first.write_all([(first.relative("a/one.txt"), b"one")])
    with OutputFolder(tmp_path) as later:
        assert later.keep_all_unchanged(again) == []


def test_a_sweep_that_finds_a_listed_file_gone_updates_the_manifest_though_nothing_was_written(
        tmp_path):
    """A file the manifest lists and the user removed: `--clean` drops its entry, even in a
    build that writes and removes nothing itself."""
    import hashlib

    with OutputFolder(tmp_path) as first:
        first.write_text(first.path("f", "kept.txt"), "kept")
        gone = first.write_text(first.path("g", "gone.txt"), "gone")
    gone.unlink()
    with OutputFolder(tmp_path) as again:
        assert again.keep_all_unchanged(
            [("f/kept.txt", hashlib.sha256(b"kept").hexdigest(), 4)]) == []
        assert again.sweep("g") == []
    listed = (tmp_path / output.OUTPUT_MANIFEST).read_text()
    assert "f/kept.txt\t" in listed and "g/gone.txt" not in listed


def test_a_failed_build_does_not_list_a_path_it_claimed_and_never_wrote(tmp_path):
    with OutputFolder(tmp_path) as first:
        first.write_text(first.path("a", "one.txt"), "one")
    (tmp_path / "a" / "two.txt").mkdir()  # a folder where the build will write a file
    with pytest.raises(BuildError):
        with OutputFolder(tmp_path) as failing:
            failing.write_all([(failing.path("a", "two.txt"), "two")])
    listed = (tmp_path / output.OUTPUT_MANIFEST).read_text()
    assert "a/one.txt\t" in listed and "a/two.txt" not in listed
