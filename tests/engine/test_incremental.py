"""Incremental equals full: after each kind of change to the input, a build into the same folder
with the cache on gives, byte for byte, what a fresh `--no-cache` build of the changed input
gives; and it reuses work (units from the cache, files left alone).

The input is a copy of corpus articles in two subjects (`corpus_copy`): architecture, whose
articles link nowhere, and a cluster of accounting-and-finance articles that link to each other,
so that an edit in one subject leaves the other's units in the cache, and a change to a linked
article reaches the articles that link to it. A format whose writer writes its files itself (no
units yet) rewrites everything on each build: it passes the comparisons, and the tests of reuse
skip it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import needs_corpus, write_article
from corpus_copy import (
    LINKED,
    UNLINKED,
    Library,
    copy_library,
    differences,
    edit,
    files_of,
    free_related_key,
    front_matter,
    link_to,
)

from qtconvert.build import BuildResult, build
from qtconvert.cache import DATABASE
from qtconvert.model.urls import CACHE_FOLDER
from qtconvert.package_data import data_dir
from qtconvert.writers import BuildOptions, Writer, get_writer

pytestmark = needs_corpus

EPOCH = "1767225600"  # SOURCE_DATE_EPOCH of every build here (2026-01-01; see `epoch`)
NEW_SLUG = "what-does-an-incremental-build-rebuild"
BOOKS = {"epub", "pdf"}  # the formats with a stylesheet
PANDOC = {"epub", "pdf", "anki"}  # the formats whose answers go through pandoc (Lua filters)
# a Lua filter that changes every answer with bold text (nearly all corpus answers have some)
LUA = """-- engine test: bold text becomes italic
function Strong(el)
  return pandoc.Emph(el.content)
