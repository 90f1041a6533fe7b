"""`--format anki`: decks imported into a real Anki collection (the `anki` package, Anki's own
library) with Anki's default options; identity across rebuilds keeps the learner's reviews;
reproducible bytes; nothing in an answer breaks a card."""

from __future__ import annotations

import html
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
    ImportCsvRequest,
)
from conftest import CORPUS, needs_corpus, write_article

from qtconvert.build import build
from qtconvert.writers.anki import note_tags
from qtconvert.writers.anki.cards import card_safe, tag_safe
from qtconvert.writers.anki.package import MODEL_NAME, stable_id
from qtconvert.writers.base import BuildOptions

ANKI = BuildOptions(formats=("anki",))
QUADRATIC = "/learn/mathematics/questions/how-do-you-solve-a-quadratic"
NASTY = "/learn/mathematics/questions/what-breaks-a-card"
WATER = "/learn/chemistry/questions/what-is-water"
ANSWER = ("Use the formula $x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}$ and check:\\n\\n"
          "$$\\Delta = b^2 - 4ac$$\\n\\n```python\\nprint(1 < 2 and 'a' & 'b')\\n```\\n\\n"
          "| a | b |\\n|---|---|\\n| 1 | 2 |\\n")
# `}}` inside math (a cloze would end there), template and cloze syntax, raw HTML, media tags
BREAKER = ("Text {{c1::cloze}} and {{Question}}, math $\\frac{1}{\\sqrt{x}}$, "
           "raw <script>alert(1)</script> <b>bold</b>, 1 < 2 & 3, [sound:evil.mp3]")


def _library(folder: Path, answer: str = ANSWER) -> Path:
    write_article(folder, "mathematics/quadratic.md", id=1, url=QUADRATIC,
                  question="How do you solve a quadratic?", answer=answer,
                  seo={"page_keywords": "quadratic equations, Algebra, algebra"},
                  related_article1={"id": 2, "title": "What breaks a card?",
                                    "subject": "Mathematics", "url": NASTY})
    write_article(folder, "mathematics/nasty.md", id=2, url=NASTY,
                  question="What breaks a card?", answer=BREAKER)
    write_article(folder, "chemistry/water.md", id=3, url=WATER, subject="Chemistry",
                  question="What is water?", answer="Water is $\\ce{H2O}$.")
    return folder


def _build(source: Path, out: Path, epoch: int, monkeypatch, **options) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    build(source, out, BuildOptions(formats=("anki",), **options))
    return out / "anki"


def _collection(tmp_path: Path, name: str = "learner") -> Collection:
    return Collection(str(tmp_path / f"{name}.anki2"))


def _import(col: Collection, apkg: Path):
    """Import with Anki's default options (update notes and note types "if newer")."""
    request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    return col.import_anki_package(request).log


def _notes(col: Collection) -> dict[str, object]:
    return {col.get_note(nid).guid: col.get_note(nid) for nid in col.find_notes("")}


@pytest.fixture
def decks(tmp_path, monkeypatch):
    return _build(_library(tmp_path / "in"), tmp_path / "out", 1_700_000_000, monkeypatch)


