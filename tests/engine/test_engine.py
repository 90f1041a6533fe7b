"""The build engine on the Markdown format (fast): what a rebuild makes again, what it takes
from the cache, and what it leaves alone. tests/engine/test_incremental.py compares every
format's incremental builds with full ones."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from conftest import write_article

from qtconvert.build import build
from qtconvert.cache import DATABASE, Cache
from qtconvert.model.urls import CACHE_FOLDER
from qtconvert.writers import BuildOptions

MARKDOWN = BuildOptions(formats=("markdown",))


def _site(folder):
    """Two subjects; the chemistry article links to the mathematics one."""
    write_article(folder, "m1.md", id=1, title="What is x?", question="What is x?",
                  url="/learn/mathematics/questions/what-is-x")
    write_article(folder, "m2.md", id=2, title="What is y?", question="What is y?",
                  url="/learn/mathematics/questions/what-is-y")
    write_article(folder, "c1.md", id=3, title="What is a mole?", question="What is a mole?",
                  subject="Chemistry", url="/learn/chemistry/questions/what-is-a-mole",
                  related_article1={"id": 1, "title": "What is x?", "subject": "Mathematics",
                                    "url": "/learn/mathematics/questions/what-is-x"})
    return folder


def _files(out):
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted((out / "markdown").rglob("*.md"))}


def test_a_rebuild_of_unchanged_input_makes_and_writes_nothing(tmp_path):
    source, out = _site(tmp_path / "in"), tmp_path / "out"
    first = build(source, out, MARKDOWN)
    assert first.stats.rebuilt == 2 and len(first.written) == 3
    before = {p: p.stat().st_mtime_ns for p in first.written}
    again = build(source, out, MARKDOWN)
    assert (again.stats.from_cache, again.stats.rebuilt) == (2, 0)
    assert again.written == () and sorted(again.kept) == sorted(first.written)
    assert {p: p.stat().st_mtime_ns for p in first.written} == before  # not even touched


def test_an_edit_rebuilds_its_unit_and_the_units_that_link_to_it(tmp_path):
    source, out = _site(tmp_path / "in"), tmp_path / "out"
    build(source, out, MARKDOWN)
    write_article(source, "m2.md", id=2, title="What is y?", question="What is y?",
                  answer="y is another letter.", url="/learn/mathematics/questions/what-is-y")
    edited = build(source, out, MARKDOWN)
    assert (edited.stats.from_cache, edited.stats.rebuilt) == (1, 1)  # chemistry untouched
    assert [p.name for p in edited.written] == ["what-is-y.md"]
    # a title that another subject's article links to: that unit is rebuilt too
    write_article(source, "m1.md", id=1, title="What is the letter x?", question="What is x?",
                  url="/learn/mathematics/questions/what-is-x")
    renamed = build(source, out, MARKDOWN)
    assert renamed.stats.rebuilt == 2  # the link's face changed: chemistry is made again
    full = build(source, tmp_path / "full", BuildOptions(formats=("markdown",), cache=False))
    assert _files(out) == _files(tmp_path / "full")


def test_a_file_removed_from_out_comes_back_from_the_cache(tmp_path):
    """The cache keeps no Markdown bytes (`Unit.keep_files`): a shard whose file OUT lacks is
    made again, in the build's process, from the same key."""
    source, out = _site(tmp_path / "in"), tmp_path / "out"
    build(source, out, MARKDOWN)
    with sqlite3.connect(out / CACHE_FOLDER / DATABASE) as db:
        bodies = db.execute("SELECT count(*), count(body) FROM entries WHERE kind = ?",
                            ("unit:markdown",)).fetchone()
    assert bodies == (2, 0)
    gone = out / "markdown" / "chemistry" / "what-is-a-mole.md"
    data = gone.read_bytes()
    gone.unlink()
    (out / "markdown" / "mathematics" / "what-is-x.md").write_text("edited by hand, longer")
    again = build(source, out, MARKDOWN)
    assert again.stats.rebuilt == 0  # both from the cache, their files written again
    assert sorted(p.name for p in again.written) == ["what-is-a-mole.md", "what-is-x.md"]
    assert gone.read_bytes() == data


