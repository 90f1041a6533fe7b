"""One EPUB book, made from its arguments only: the build engine's unit of the EPUB format.

`make_book` runs wherever the engine sends it (this process, a worker process, a Dask worker):
it is given the book, a small collection of every article the book links to, the stylesheet's
bytes, the site's address, the printed pages (when the PDF of the same build handed them over),
the math form and each answer's HTML, and returns the `.epub` file's bytes. `epub_package`
hands the pages to ebooklib, which writes the file.
"""

from __future__ import annotations

import datetime as _dt
import html
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import astuple
from functools import partial
from typing import Any

from ...errors import BuildError
from ...model import Article, Collection
from ...model.books import Book, counted, subject_runs
from ...model.keys import linked_urls, value_digest
from ...model.printed_pages import PageStart, PrintedPages
from ...render.links import Links, LinkScope
from ...render.math_svg import MathRenderer
from ...render.typography import curly_quotes
from ..base import Result
from .cover import accent_colour, cover_page, cover_svg, title_page
from .index import build_index
from .mathml import finish_math
from .nav import NavEntry, nav_body
from .package import Deflated, EpubPackage, Item, Metadata, deflate
from .pages import page_id
from .svg_math import inline_svg
from .xhtml import STYLESHEET, article_document, document

__all__ = ["make_book", "book_path", "pandoc_math", "book_scope", "page_names",
           "subject_groups", "book_identifier", "CONFORMS_TO", "MATH_FORMS"]

XHTML = "application/xhtml+xml"
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
_SUMMARY = ("Reflowable text with a table of contents, landmarks and an index linking to every "
            "question; headings mark each question and the parts of its answer. {math} The "
            "cover image has a text description. No flashing, motion or sound.")
_MATH_SUMMARY = {
    "mathml": "Math is MathML with its TeX source as alternative text.",
    "svg": "Math is drawn as SVG images, not MathML; each formula has its TeX source as its "
           "text alternative (a screen reader reads the TeX, not spoken math).",
}
MATH_FORMS = tuple(_MATH_SUMMARY)  #: the values of --epub-math
_PAGES_SUMMARY = (" Page-break markers and a page list give the page numbers of the printed "
                  "(PDF) edition.")


def book_path(book: Book) -> str:
    """`epub/<book key>.epub`: the book's file inside OUT."""
    return f"epub/{book.key}.epub"


def pandoc_math(math: str) -> str:
    """How pandoc converts the answers for `math` (`--epub-math`): MathML, or the TeX left in
    place for `svg_math` to typeset."""
    return "mathml" if math == "mathml" else "tex"