end
"""
# (articles of UNLINKED, of LINKED) per format: enough for several units, small enough to be fast
SIZES = {"markdown": (20, 20), "jsonld": (20, 20), "epub": (12, 12), "anki": (12, 12)}


def has_units(fmt: str) -> bool:
    return get_writer(fmt).units is not Writer.units


def skip_without_units(fmt: str) -> None:
    if not has_units(fmt):
        pytest.skip(f"the {fmt} writer writes its files itself (not converted to engine units "
                    "yet): every build rewrites everything")


class Scenario:
    """A library, one output folder built incrementally, and a fresh full build to compare
    with after every change."""

    def __init__(self, tmp: Path, formats: tuple[str, ...], sizes: tuple[int, int],
                 stylesheet: str, **options: object) -> None:
        self.tmp = tmp
        self.formats = formats
        self.library: Library = copy_library(tmp / "src", *sizes)
        styles = tmp / "styles"  # a copy beside its fonts, edited in place
        shutil.copytree(data_dir("styles"), styles)
        self.stylesheet = styles / stylesheet
        self.options = options
        self.out = tmp / "out"
        self.builds = 0
        self.previous: dict[str, bytes] = {}  # the files of the last full build

    def build(self, out: Path | None = None, **options: object) -> BuildResult:
        given = {"formats": self.formats, "jobs": 2, "stylesheet": self.stylesheet,
                 "clean": True, **self.options, **options}
        return build(self.library.root, out or self.out, BuildOptions(**given))

    def step(self, what: str, changes: bool = True, **options: object) -> BuildResult:
        """Build incrementally, then a fresh full build; assert they are byte-identical, and
        (when `changes`) that the change did change the output, else the step tests nothing."""
        result = self.build(**options)
        self.builds += 1
        full = self.tmp / f"full-{self.builds}"
        self.build(full, **{**options, "cache": False, "clean": False})
        problems = differences(self.out, full)
        assert not problems, f"after {what}, the incremental build differs from a full one:\n" \
            + "\n".join(problems[:20])
        now = files_of(full)
        if self.previous and changes:
            assert now != self.previous, f"{what} changed no output file: the step tests nothing"
        self.previous = now
        shutil.rmtree(full)
        return result

    # -- the changes -----------------------------------------------------------------------------

    def edit_answer(self, subject: str = UNLINKED) -> Path:
        """Add a sentence to the answer of the first article of `subject`."""
        path = self.library.path(subject, self.library.slugs(subject)[0])
        meta = front_matter(path)
        edit(path, answer=meta["answer"] + "\\n\\nEdited: **an incremental build** sees this.")
        return path

    def retitle(self, slug: str) -> None:
        """A new title (and question) for an article that others link to."""
        path = self.library.path(LINKED, slug)
        meta = front_matter(path)
        title = meta["question"].rstrip("?") + ", retitled?"
        edit(path, title=title, article_title=title, question=title)

    def add_article(self, links_to: str) -> Path:
        """A new article in LINKED: related to `links_to`, and linking to it in its answer."""
        target = front_matter(self.library.path(LINKED, links_to))
        url = f"/learn/{LINKED}/questions/{NEW_SLUG}"
        return write_article(
            self.library.root / "learn" / LINKED, f"{NEW_SLUG}.md", id=990001, url=url,
            subject=target["subject"], title="What does an incremental build rebuild?",
            question="What does an incremental build rebuild?", date="2026-01-02",
            answer=("Only **what changed**, and what links to it: see "
                    f"[this article](https://quicktakes.io{target['url']}).\\n\\n"
                    "The cost is $O(n)$ in the edits."),
            related_article1=link_to(target))

    def remove_article(self, slug: str) -> None:
        self.library.path(LINKED, slug).unlink()

    def add_related(self, subject: str, source: str, target: str) -> None:
        """A related link from `source` (in `subject`) to `target` (in LINKED)."""
        path = self.library.path(subject, source)
        meta = front_matter(path)
        edit(path, **{free_related_key(meta): link_to(front_matter(
            self.library.path(LINKED, target)))})

    def change_stylesheet(self) -> None:
        with self.stylesheet.open("a", encoding="utf-8") as css:
            css.write("\n/* engine test */\nh1, h2 { letter-spacing: 0.01em; }\n")

    def add_lua_filter(self) -> None:
        (self.library.root / "strong-as-emph.lua").write_text(LUA, encoding="utf-8")
        (self.library.root / "qtconvert.toml").write_text(
            'lua_filters = ["strong-as-emph.lua"]\n', encoding="utf-8")


def run_changes(scenario: Scenario, narrow: bool = True) -> None:
    """Every change, each followed by an incremental build compared with a full one; last, the
    build narrowed to one subject and widened again.

    The most linked-to article of LINKED gains a link from the other subject (so from another
    unit) before it is retitled and removed: a unit must be rebuilt when an article it links to
    changes, not only when its own articles do."""
    library = scenario.library
    scenario.step("the first build")
    scenario.edit_answer(UNLINKED)
    scenario.step("an answer edited")
    linked = library.most_linked()
    assert library.linking_to(linked), "the copy should hold articles that link to each other"
    # from an article of the other subject, which has none yet (the first one was edited
    # above): to the article retitled and removed below, and to one that stays
    source = library.slugs(UNLINKED)[1]
    scenario.add_related(UNLINKED, source, linked)
    scenario.add_related(UNLINKED, source, next(s for s in library.slugs(LINKED) if s != linked))
    scenario.step("related links added")
    scenario.retitle(linked)
    scenario.step("the title of an article that others link to changed")
    scenario.add_article(links_to=linked)
    scenario.step("an article added")
    scenario.remove_article(linked)
    scenario.step("an article that others link to removed (--clean)")
    scenario.change_stylesheet()
    scenario.step("the stylesheet changed", changes=bool(BOOKS & set(scenario.formats)))
    scenario.add_lua_filter()
    scenario.step("a Lua filter added", changes=bool(PANDOC & set(scenario.formats)))
    if narrow:  # which subjects a build writes decides where links lead (OUT, or the web)
        scenario.step("the build narrowed to one subject (--clean)", subjects=(UNLINKED,))
        scenario.step("the build widened to every subject again")


@pytest.fixture(autouse=True)
def epoch(monkeypatch):
    """A fixed SOURCE_DATE_EPOCH, so that two builds can be compared: Anki decks carry the
    build time, and the font subsets WeasyPrint embeds in a PDF (fontTools) carry the time they
    were made, to the second, unless it is set."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def _format_param(fmt: str):
    if fmt == "anki":
        return pytest.param(fmt, marks=pytest.mark.skipif(
            not _importable("genanki"), reason="genanki is not installed (pip install "
            "'qtconvert[anki]')"))
    return fmt


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