def test_a_book_removed_from_out_is_zipped_again_from_its_cached_pages(tmp_path):
    """The cache keeps an EPUB book as its pages, not as bytes: a book OUT lacks, or holds
    edited, is made again from them (no answer converted), with the same bytes; the other
    book is left alone."""
    source, out = _site(tmp_path / "in"), tmp_path / "out"
    options = BuildOptions(formats=("epub",))
    first = build(source, out, options)
    with sqlite3.connect(out / CACHE_FOLDER / DATABASE) as db:
        assert db.execute("SELECT count(*), count(body) FROM entries WHERE kind = ?",
                          ("unit:epub",)).fetchone() == (2, 0)
    gone, edited = out / "epub" / "chemistry.epub", out / "epub" / "mathematics.epub"
    data = {p: p.read_bytes() for p in (gone, edited)}
    gone.unlink()
    edited.write_bytes(data[edited][:-10])
    again = build(source, out, options)
    assert again.stats.per_format == {"epub": (0, 2)}
    assert again.stats.answers_converted == 0 and again.stats.pieces_made == 0
    assert again.stats.pieces_from_cache == first.stats.pieces_made == 5  # 3 pages, 2 indexes
    assert {p: p.read_bytes() for p in (gone, edited)} == data
    gone.unlink()
    third = build(source, out, options)
    assert third.stats.per_format == {"epub": (1, 1)} and third.written == (gone,)
    assert gone.read_bytes() == data[gone]


def test_no_cache_reads_and_keeps_nothing_and_rewrites_every_file(tmp_path):
    source, out = _site(tmp_path / "in"), tmp_path / "out"
    build(source, out, MARKDOWN)
    result = build(source, out, BuildOptions(formats=("markdown",), cache=False))
    assert result.stats.from_cache == 0 and len(result.written) == 3
    fresh = build(source, tmp_path / "fresh", BuildOptions(formats=("markdown",), cache=False))
    assert fresh.stats.rebuilt == 2 and not (tmp_path / "fresh" / CACHE_FOLDER).exists()


def test_a_deleted_cache_gives_the_same_files(tmp_path):
    source, out = _site(tmp_path / "in"), tmp_path / "out"
    build(source, out, MARKDOWN)
    before = _files(out)
    shutil.rmtree(out / CACHE_FOLDER)
    again = build(source, out, MARKDOWN)
    assert again.stats.rebuilt == 2 and _files(out) == before


def test_keys_do_not_depend_on_where_the_source_or_the_cache_is(tmp_path):
    """The same articles in two folders, built with one --cache-dir: the second build finds
    every unit's key in the cache (no absolute path or mtime is in a key). The cache keeps
    neither books nor shards as bytes: each EPUB book is zipped again from its cached pages
    (no answer converted, no page made), and the Markdown shards are made again, all under
    the same keys."""
    cache_dir = tmp_path / "shared-cache"
    options = BuildOptions(formats=("epub", "markdown"), cache_dir=cache_dir)
    first = build(_site(tmp_path / "a"), tmp_path / "out-a", options)
    other = shutil.copytree(tmp_path / "a", tmp_path / "elsewhere" / "b")
    result = build(other, tmp_path / "out-b", options)
    books = first.stats.per_format["epub"][1]
    assert result.stats.per_format == {"epub": (0, books), "markdown": (0, 2)}
    assert result.stats.answers_converted == 0 and result.stats.pieces_made == 0
    assert result.stats.pieces_from_cache == first.stats.pieces_made
    assert _files(tmp_path / "out-a") == _files(tmp_path / "out-b")
    assert [p.read_bytes() for p in sorted((tmp_path / "out-a" / "epub").glob("*.epub"))] \
        == [p.read_bytes() for p in sorted((tmp_path / "out-b" / "epub").glob("*.epub"))]
    assert not (tmp_path / "out-a" / CACHE_FOLDER).exists()
    cache = Cache(cache_dir)
    assert len(list(cache.keys("unit:markdown"))) == 2  # the same two keys, not four
    assert len(list(cache.keys("unit:epub"))) == books


