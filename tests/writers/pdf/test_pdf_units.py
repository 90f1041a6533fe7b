"""The PDF as units of the build engine: one per volume, made from its arguments alone (they
pickle, and carry the stylesheet and the files it names), keyed on nothing from the other
volumes; the build-wide notes are told once; a killed unit's temporary folder is removed by the
next one."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pypdf
from conftest import write_article

from qtconvert.build import build, prepare
from qtconvert.output import OutputFolder
from qtconvert.package_data import data_dir
from qtconvert.writers import BuildOptions, Progress
from qtconvert.writers.pdf import PdfWriter, temporary
from qtconvert.writers.pdf.print_stylesheet import read_stylesheet

SPLIT = BuildOptions(formats=("pdf",), format_options={"pdf": {"max_articles_per_volume": 2}})


class Notes(Progress):
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)


def _questions(folder: Path, answers: dict[int, str] | None = None) -> Path:
    """Six short questions of one subject (q0 links to q4, in another volume of two)."""
    for n in range(6):
        answer = (answers or {}).get(n, f"Answer {n}.")
        if n == 0:
            answer += " See [q4](https://quicktakes.io/learn/mathematics/questions/q4)."
        write_article(folder, f"q{n}.md", id=n + 1, title=f"What is q{n}?",
                      question=f"What is q{n}?", url=f"/learn/mathematics/questions/q{n}",
                      answer=answer)
    return folder


def test_a_volume_is_rebuilt_only_when_its_own_input_changes(tmp_path):
    source, out = _questions(tmp_path / "in"), tmp_path / "out"
    first = build(source, out, SPLIT)
    assert first.stats.per_format["pdf"] == (0, 3)
    pdfs = sorted(p.name for p in (out / "pdf").iterdir())
    assert pdfs == ["mathematics-vol1.pdf", "mathematics-vol2.pdf", "mathematics-vol3.pdf"]
    again = build(source, out, SPLIT)
    assert again.stats.per_format["pdf"] == (3, 0)
    assert again.written == () and len(again.kept) == 3  # every PDF holds its bytes already
    # q4's answer changes: only its volume; q0 (volume 1) links to it, but only to its address
    _questions(source, {4: "Another answer."})
    changed = build(source, out, SPLIT)
    assert changed.stats.per_format["pdf"] == (2, 1)
    assert [p.name for p in changed.written] == ["mathematics-vol3.pdf"]
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(out / "pdf" /
                                                              "mathematics-vol3.pdf").pages)
    assert "Another answer." in text


def test_units_carry_what_they_need_and_no_more(tmp_path):
    source = _questions(tmp_path / "in")
    collection = prepare(source)
    writer = PdfWriter(collection, collection, OutputFolder(tmp_path / "out"), SPLIT)
    units = writer.units()
    assert [u.name for u in units] == [f"mathematics-vol{n}" for n in (1, 2, 3)]
    assert len({u.key for u in units}) == 3
    for unit in units:
        volume, table, sheet, *_ = pickle.loads(pickle.dumps(unit.arguments()))
        assert volume.book.articles == ()  # the book's other articles stay behind
        assert {a.url for a in volume.articles} == {a.url for a in unit.answers.articles}
        assert sheet.packaged and sheet.data == (data_dir("styles") / "print.css").read_bytes()
        assert len(table) <= 3  # its two articles and what they link to
    assert [u.key for u in writer.units()] == [u.key for u in units]  # stable


def test_formulas_printed_as_tex_are_told_once_for_the_build(tmp_path):
    for n in range(2):
        write_article(tmp_path / "in", f"m{n}.md", id=n + 1, question=f"Why m{n}?",
                      url=f"/learn/mathematics/questions/m{n}",
                      answer=r"A formula: \( \zzunknown x \). And \( y^2 \).")
    collection = prepare(tmp_path / "in")
    notes = Notes()
    options = replace(SPLIT, format_options={"pdf": {"max_articles_per_volume": 1}})
    PdfWriter(collection, collection, OutputFolder(tmp_path / "out"), options, notes).write()
    told = [n for n in notes.notes if "formula" in n]
    assert told == ["pdf: 2 formula(s) could not be typeset and are printed as TeX "
                    "(1 distinct)"]


def test_a_users_stylesheet_travels_with_the_files_it_names(tmp_path):
    sheet = tmp_path / "sheet"
    (sheet / "fonts").mkdir(parents=True)
    shutil.copy(data_dir("styles") / "fonts" / "JetBrainsMono-Regular.ttf",
                sheet / "fonts" / "Mono.ttf")
    (tmp_path / "secret.txt").write_text("secret")
    (sheet / "more.css").write_text('@font-face { font-family: Mine; src: url("fonts/Mono.ttf") }'
                                    "\nh1 { background: url(../secret.txt) }")
    (sheet / "my.css").write_text('@import "more.css";\r\nbody { font-family: Mine }\n')
    carried = read_stylesheet(sheet / "my.css")
    assert not carried.packaged and carried.name == "my.css"
    assert [rel for rel, _ in carried.files] == ["fonts/Mono.ttf", "more.css"]
    placed = pickle.loads(pickle.dumps(carried)).place(tmp_path / "worker")
    assert placed.text == '@import "more.css";\nbody { font-family: Mine }\n'  # as read_text
    assert (tmp_path / "worker" / "fonts" / "Mono.ttf").read_bytes() == (
        sheet / "fonts" / "Mono.ttf").read_bytes()
    write_article(tmp_path / "in")
    out = tmp_path / "out"
    notes = Notes()
    build(tmp_path / "in", out, replace(SPLIT, stylesheet=sheet / "my.css"), notes)
    # refused where the user's stylesheet names it, not in the unit's temporary folder
    assert notes.notes[-1].endswith(f"e.g. {(tmp_path / 'secret.txt').as_uri()}")
    fonts = {str(f.get_object()["/BaseFont"]) for page in pypdf.PdfReader(
        out / "pdf" / "mathematics.pdf").pages for f in page["/Resources"]["/Font"].values()}
    assert fonts and all("+Mine" in f for f in fonts)  # the font from the user's folder


_HOLD = """
import sys, time
from qtconvert.writers.pdf import temporary
with temporary.volume_folder() as folder:
    (folder / "fonts").mkdir()
    print(folder, flush=True)
    time.sleep(60)
