"""The command line: check's report and exit status, build's errors, --help."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import CONTENT, needs_corpus, write_article

from qtconvert.cli import main


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qtconvert", *args], capture_output=True,
                          text=True, cwd=cwd, check=False)


def test_help_lists_commands_and_options():
    out = run("--help").stdout
    assert "check" in out and "build" in out
    build_help = run("build", "--help").stdout
    for option in ("--out", "--format", "--subject", "--jobs", "--quiet", "--strict", "--book",
                   "--stylesheet", "--paper", "--pdf-variant", "--jsonld-profile"):
        assert option in build_help


def test_check_content_json(capsys):
    assert main(["check", str(CONTENT), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"articles", "subjects", "errors", "warnings", "related"}
    assert report["articles"] == 31 and report["errors"] == 0 and report["subjects"] == 6
    assert report["related"]["internal"] > 0 and report["related"]["external"] > 0
    assert isinstance(report["related"]["internal"], int)


def test_check_reports_errors_with_exit_1(tmp_path, capsys):
    write_article(tmp_path, "good.md", url="/learn/mathematics/questions/good")
    write_article(tmp_path, "bad.md", id="seven")
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"error: {tmp_path / 'bad.md'}: id: must be an integer" in out
    assert "1 article in 1 subject (mathematics 1); 1 error, 0 warnings" in out
    assert "(by none)" not in out and "0 internal, 0 to the web" in out


def test_strict_makes_warnings_fail(tmp_path, capsys):
    write_article(tmp_path, seo="not a mapping")
    assert main(["check", str(tmp_path)]) == 0
    assert main(["check", str(tmp_path), "--strict"]) == 1


def test_a_related_link_outside_the_collection_is_a_note_not_a_warning(tmp_path, capsys):
    write_article(tmp_path, related_article1={"id": 9, "title": "t", "subject": "s",
                                              "url": "/learn/s/questions/missing"})
    assert main(["check", str(tmp_path), "--strict"]) == 0  # correct behaviour: not a problem
    out = capsys.readouterr().out
    assert "0 warnings" in out and "1 to the web" in out and "note:" not in out
    assert main(["check", str(tmp_path), "--verbose"]) == 0
    assert "note: " in capsys.readouterr().out


def test_check_and_build_count_only_the_chosen_subjects(tmp_path, capsys):
    write_article(tmp_path / "in", "m.md", url="/learn/mathematics/questions/m", related_article1={
        "id": 9, "title": "t", "subject": "s", "url": "/learn/s/questions/missing"})
    write_article(tmp_path / "in", "c.md", url="/learn/chemistry/questions/c", subject="Chemistry",
                  seo="not a mapping")
    assert main(["check", str(tmp_path / "in"), "--subject", "mathematics", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["articles"], report["subjects"], report["warnings"], report["notes"]) == \
        (1, 1, 0, 1)
    result = run("build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-f", "markdown",
                 "-s", "mathematics")
    assert result.returncode == 0, result.stderr
    assert "1 article built, 0 skipped; 1 file written" in result.stderr
    assert "warning" not in result.stderr
    assert main(["check", str(tmp_path / "in"), "--subject", "astrology"]) == 2


def test_subjects_lists_keys_names_and_counts(capsys):
    assert main(["subjects", str(CONTENT)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and lines[0].split() == ["accounting-and-finance", "3", "Accounting",
                                                    "and", "Finance"]
    assert main(["subjects", str(CONTENT), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sum(r["articles"] for r in rows) == 31


def test_usage_errors_exit_2(tmp_path):
    assert run("build", "--format", "nope").returncode == 2
    assert run("build", "--jobs", "many").returncode == 2
    assert run("frobnicate").returncode == 2
    missing = run("check", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "nowhere: no such file or folder" in missing.stderr
    result = run("build", str(CONTENT), "--subject", "astrology", "--format", "jsonld",
                 "--out", str(tmp_path))
    assert result.returncode == 2 and "astrology" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_with_no_arguments_uses_content(capsys, monkeypatch):
    monkeypatch.chdir(CONTENT.parent)
    assert main(["check", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == 31


def test_check_outside_the_checkout_uses_the_shipped_samples(tmp_path):
    result = run("check", "--json", cwd=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["articles"] == 31


@needs_corpus
def test_check_corpus_json():
    from conftest import CORPUS

    result = run("check", str(CORPUS), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0
    assert (report["articles"], report["errors"], report["subjects"]) == (8009, 0, 11)
    assert report["related"]["internal"] == 17913 and report["related"]["external"] == 5295


def test_build_skips_a_bad_article_builds_the_rest_and_exits_1(tmp_path):
    write_article(tmp_path / "in", "good.md", url="/learn/mathematics/questions/good")
    write_article(tmp_path / "in", "bad.md", id="seven")
    result = run("build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-f", "markdown")
    assert result.returncode == 1
    assert f"{tmp_path / 'in' / 'bad.md'}: id: must be an integer" in result.stderr
    assert "1 article built, 1 skipped" in result.stderr
    assert (tmp_path / "out" / "markdown" / "mathematics" / "good.md").is_file()


def test_bad_options_fail_before_anything_is_written(tmp_path):
    for args in (["-f", "markdown,pdf", "--pdf-variant", "bogus"],
                 ["-f", "markdown,epub", "--stylesheet", str(tmp_path / "none.css")],
                 ["-f", "markdown", "--base-url", "ftp://x"]):
        result = run("build", str(CONTENT), "-o", str(tmp_path / "out"), *args)
        assert result.returncode == 2, args
        assert not (tmp_path / "out").exists(), args


def test_format_can_be_repeated_and_listed(tmp_path):
    write_article(tmp_path / "in", "good.md", url="/learn/mathematics/questions/good")
    result = run("build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q",
                 "-f", "markdown", "--format", "jsonld,markdown")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".qtconvert-cache", ".qtconvert-manifest", ".qtconvert-output", "jsonld", "markdown"]


def test_an_output_folder_inside_the_source_is_not_read_back(tmp_path):
    write_article(tmp_path, "good.md", url="/learn/mathematics/questions/good")
    for _ in range(2):  # the second build must not read out/markdown/.../good.md as input
        result = run("build", ".", "-q", "-f", "markdown", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "out" / "markdown" / "mathematics" / "good.md").is_file()
    assert (tmp_path / "out" / ".qtconvert-output").is_file()
    result = run("check", "--json", str(tmp_path))
    assert json.loads(result.stdout)["articles"] == 1


def test_a_recipe_is_checked_before_anything_is_written(tmp_path):
    recipe = tmp_path / "bad.toml"
    recipe.write_text('title = "Bad"\nsubjects = ["no-such-subject"]\n')
    out = tmp_path / "out"
    result = run("build", str(CONTENT), "-o", str(out), "-f", "markdown,epub",
                 "--book", str(recipe))
    assert result.returncode == 1
    assert f"{recipe}: subjects: no articles under 'no-such-subject'" in result.stderr
    assert not out.exists()
    result = run("build", str(CONTENT), "-o", str(out), "-f", "markdown", "--book", str(recipe))
    assert result.returncode == 2 and "a recipe is for the book formats" in result.stderr
    assert not out.exists()


def test_clean_removes_what_a_build_no_longer_makes(tmp_path):
    write_article(tmp_path / "in", "a.md", url="/learn/mathematics/questions/a")
    write_article(tmp_path / "in", "b.md", url="/learn/mathematics/questions/b")
    out = tmp_path / "out"
    keep = out / "notes.txt"  # not a format folder: --clean leaves it
    build = ("build", str(tmp_path / "in"), "-o", str(out), "-q", "-f", "markdown")
    assert run(*build).returncode == 0
    keep.write_text("mine")
    (tmp_path / "in" / "b.md").unlink()
    assert run(*build).returncode == 0
    assert (out / "markdown" / "mathematics" / "b.md").exists()  # a plain build never deletes
    result = run(*build, "--clean")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (out / "markdown" / "mathematics").iterdir()) == ["a.md"]
    assert keep.read_text() == "mine"


def test_clean_refuses_a_folder_qtconvert_did_not_make(tmp_path):
    write_article(tmp_path / "in", "a.md", url="/learn/mathematics/questions/a")
    home = tmp_path / "home"
    (home / "markdown" / "notes").mkdir(parents=True)
    (home / "markdown" / "notes" / "todo.md").write_text("mine")
    result = run("build", str(tmp_path / "in"), "-o", str(home), "-q", "-f", "markdown",
                 "--clean")
    assert result.returncode == 1 and "has no .qtconvert-output" in result.stderr
    assert (home / "markdown" / "notes" / "todo.md").read_text() == "mine"
    assert not (home / "markdown" / "mathematics").exists()  # refused before any writing


def test_engine_options_on_the_command_line(tmp_path, capsys):
    """--no-cache makes no cache; a rebuild with the cache says what it reused; --scheduler
    without --executor dask is a usage error before any work."""
    source = write_article(tmp_path / "in", "a.md").parent
    out = tmp_path / "out"
    assert main(["build", str(source), "-o", str(out), "-f", "markdown", "--no-cache"]) == 0
    assert not (out / ".qtconvert-cache").exists()
    assert main(["build", str(source), "-o", str(out), "-f", "markdown",
                 "--cache-dir", str(tmp_path / "cache")]) == 0
    assert main(["build", str(source), "-o", str(out), "-f", "markdown",
                 "--cache-dir", str(tmp_path / "cache")]) == 0
    err = capsys.readouterr().err
    assert "0 files written" in err and "(1 unchanged)" in err
    assert "units: 1 (1 from the cache, 0 rebuilt)" in err
    assert main(["build", str(source), "-o", str(tmp_path / "o2"), "-f", "markdown",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler is for --executor dask" in capsys.readouterr().err
    assert not (tmp_path / "o2").exists()