def test_executor_jobs_one_runs_in_process_with_the_same_files(tmp_path):
    source = _site(tmp_path / "in")
    one = build(source, tmp_path / "one", BuildOptions(formats=("markdown",), jobs=1,
                                                       cache=False))
    two = build(source, tmp_path / "two", BuildOptions(formats=("markdown",), jobs=2,
                                                       cache=False))
    assert one.stats.rebuilt == two.stats.rebuilt == 2
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_the_json_ld_bundles_are_not_combined_again_when_nothing_changed(tmp_path, monkeypatch):
    """Every shard from the cache and OUT holding what the last combine made: it is not called
    (and the shards' 60 MB of lines on the corpus are not even read); a combined file removed,
    or another subject's bundle in OUT changed, and it runs again, with the same result."""
    from qtconvert.writers.jsonld import JsonLdWriter

    calls = []
    real = JsonLdWriter.combine
    monkeypatch.setattr(JsonLdWriter, "combine",
                        lambda self, results: calls.append(1) or real(self, results))
    source, out = _site(tmp_path / "in"), tmp_path / "out"
    jsonld = BuildOptions(formats=("jsonld",))
    build(source, out, jsonld)
    bundle, sitemap = out / "jsonld" / "all.ndjson", out / "jsonld" / "sitemap.xml"
    made = bundle.read_bytes(), sitemap.read_bytes()
    again = build(source, out, jsonld)
    assert len(calls) == 1 and again.written == ()
    assert bundle in again.kept and sitemap in again.kept
    sitemap.unlink()
    build(source, out, jsonld)
    assert len(calls) == 2 and (bundle.read_bytes(), sitemap.read_bytes()) == made
    # one subject built alone reads the other's bundle from OUT: a change there counts
    maths = BuildOptions(formats=("jsonld",), subjects=("mathematics",))
    build(source, out, maths)
    build(source, out, maths)
    assert len(calls) == 3
    other = out / "jsonld" / "chemistry" / "all.ndjson"
    other.write_bytes(other.read_bytes().replace(b"mole", b"MOLE"))
    build(source, out, maths)
    assert len(calls) == 4 and b"MOLE" in bundle.read_bytes()


def test_a_subject_with_nothing_to_export_still_gets_its_json_ld_bundle(tmp_path):
    """Its articles all `no_index`, a subject has no JSON-LD unit but an (empty) bundle: a
    build of every subject after one of another subject alone writes it, as a fresh build
    does, though every unit comes from the cache."""
    source, out = _site(tmp_path / "in"), tmp_path / "out"
    write_article(source, "c1.md", id=3, title="What is a mole?", question="What is a mole?",
                  subject="Chemistry", url="/learn/chemistry/questions/what-is-a-mole",
                  no_index=True)
    build(source, out, BuildOptions(formats=("jsonld",), subjects=("mathematics",)))
    build(source, out, BuildOptions(formats=("jsonld",)))
    fresh = tmp_path / "fresh"
    build(source, fresh, BuildOptions(formats=("jsonld",), cache=False))
    bundle = Path("jsonld", "chemistry", "all.ndjson")
    assert (fresh / bundle).exists()
    assert (out / bundle).read_bytes() == (fresh / bundle).read_bytes()