FORMATS = [_format_param(f) for f in SIZES]


@pytest.mark.parametrize("fmt", FORMATS)
def test_incremental_equals_full(fmt, tmp_path):
    run_changes(Scenario(tmp_path, (fmt,), SIZES[fmt], "epub.css"))


@pytest.mark.slow
def test_incremental_equals_full_pdf(tmp_path):
    """PDF, with the EPUB (which takes the PDF's page starts for its page list): four articles,
    at most two a volume, so that adding an article splits a book into two volumes and removing
    one joins them again (laying out a volume costs seconds: a few minutes in all)."""
    scenario = Scenario(tmp_path, ("pdf", "epub"), (2, 2), "print.css",
                        format_options={"pdf": {"max_articles_per_volume": 2}})
    run_changes(scenario, narrow=False)


@pytest.mark.parametrize("fmt", FORMATS)
def test_incremental_build_reuses_work(fmt, tmp_path):
    """An answer edited in one subject: the other subject's units come from the cache; a
    rebuild with nothing changed makes no unit and writes no file."""
    skip_without_units(fmt)
    scenario = Scenario(tmp_path, (fmt,), SIZES[fmt], "epub.css")
    first = scenario.build()
    assert first.stats.from_cache == 0 and first.stats.rebuilt == first.stats.units > 1
    before = files_of(scenario.out)
    scenario.edit_answer(UNLINKED)
    edited = scenario.build()
    cached, rebuilt = edited.stats.per_format[fmt]
    assert cached >= 1, f"{fmt}: an edit in {UNLINKED} rebuilt the units of {LINKED} too"
    assert rebuilt >= 1, f"{fmt}: the edited answer's unit was taken from the cache"
    after = files_of(scenario.out)
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed, f"{fmt}: the edit changed no file"
    written = {p.relative_to(scenario.out).as_posix() for p in edited.written}
    assert written == changed, f"{fmt}: files written that hold the same bytes as before: " \
        f"{sorted(written - changed)[:5]}; changed but not listed: {sorted(changed - written)[:5]}"
    again = scenario.build()
    assert again.stats.rebuilt == 0 and again.stats.from_cache == again.stats.units
    assert again.stats.answers_converted == 0
    assert again.written == (), f"{fmt}: a rebuild with no change wrote {again.written[:3]}"
    assert again.kept, f"{fmt}: a rebuild with no change kept no file"
    assert len(again.kept) == len(first.written)