def make_book(book: Book, table: Collection, css: bytes, base_url: str,
              printed: PrintedPages | None, math_form: str, *, fragments: Mapping[str, str],
              memo: Mapping[str, Any] | None = None) -> Result:
    """The unit: `book`'s EPUB file (the same bytes for the same input). Its links are resolved
    in the book's own scope (`book_scope`): inside the book, else to the web.

    `table`: the book's articles and every article they link to (`render.links.link_table`);
    `fragments`: article url -> its answer's HTML, converted as `pandoc_math(math_form)` says.
    `data`: the formulas `--epub-math svg` could not typeset, (TeX, display?) -> times shown
    as TeX, for the build's summary (`EpubWriter.combine`).

    `memo`: article url -> its page, and `INDEX` -> the index pages, as an earlier build made
    them (`piece_keys` says when they are the same); those made here are returned in
    `Result.pieces`."""
    memo = memo or {}
    made: dict[str, Any] = {}
    if not book.articles:
        raise BuildError(f"book {book.key!r} has no articles")
    files = page_names(book.articles)
    scope = book_scope(book.articles, files)
    starts = _starts_by_article(book.articles, printed)
    groups = subject_groups(book.articles)
    newest = max(a.date for a in book.articles)
    modified = _dt.datetime.combine(newest, _dt.time(0, 0), _dt.timezone.utc)
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "alternativeText",
                "displayTransformability"]
    package = EpubPackage(Metadata(
        identifier=book_identifier(book), title=book.title, subtitle=book.subtitle,
        language=book.language, modified=modified,
        subjects=tuple(dict.fromkeys((*book.subjects, *book.keywords))),
        description=f"{counted(len(book.articles), 'question and answer')} on "
                    f"{', '.join(book.subjects)}, from QuickTakes.",
        source=base_url,
        print_source=printed.edition if printed is not None else "",
        accessibility_summary=_SUMMARY.format(math=_MATH_SUMMARY[math_form])
        + (_PAGES_SUMMARY if printed is not None else "")))
    lang = book.language
    accent = accent_colour(book.cover_colour)  # every page takes the cover's colour
    package.add(Item("cover.svg", "image/svg+xml", "cover-image"), cover_svg(book))
    package.add(Item(STYLESHEET, "text/css"), css)
    package.add(Item("cover.xhtml", XHTML, spine=True), document(
        book.title, cover_page(book, "cover.svg"), lang, body_attrs=' class="qt-cover-page"',
        accent=accent))
    edition = f"{newest.day} {newest:%B %Y}"
    package.add(Item("title.xhtml", XHTML, spine=True), document(
        book.title, title_page(book, edition, base_url), lang,
        body_attrs=' epub:type="frontmatter"', accent=accent))
    index: IndexValue | None = memo.get(INDEX)
    if index is None:  # its pages finished and compressed, as the zip holds them
        index = made[INDEX] = tuple(
            (page.href, deflate(document(page.title, page.body, lang,
                                         body_attrs=' epub:type="backmatter"', accent=accent),
                                package.compresslevel))
            for page in build_index(book.articles, lambda a: scope.hrefs[a.url]))
    toc = _toc(groups, index[0][0] if index else None, scope)
    first = toc[0].href if len(groups) > 1 else files[book.articles[0].url]
    landmarks = [("cover", "cover.xhtml", "Cover"), ("titlepage", "title.xhtml", "Title page"),
                 ("toc", "nav.xhtml#toc", "Contents"), ("bodymatter", first, "Questions")]
    if index:
        landmarks.append(("index", index[0][0], "Index"))
    page_list = [(p.label, f"{files[url]}#{page_id(p.label)}")
                 for url, p in _in_page_order(book.articles, starts)]
    package.add(Item("nav.xhtml", XHTML, "nav", spine=True),
                 document("Contents", nav_body(toc, landmarks, page_list), lang, accent=accent))
    renderer = MathRenderer(jobs=1, flat=True)  # SVG math: each formula typeset once a book
    finish = partial(inline_svg, renderer=renderer) if math_form == "svg" else finish_math
    links = Links(table, scope.uri_for)
    documents = set(files.values())
    has_math = False
    failed: dict[tuple[str, bool], int] = {}
    for n, ((key, name, articles), entry) in enumerate(zip(groups, toc), 1):
        if len(groups) > 1:
            package.add(Item(entry.href, XHTML, spine=True), document(name, (
                f'<section epub:type="part" role="doc-part" class="qt-part">'
                f'<p class="qt-series">Part {n}</p><h1>{html.escape(name, quote=False)}</h1>'
                f'<p class="qt-count">{counted(len(articles))}</p></section>'), lang,
                accent=accent))
        for article in articles:
            found = memo.get(article.url)
            if found is None:
                before = dict(renderer.failed)
                page, math = article_document(article, fragments[article.url], links,
                                              documents, lang, accent,
                                              starts.get(article.url, ()), math=finish)
                shown_as_tex = {f: n - before.get(f, 0) for f, n in renderer.failed.items()
                                if n != before.get(f, 0)}
                found = made[article.url] = (deflate(page, package.compresslevel), math,
                                             shown_as_tex)
            deflated, math, shown_as_tex = found
            for formula, times in shown_as_tex.items():
                failed[formula] = failed.get(formula, 0) + times
            has_math |= math
            # EPUB 3.3: a page with MathML or inline SVG says so in the manifest
            package.add(Item(files[article.url], XHTML, math_form if math else "",
                             spine=True), deflated)
    for href, deflated in index:
        package.add(Item(href, XHTML, spine=True), deflated)
    if has_math:  # SVG math: images whose text alternative describes them
        features.insert(0, "MathML" if math_form == "mathml" else "describedMath")
    if index:
        features.append("index")
    if printed is not None:
        features += ["pageBreakMarkers", "pageNavigation"]
    package.metadata.accessibility_features = tuple(features)
    # EPUB Accessibility 1.1: a conformance claim names who evaluated it (the publisher,
    # whose build checks the book with EPUBCheck and the tests in tests/writers/epub)
    package.metadata.extra += [("dcterms:conformsTo", CONFORMS_TO),
                               ("a11y:certifiedBy", package.metadata.publisher)]
    return Result(files=((book_path(book), package.to_bytes()),), data=failed, pieces=made)