def test_formats_that_need_no_pandoc_start_first_and_are_written_while_it_converts(tmp_path):
    """EPUB and Markdown asked for in that order: Markdown's units go to the pool before
    pandoc's batches. When the batches outnumber the workers, Markdown's files are written
    before the driver waits for them; an edit's single batch is awaited first, so that the
    book goes to the pool before those files are written."""
    from qtconvert.build import start_order
    from qtconvert.render.fragments import BATCH_MIN
    from qtconvert.writers import Progress, get_writer

    epub, pdf, jsonld, markdown = (get_writer(n) for n in ("epub", "pdf", "jsonld", "markdown"))
    assert start_order([epub, markdown]) == [markdown, epub]
    assert start_order([pdf, epub, jsonld, markdown]) == [jsonld, markdown, pdf, epub]
    assert start_order([markdown, jsonld]) == [markdown, jsonld]

    class Labels(Progress):
        def __init__(self):
            super().__init__()
            self.labels = []

        def start(self, label, total=None):
            self.labels.append(label.split(":")[0] + ("/pandoc" if "pandoc" in label else ""))

    few = Labels()
    build(_site(tmp_path / "few"), tmp_path / "out-few",
          BuildOptions(formats=("epub", "markdown"), jobs=2, cache=False), few)
    assert few.labels == ["epub/pandoc", "markdown", "epub"]

    many, folder = Labels(), tmp_path / "many"
    for n in range(2 * BATCH_MIN + 1):  # three batches for two workers
        write_article(folder, f"a{n}.md", id=n + 1, title=f"Question {n}?",
                      question=f"Question {n}?", answer=f"Answer number *{n}*.",
                      url=f"/learn/mathematics/questions/question-{n}")
    result = build(folder, tmp_path / "out-many",
                   BuildOptions(formats=("epub", "markdown"), jobs=2, cache=False), many)
    assert many.labels == ["markdown", "epub/pandoc", "epub"]
    assert {p.suffix for p in result.written} == {".md", ".epub"}


def test_what_reading_kept_is_stored_while_pandoc_converts_an_edits_answer(tmp_path,
                                                                             monkeypatch):
    """The read cache's entries (the kept collection: megabytes on the corpus) are stored
    while the driver waits for pandoc, whatever the number of batches, not before the book's
    answers go to pandoc."""
    from qtconvert import engine
    from qtconvert.read.read_cache import Deferred

    events = []
    real_flush, real_fragments = Deferred.flush, engine.answer_fragments

    def fragments(*args, **kwargs):
        events.append("pandoc")
        try:
            return real_fragments(*args, **kwargs)
        finally:
            events.append("pandoc done")

    monkeypatch.setattr(Deferred, "flush", lambda self: events.append("flush") or real_flush(self))
    monkeypatch.setattr(engine, "answer_fragments", fragments)
    source, out = _site(tmp_path / "in"), tmp_path / "out"
    options = BuildOptions(formats=("epub", "markdown"), jobs=2)
    build(source, out, options)
    edited = source / "m1.md"
    edited.write_text(edited.read_text().replace("answer: ", "answer: Edited. ", 1))
    events.clear()
    result = build(source, out, options)
    assert result.stats.answers_converted == 1
    assert events[:3] == ["pandoc", "flush", "pandoc done"]


def test_a_build_leaves_the_cycle_collector_as_it_found_it(tmp_path):
    """The build pauses Python's cycle collector while it reads and freezes what it read; the
    caller's collector is on again after, with nothing left frozen, and a caller's own frozen
    objects stay frozen."""
    import gc

    source = _site(tmp_path / "in")
    build(source, tmp_path / "one", MARKDOWN)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        build(source, tmp_path / "two", MARKDOWN)
        assert gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        build(source, tmp_path / "three", MARKDOWN)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_pandocs_progress_counts_the_answers_it_converts(tmp_path):
    """The pandoc step's total is the number of distinct answers pandoc converts (three
    articles, two answers here), and it reaches that total: not "2/3 done"."""
    from qtconvert.progress import Progress

    class Recorder(Progress):
        def __init__(self):
            self.steps = {}
            self.label = ""

        def start(self, label, total):
            self.label = label
            self.steps[label] = [total, 0]

        def advance(self, steps=1):
            self.steps[self.label][1] += steps

    source, out = _site(tmp_path / "in"), tmp_path / "out"
    edited = source / "m2.md"
    edited.write_text(edited.read_text().replace("answer: ", "answer: Another. ", 1))
    recorder = Recorder()
    result = build(source, out, BuildOptions(formats=("epub",), jobs=1), recorder)
    assert result.stats.answers_converted == 2
    assert recorder.steps["epub: converting answers with pandoc"] == [2, 2]