@pytest.mark.parametrize("math", ["mathml", "svg"])
def test_epub_edit_makes_one_page_again(math, tmp_path):
    """An edited answer: its book is made again from the pages the cache holds, but for the
    edited one; a retitled article: its page and those of the articles that link to it. Byte
    for byte what a full build makes (`step`), with the formulas SVG math showed as TeX counted
    over cached pages too (the build's notes)."""
    scenario = Scenario(tmp_path, ("epub",), SIZES["epub"], "epub.css",
                        format_options={"epub": {"math": math}})
    first = scenario.step("the first build", changes=False)
    books = first.stats.units
    # a page per article, and an index per book
    assert first.stats.pieces_made == sum(SIZES["epub"]) + books
    assert first.stats.pieces_from_cache == 0
    scenario.edit_answer(UNLINKED)
    edited = scenario.step("an answer edited")
    assert edited.stats.per_format["epub"] == (1, 1)
    # its page; the others and the index (keywords, questions and pages as they were) cached
    assert (edited.stats.pieces_made, edited.stats.pieces_from_cache) == \
        (1, SIZES["epub"][0])
    slug = scenario.library.most_linked()
    linking = scenario.library.linking_to(slug)
    assert linking, "the copy has no article that others link to"
    scenario.retitle(slug)
    retitled = scenario.step("a linked title changed")
    # the article, those whose related links show its title (answers may link to it too),
    # the index (which lists the question), and no page of the other subject
    assert 2 + len(linking) <= retitled.stats.pieces_made <= SIZES["epub"][1] + 1


@pytest.mark.slow
def test_pdf_edit_lays_out_one_volume(tmp_path):
    """An answer edited: only the volume holding it is laid out again."""
    skip_without_units("pdf")
    scenario = Scenario(tmp_path, ("pdf",), (1, 3), "print.css",
                        format_options={"pdf": {"max_articles_per_volume": 2}})
    first = scenario.build()
    volumes = first.stats.per_format["pdf"][1]
    assert volumes == 3, f"expected three volumes, got {volumes}"
    scenario.edit_answer(UNLINKED)
    edited = scenario.build()
    assert edited.stats.per_format["pdf"] == (volumes - 1, 1)
    assert len(edited.written) == 1 and edited.written[0].suffix == ".pdf", edited.written
    assert len(edited.kept) == volumes - 1


# -- a killed build ------------------------------------------------------------------------------

KILLED_BUILD = """
import sys
from pathlib import Path
from qtconvert.build import build
from qtconvert.writers import BuildOptions
source, out, formats, stylesheet = sys.argv[1:]
build(source, out, BuildOptions(formats=tuple(formats.split(",")), jobs=2, clean=True,
                                stylesheet=Path(stylesheet)))
"""


def _committed(database: Path, kind: str = "") -> int:
    """Entries committed to a cache database (0 while it does not exist yet)."""
    if not database.is_file():
        return 0
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=0.1)
        try:
            (n,) = db.execute("SELECT COUNT(*) FROM entries WHERE kind LIKE ?",
                              (kind + "%",)).fetchone()
        finally:
            db.close()
    except sqlite3.Error:  # not created yet, or busy
        return 0
    return n


def test_cache_survives_a_killed_build(tmp_path):
    """A build killed (SIGKILL, with its workers) once some of its work is in the cache: the next
    build takes what was committed, and gives what a full build gives."""
    formats = ("epub", "markdown", "jsonld")
    scenario = Scenario(tmp_path, formats, (16, 16), "epub.css")
    database = scenario.out / CACHE_FOLDER / DATABASE
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_BUILD, str(scenario.library.root), str(scenario.out),
         ",".join(formats), str(scenario.stylesheet)], start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        # the answers are committed once pandoc is done, before the books are made
        while (_committed(database, "answer-html") == 0 and proc.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the build, its pool and its pandoc processes
        proc.wait()
        stderr = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, \
        f"the build ended (status {proc.returncode}) before it could be killed: {stderr[-2000:]}"
    pages, answers = _committed(database, "piece:epub"), _committed(database, "answer-html")
    rebuilt = scenario.step("a killed build")
    # The killed build's files are in no manifest (OUT's is written when a build ends), and
    # the cache keeps no unit's bytes here (`Unit.keep_files`): every unit is made again. But
    # each answer and page the killed build committed is taken from the cache.
    assert answers >= 1
    assert (rebuilt.stats.from_cache, rebuilt.stats.rebuilt) == (0, rebuilt.stats.units)
    assert rebuilt.stats.pieces_from_cache == pages
    assert rebuilt.stats.answers_converted <= len(rebuilt.collection) - answers