def test_one_deck_per_subject_and_one_note_per_article(decks, tmp_path):
    assert sorted(p.name for p in decks.iterdir()) == [
        "chemistry.apkg", "chemistry.txt", "mathematics.apkg", "mathematics.txt"]
    col = _collection(tmp_path)
    try:
        assert len(_import(col, decks / "mathematics.apkg").new) == 2
        assert len(_import(col, decks / "chemistry.apkg").new) == 1
        assert col.note_count() == 3
        names = {d.name for d in col.decks.all_names_and_ids()}
        assert {"QuickTakes::Mathematics", "QuickTakes::Chemistry"} <= names
        notes = _notes(col)
        note = notes["quicktakes:qt-mathematics--how-do-you-solve-a-quadratic"]
        assert note.note_type()["name"] == MODEL_NAME
        assert note.note_type()["id"] == stable_id(MODEL_NAME)
        assert note["Question"] == "How do you solve a quadratic?"
        answer = note["Answer"]
        assert r'<span class="math inline">\(x = \frac{-b \pm \sqrt{b^2 - 4ac' in answer
        assert r'<span class="math display">\[\Delta = b^2 - 4ac\]</span>' in answer
        assert "$" not in answer  # no `$` math left for Anki to show raw
        assert "<pre" in answer and ">&lt;</span>" in answer and "<table" in answer
        assert 'href="https://quicktakes.io/learn/mathematics/questions/what-breaks-a-card"' \
            in note["Related"]
        assert note["Source"].startswith('<a href="https://quicktakes.io' + QUADRATIC + '">')
        assert sorted(note.tags) == ["Algebra", "mathematics", "quadratic_equations"]
        water = notes["quicktakes:qt-chemistry--what-is-water"]
        assert r"\(" in water["Answer"] and "$" not in water["Answer"]
    finally:
        col.close()
    assert _package_ids(decks / "chemistry.apkg") == (
        {stable_id("QuickTakes::Chemistry")}, {stable_id(MODEL_NAME)})


def _package_ids(apkg: Path) -> tuple[set[int], set[int]]:
    """The ids of the decks (but Anki's Default) and note types inside a package."""
    with zipfile.ZipFile(apkg) as zf, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "collection.anki2"
        path.write_bytes(zf.read("collection.anki2"))
        db = sqlite3.connect(path)
        try:
            decks, models = db.execute("select decks, models from col").fetchone()
        finally:
            db.close()
    return ({int(k) for k in json.loads(decks)} - {1}, {int(k) for k in json.loads(models)})


def test_a_rebuilt_deck_updates_notes_in_place_and_keeps_reviews(tmp_path, monkeypatch):
    source = _library(tmp_path / "in")
    first = _build(source, tmp_path / "out1", 1_700_000_000, monkeypatch)
    col = _collection(tmp_path)
    try:
        _import(col, first / "mathematics.apkg")
        guid = "quicktakes:qt-mathematics--how-do-you-solve-a-quadratic"
        note = _notes(col)[guid]
        card = note.cards()[0]
        col.decks.select(card.did)
        due = col.sched.getCard()
        assert due is not None
        col.sched.answerCard(due, 3)  # the learner studies a card: "Good"
        reviewed = due.id
        assert col.db.scalar("select count() from revlog where cid = ?", reviewed) == 1

        _library(source, answer="An edited answer: $y = mx + c$.")
        second = _build(source, tmp_path / "out2", 1_700_000_600, monkeypatch)
        log = _import(col, second / "mathematics.apkg")
        assert len(log.new) == 0 and len(log.updated) == 2  # two notes, both newer
        assert col.note_count() == 2 and col.card_count() == 2
        note = _notes(col)[guid]
        assert r"An edited answer: <span class=" in note["Answer"]
        assert r"\(y = mx + c\)" in note["Answer"]
        assert note.id == card.nid and note.cards()[0].id == card.id
        assert col.db.scalar("select count() from revlog where cid = ?", reviewed) == 1
        assert col.get_card(reviewed).reps == 1  # its scheduling is kept too
    finally:
        col.close()


