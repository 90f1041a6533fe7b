"""The EPUB's page list from the PDF of the same build: a page-break marker where each printed
page begins, a page-list nav and the print edition named in the package, all read from the PDF's
own layout (checked against the PDF's bookmarks with pypdf)."""

from __future__ import annotations

import shutil

import pypdf
import pytest
from conftest import CONTENT
from test_epub import EPUB_TYPE, XHTML, Book, assert_epubcheck_clean

from qtconvert.build import build, run_order
from qtconvert.progress import Progress
from qtconvert.verify.epub_tools import epubcheck_many
from qtconvert.writers import BuildOptions, get_writer

SUBJECT = "mathematics"  # display formulas, lists, tables: pages begin on many kinds of block


def _build(out, *, flow: bool = False, max_articles: int = 600, subject: str = SUBJECT):
    notes: list[str] = []

    class Notes(Progress):
        def note(self, message: str) -> None:
            notes.append(message)

    pdf = {"page_breaks": not flow, "max_articles_per_volume": max_articles}
    result = build(CONTENT, out, BuildOptions(formats=("epub", "pdf"), subjects=(subject,),
                                              format_options={"pdf": pdf}), Notes())
    epub = next(p for p in result.written if p.suffix == ".epub")
    pdfs = [p for p in result.written if p.suffix == ".pdf"]
    return Book(epub), pdfs, notes


@pytest.fixture(scope="module", params=["page-breaks", "flowing"])
def built(request, tmp_path_factory):
    book, (pdf,), _ = _build(tmp_path_factory.mktemp("pages"), flow=request.param == "flowing")
    return book, pypdf.PdfReader(pdf)


def _reading_order(book: Book):
    """(page label or None, element) for every element of the spine, the label being that of
    the last page-break marker before it."""
    label = None
    for href in book.spine:
        for el in book.doc(href).iter():
            if el.get(EPUB_TYPE) == "pagebreak":
                label = el.get("aria-label")
                yield href, label, el
            else:
                yield href, label, el


def _bookmarks(reader: pypdf.PdfReader) -> list[tuple[str, int]]:
    """(question, page number) of the question bookmarks (level 2), in order."""
    found = []
    for entry in reader.outline:
        if isinstance(entry, list):
            found += [(c.title, reader.get_destination_page_number(c) + 1) for c in entry]
    return found


def test_each_question_starts_on_the_page_its_pdf_bookmark_names(built):
    book, reader = built
    starts = [(href, label, "".join(el.itertext())) for href, label, el in _reading_order(book)
              if el.tag == f"{XHTML}h1" and "qt-question" in (el.get("class") or "")]
    bookmarks = _bookmarks(reader)
    assert len(starts) == len(bookmarks) == len(book.articles) == 9
    for (href, label, question), (title, page) in zip(starts, bookmarks):
        assert " ".join(question.split()) == " ".join(title.split())
        assert label == str(page), f"{href}: page {label} in the EPUB, {page} in the PDF"


def test_labels_increase_in_reading_order_and_the_page_list_finds_every_marker(built):
    book, reader = built
    markers = [(href, el) for href, _, el in _reading_order(book)
               if el.get(EPUB_TYPE) == "pagebreak"]
    labels = [int(el.get("aria-label")) for _, el in markers]
    assert labels == sorted(labels) and len(set(labels)) == len(labels)
    assert len(labels) > 9  # more pages than questions: markers inside answers too
    assert labels[-1] <= len(reader.pages)
    for _, el in markers:
        assert el.tag == f"{XHTML}span" and el.get("role") == "doc-pagebreak"
        assert el.get("id") == f"page-{el.get('aria-label')}"
    page_list = book.nav("page-list")
    entries = [(a.get("href"), a.text) for a in page_list.iter(f"{XHTML}a")]
    assert entries == [(f"{href}#{el.get('id')}", el.get("aria-label")) for href, el in markers]


def _words(text: str) -> str:
    return " ".join(text.replace("-\n", "").split())


def test_the_marker_precedes_the_text_that_begins_the_printed_page(built):
    """The first words after each marker in the EPUB are on the PDF page it names (where they
    are words: not a formula, which the two formats print differently)."""
    book, reader = built
    checked = 0
    for href in book.articles:
        for parent in book.doc(href).iter():
            children = list(parent)
            for n, el in enumerate(children):
                if el.get(EPUB_TYPE) != "pagebreak":
                    continue
                following = children[n + 1:]
                if not (el.tail or "").strip() and following and following[0].tag != f"{XHTML}h1":
                    if following[0].find(".//{http://www.w3.org/1998/Math/MathML}math") \
                            is not None or following[0].tag.endswith("math"):
                        continue
                text = " ".join([el.tail or "", *(t for f in following for t in f.itertext())])
                words = " ".join(_words(text).split()[:2])
                page = reader.pages[int(el.get("aria-label")) - 1].extract_text()
                assert words and words in _words(page), (href, el.get("aria-label"), words)
                checked += 1
    assert checked >= 5


def test_the_package_names_the_printed_edition(built):
    book, _ = built
    (source,) = book.meta("pageBreakSource")
    assert source.startswith("urn:uuid:") and source in book.dc("source")
    features = book.meta("schema:accessibilityFeature")
    assert {"pageNavigation", "pageBreakMarkers"} <= set(features)


@pytest.mark.skipif(shutil.which("java") is None, reason="EPUBCheck needs Java")
def test_books_with_a_page_list_pass_epubcheck(built):
    book, _ = built
    assert_epubcheck_clean(epubcheck_many([book.path])[book.path])


def test_without_the_pdf_the_epub_has_no_pages(tmp_path):
    (path,) = build(CONTENT, tmp_path, BuildOptions(formats=("epub",), subjects=(SUBJECT,))
                    ).written
    book = Book(path)
    assert not any(el.get(EPUB_TYPE) in ("pagebreak", "page-list")
                   for href in book.xhtml for el in book.doc(href).iter())
    assert book.meta("pageBreakSource") == [] and "page" not in book.raw(book.articles[0]).decode()
    assert "pageNavigation" not in book.meta("schema:accessibilityFeature")


def test_a_book_printed_in_volumes_gets_no_page_list(tmp_path):
    book, pdfs, notes = _build(tmp_path, max_articles=2, subject="accounting-and-finance")
    assert len(pdfs) == 2  # each volume numbers its pages from 1
    assert book.meta("pageBreakSource") == []
    assert any("no page list" in n and "accounting-and-finance" in n for n in notes)


def test_the_pdf_runs_before_the_epub_that_uses_its_pages():
    epub, pdf, markdown = get_writer("epub"), get_writer("pdf"), get_writer("markdown")
    assert run_order([epub, markdown, pdf]) == [markdown, pdf, epub]
    assert run_order([pdf, epub]) == [pdf, epub]
    assert run_order([epub, markdown]) == [epub, markdown]

