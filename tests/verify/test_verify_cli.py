"""`qtconvert verify` and `build --verify` on the command line: lines, summary, JSON, exit
status."""

from __future__ import annotations

import json

from faults import copy_format

from qtconvert.cli import main

MD = "markdown/chemistry/how-do-you-balance-a-chemical-equation.md"


def broken(sample_build, tmp_path):
    out = copy_format(sample_build("markdown"), "markdown", tmp_path / "out")
    (out / MD).write_text((out / MD).read_text() + "\n[gone](gone.md)\n")
    return out


def test_clean_output_exits_0_with_a_summary(sample_build, capsys):
    assert main(["verify", str(sample_build("markdown")), "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["format", "files", "errors", "warnings", "time"]
    assert lines[1].split()[:4] == ["markdown", "31", "0", "0"]


def test_a_problem_is_one_line_and_exit_1(sample_build, tmp_path, capsys):
    out = broken(sample_build, tmp_path)
    assert main(["verify", str(out), "-q"]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"error: {out / MD}: link: gone.md: no such file in OUT"


def test_json(sample_build, tmp_path, capsys):
    out = broken(sample_build, tmp_path)
    assert main(["verify", str(out), "--json", "--format", "markdown"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["problems"] == [{"file": MD, "format": "markdown", "check": "link",
                                   "message": "gone.md: no such file in OUT",
                                   "severity": "error"}]
    assert report["summary"]["markdown"]["errors"] == 1


def test_usage_errors_exit_2(sample_build, tmp_path, capsys):
    assert main(["verify", str(tmp_path / "missing")]) == 2
    assert main(["verify", str(sample_build("markdown")), "-f", "epub"]) == 2
    assert "build --format epub first" in capsys.readouterr().err


def test_build_then_verify(tmp_path, capsys):
    from conftest import CONTENT

    assert main(["build", str(CONTENT), "-o", str(tmp_path), "-f", "markdown", "-q",
                 "--verify"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("0 errors, 0 warnings in 31 files")


def test_progress_counts_every_file(sample_build):
    from qtconvert.progress import Progress
    from qtconvert.verify import verify

    class Recorded(Progress):
        def __init__(self):
            self.calls = []

        def start(self, label, total):
            self.calls.append(("start", label, total))

        def advance(self, steps=1):
            self.calls.append(("advance", steps))

        def done(self):
            self.calls.append(("done",))

    progress = Recorded()
    verify(sample_build("markdown"), jobs=1, progress=progress)
    assert progress.calls[0] == ("start", "verify", 31) and progress.calls[-1] == ("done",)
    assert sum(c[1] for c in progress.calls if c[0] == "advance") == 31


def test_the_bar_on_a_terminal(sample_build, monkeypatch, capsys):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    assert main(["verify", str(sample_build("markdown"))]) == 0
    shown = stream.getvalue()
    assert "\x1b[" in shown and "31/31" in shown  # rich's live bar, redrawn in place
    assert "verify: 31/31 done in" in shown.splitlines()[-1]  # the bar gives way to a line