#: an article's page: its XHTML as the zip holds it (compressed once, when the page is made),
#: whether it holds math markup, and the formulas it shows as TeX
PageValue = tuple[Deflated, bool, dict[tuple[str, bool], int]]


#: the piece that holds a book's index pages, as (href, page as the zip holds it); an article's
#: piece is named by its url
INDEX = "index"
IndexValue = tuple[tuple[str, Deflated], ...]


def piece_keys(book: Book, printed: PrintedPages | None, base: str,
               entry: Callable[[Article], str]) -> dict[str, str]:
    """The key of each piece of `book` that the cache keeps on its own, with `base` (the
    format's options, the book's language and colour, qtconvert's code):

    - article url -> its page: all `article_document` depends on, that is the article and
      the face of what it links to (`entry`, `ArticleKeys.entry`), where each of those links
      leads in this book, and the printed pages that begin in it;
    - `INDEX` -> the index pages: each article's keywords, question and page (`build_index`),
      which an edited answer leaves as they were."""
    files = page_names(book.articles)
    hrefs = book_scope(book.articles, files).hrefs
    starts = _starts_by_article(book.articles, printed)
    keys = {a.url: value_digest((
        base, entry(a), tuple((url, hrefs.get(url)) for url in sorted(set(linked_urls(a)))),
        tuple(astuple(p) for p in starts.get(a.url, ())))) for a in book.articles}
    keys[INDEX] = value_digest((base, INDEX, tuple((a.url, a.question, a.title, a.keywords,
                                                    hrefs[a.url]) for a in book.articles)))
    return keys


def _toc(groups: list[tuple[str, str, tuple[Article, ...]]], index: str | None,
         scope: LinkScope) -> list[NavEntry]:
    toc = []
    for key, name, articles in groups:
        children = tuple(NavEntry(curly_quotes(a.question or a.title), scope.hrefs[a.url])
                         for a in articles)
        href = f"part-{key}.xhtml" if len(groups) > 1 else children[0].href.split("#")[0]
        toc.append(NavEntry(name, href, children))
    if index:  # once: each index page opens with a line of links to its letters
        toc.append(NavEntry("Index", index))
    return toc


def _starts_by_article(articles: Sequence[Article], printed: PrintedPages | None
                       ) -> dict[str, list[PageStart]]:
    """Article url -> the printed pages that begin in it, in page order."""
    if printed is None:
        return {}
    urls = {a.anchor: a.url for a in articles}
    starts: dict[str, list[PageStart]] = {}
    for page in printed.pages:
        if page.anchor in urls:
            starts.setdefault(urls[page.anchor], []).append(page)
    return starts


def _in_page_order(articles: Sequence[Article], starts: Mapping[str, Sequence[PageStart]]
                   ) -> list[tuple[str, PageStart]]:
    """(article url, page) for every page start, in the book's reading order."""
    return [(a.url, p) for a in articles for p in starts.get(a.url, ())]


def book_scope(articles: Sequence[Article], files: dict[str, str]) -> LinkScope:
    """Inside a book every question is `<its page>#<anchor>`."""
    return LinkScope({a.url: f"{files[a.url]}#{a.anchor}" for a in articles})


def page_names(articles: Sequence[Article]) -> dict[str, str]:
    """Article url -> `q-<slug>.xhtml` (`q-<subject>--<slug>.xhtml` when slugs repeat)."""
    slugs: dict[str, int] = {}
    for a in articles:
        slugs[a.slug] = slugs.get(a.slug, 0) + 1
    return {a.url: f"q-{a.slug if slugs[a.slug] == 1 else a.subject_key + '--' + a.slug}.xhtml"
            for a in articles}


def subject_groups(articles: Sequence[Article]) -> list[tuple[str, str, tuple[Article, ...]]]:
    """(subject key, name, articles) parts in book order; one part when subjects interleave."""
    runs = subject_runs(articles)
    if runs is None:
        return [("all", "Questions", tuple(articles))]
    return [(run.key, run.name, run.articles) for run in runs]


def book_identifier(book: Book) -> str:
    """`urn:uuid:` from the book key and its article urls: the same input, the same id."""
    name = "qtconvert-epub:" + book.key + "\n" + "\n".join(a.url for a in book.articles)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