def test_two_builds_with_source_date_epoch_are_byte_identical(tmp_path, monkeypatch):
    source = _library(tmp_path / "in")
    one = _build(source, tmp_path / "a", 1_700_000_000, monkeypatch)
    two = _build(source, tmp_path / "b", 1_700_000_000, monkeypatch)
    for name in ("mathematics.apkg", "chemistry.apkg", "mathematics.txt"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    with zipfile.ZipFile(one / "mathematics.apkg") as zf:
        assert {i.date_time for i in zf.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    later = _build(source, tmp_path / "c", 1_700_000_001, monkeypatch)
    assert (later / "mathematics.apkg").read_bytes() != (one / "mathematics.apkg").read_bytes()


def _note_times(apkg: bytes) -> set[int]:
    """The modification times of a deck's notes (what Anki's "update if newer" compares)."""
    with zipfile.ZipFile(io.BytesIO(apkg)) as zf, tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(zf.extract("collection.anki2", folder))
        try:
            return {mod for (mod,) in db.execute("select mod from notes")}
        finally:
            db.close()


def test_an_unchanged_deck_keeps_its_time_and_a_changed_one_gets_the_new_one(tmp_path,
                                                                            monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    source, out = _library(tmp_path / "in"), tmp_path / "out"
    first = build(source, out, ANKI)
    assert first.stats.per_format["anki"] == (0, 2)
    maths, water = ((out / "anki" / name).read_bytes()
                    for name in ("mathematics.apkg", "chemistry.apkg"))
    time.sleep(1.1)  # decks are stamped in whole seconds
    again = build(source, out, ANKI)  # nothing changed: both decks as they were
    assert again.stats.per_format["anki"] == (2, 0) and again.written == ()
    write_article(source, "chemistry/water.md", id=3, url=WATER, subject="Chemistry",
                  question="What is water?", answer="Water is $\\ce{H2O}$; ice floats.")
    changed = build(source, out, ANKI)
    assert changed.stats.per_format["anki"] == (1, 1)
    assert (out / "anki" / "mathematics.apkg").read_bytes() == maths
    assert min(_note_times((out / "anki" / "chemistry.apkg").read_bytes())) \
        > max(_note_times(water))
    # with SOURCE_DATE_EPOCH the time is in the key: another epoch makes every deck again
    _build(source, out, 1_700_000_000, monkeypatch)
    _build(source, out, 1_700_000_000, monkeypatch)
    epoch = (out / "anki" / "mathematics.apkg").read_bytes()
    assert _note_times(epoch) == {1_700_000_000}
    _build(source, out, 1_700_000_600, monkeypatch)
    assert _note_times((out / "anki" / "mathematics.apkg").read_bytes()) == {1_700_000_600}


def test_template_syntax_math_and_raw_html_stay_text_on_the_card(decks, tmp_path):
    col = _collection(tmp_path)
    try:
        _import(col, decks / "mathematics.apkg")
        note = _notes(col)["quicktakes:qt-mathematics--what-breaks-a-card"]
        shown = note.cards()[0].answer()  # the card's HTML, rendered by Anki
        assert "<script" not in shown and "<b>" not in shown
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
        assert "{{" not in shown and "}}" not in shown and "[sound:" not in shown
        assert "[anki:play" not in shown  # Anki made no sound player of the text
        text = html.unescape(re.sub(r"<[^>]+>", "", shown))
        assert "Text {{c1::cloze}} and {{Question}}" in text
        assert r"\(\frac{1}{\sqrt{x}}\)" in text  # MathJax reads the same TeX
        assert "1 < 2 & 3, [sound:evil.mp3]" in text

        # a learner who pastes the answer into a cloze: the `}}` ending the math must not end
        # the cloze (it would without the escapes)
        cloze = col.models.by_name("Cloze")
        for answer in (note["Answer"], html.unescape(note["Answer"])):
            made = col.new_note(cloze)
            made["Text"] = "{{c1::" + answer + "}}"
            col.add_note(made, col.decks.id("Cloze test"))
            question = made.cards()[0].question()
            leaked = "sqrt" in re.sub(r"<span class=\"cloze\".*?</span>", "", question)
            assert leaked == (answer != note["Answer"])
    finally:
        col.close()


def test_the_text_file_imports_into_anki_with_the_same_guids(decks, tmp_path):
    text = (decks / "mathematics.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    headers = [line for line in lines if line.startswith("#")]
    assert headers[:2] == ["#separator:tab", "#html:true"]
    assert "#guid column:3" in headers and "#tags column:4" in headers
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    assert len(rows) == 2 and all(len(row) == 4 for row in rows)  # no tab or newline in a field
    col = _collection(tmp_path)
    try:
        path = str(decks / "mathematics.txt")
        metadata = col.get_csv_metadata(path, None)
        col.import_csv(ImportCsvRequest(path=path, metadata=metadata))
        notes = _notes(col)
        assert set(notes) == {"quicktakes:qt-mathematics--how-do-you-solve-a-quadratic",
                              "quicktakes:qt-mathematics--what-breaks-a-card"}
        note = notes["quicktakes:qt-mathematics--how-do-you-solve-a-quadratic"]
        assert note["Front"] == "How do you solve a quadratic?"
        assert r"\[\Delta = b^2 - 4ac\]" in note["Back"] and "Related questions" in note["Back"]
        assert "&#10;" in note["Back"]  # line breaks as references: the code keeps its lines
        assert sorted(note.tags) == ["Algebra", "mathematics", "quadratic_equations"]
        assert col.decks.name(note.cards()[0].did) == "QuickTakes::Mathematics"
    finally:
        col.close()


def test_a_recipe_makes_one_deck_named_after_its_title(tmp_path, monkeypatch):
    source = _library(tmp_path / "in")
    recipe = tmp_path / "exam.toml"
    recipe.write_text('title = "Exam  revision"\nkey = "exam"\n'
                      'subjects = ["mathematics", "chemistry"]\n')
    out = _build(source, tmp_path / "out", 1_700_000_000, monkeypatch, book=recipe)
    assert sorted(p.name for p in out.iterdir()) == ["exam.apkg", "exam.txt"]
    col = _collection(tmp_path)
    try:
        _import(col, out / "exam.apkg")
        assert col.note_count() == 3
        assert col.decks.by_name("QuickTakes::Exam revision") is not None
    finally:
        col.close()


def test_tags_have_no_spaces_and_no_hierarchy_by_accident():
    assert tag_safe("  machine learning ") == "machine_learning"
    assert tag_safe('C++ "templates"\tstd::vector') == "C++_templates_std:vector"
    assert tag_safe("::") == ""
    assert card_safe("a}}}b{{c[sound:x][$]y") == "a&#125;&#125;}b&#123;{c&#91;sound:x]&#91;$]y"


def test_note_tags_are_unique_ignoring_case(tmp_path):
    from qtconvert.build import prepare

    write_article(tmp_path, "a.md", seo={"page_keywords": "Algebra, algebra, big  ideas"})
    (article,) = prepare(tmp_path)
    assert note_tags(article) == ["mathematics", "Algebra", "big_ideas"]


def test_without_genanki_the_format_is_listed_and_says_how_to_install_it(tmp_path):
    hidden = tmp_path / "hide"
    (hidden / "genanki").mkdir(parents=True)
    (hidden / "genanki" / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    env = {**os.environ, "PYTHONPATH": str(hidden)}
    source = write_article(tmp_path / "in", "a.md").parent

    def run(*args):
        return subprocess.run([sys.executable, "-m", "qtconvert", *args], capture_output=True,
                              text=True, env=env, check=False)

    assert "anki" in run("formats").stdout
    result = run("build", str(source), "-o", str(tmp_path / "out"), "-q", "-f", "anki")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.endswith("--format anki needs genanki: pip install qtconvert[anki]")
    assert not (tmp_path / "out" / "anki").exists()


@needs_corpus
def test_a_corpus_subject_imports_whole(corpus, tmp_path, monkeypatch):
    from qtconvert.model.plain_markdown import code_and_math

    out = _build(CORPUS, tmp_path / "out",
                 1_700_000_000, monkeypatch, subjects=("accounting-and-finance",))
    articles = corpus.by_subject("accounting-and-finance")
    col = _collection(tmp_path)
    try:
        log = _import(col, out / "accounting-and-finance.apkg")
        assert len(log.new) == len(articles) == col.note_count()
        notes = _notes(col)
        with_math = 0
        for article in articles:
            note = notes["quicktakes:" + article.anchor]
            shown = note.cards()[0].answer()
            assert "<script" not in shown and "{{" not in shown
            spans = [article.answer[s:e] for s, e in code_and_math(article.answer)]
            if any(s.startswith("$") for s in spans):
                with_math += 1
                assert r"\(" in note["Answer"] or r"\[" in note["Answer"], article.url
        assert with_math > 20
    finally:
        col.close()