"""


def test_the_folder_of_a_killed_unit_is_removed_by_the_next_one(tmp_path, monkeypatch):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    holder = subprocess.Popen([sys.executable, "-c", _HOLD], stdout=subprocess.PIPE, text=True,
                              env=env)
    try:
        held = Path(holder.stdout.readline().strip())
        assert held.parent == tmp_path and (held / "fonts").is_dir()
        assert temporary.remove_abandoned(tmp_path) == []  # its maker is alive: left alone
        holder.kill()
        holder.wait()
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        with temporary.volume_folder() as mine:  # the next unit sweeps first
            assert not held.exists()
            assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
                [mine.name, mine.name + ".lock"])
        assert not list(tmp_path.iterdir())
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_two_prints_of_a_volume_are_the_same_bytes_without_source_date_epoch(tmp_path,
                                                                             monkeypatch):
    """fontTools would stamp the time into each font subset; the unit dates them by the
    volume's newest article instead (the cache and incremental builds rely on it)."""
    from conftest import CONTENT

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    options = BuildOptions(formats=("pdf",), subjects=("business-and-management",), cache=False)
    build(CONTENT, tmp_path / "a", options)
    time.sleep(1.1)  # a second later: a stamp of "now" would differ
    build(CONTENT, tmp_path / "b", options)
    pdf = "pdf/business-and-management.pdf"
    assert (tmp_path / "a" / pdf).read_bytes() == (tmp_path / "b" / pdf).read_bytes()
    assert "SOURCE_DATE_EPOCH" not in os.environ  # set only while the volume prints
