"""EPUB 3 writer: one study book per subject (or one per `--book` recipe).

Inside each book: an SVG cover, a title page, the contents (subject > questions, with
landmarks), one XHTML page per article (question, answer, related questions), and an index of
the articles' keywords. Pandoc converts the answers in batches while the pages of earlier
batches are built, so the build takes little longer than pandoc alone; `epub_package` hands
the pages to ebooklib, which writes the file.

When the PDF of the same book is made in the same build, the PDF writer (which then runs
first) hands over where its pages begin (`PRINTED_PAGES`), and the book carries them: a
page-break marker per printed page and a page list (`pages`). Without it the book is as ever.
"""

from __future__ import annotations

import datetime as _dt
import html
import itertools
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ...errors import BuildError, UsageError
from ...model import Article
from ...model.books import Book, counted, subject_runs
from ...model.printed_pages import PRINTED_PAGES, PageStart, PrintedPages
from ...package_data import stylesheet
from ...render import html_body
from ...render.links import Links, LinkScope
from ...render.math_svg import MathRenderer
from ...render.pandoc import PandocOptions
from ...render.typography import curly_quotes
from ..base import BuildOptions, Writer, option
from .cover import accent_colour, cover_page, cover_svg, title_page
from .index import build_index
from .mathml import finish_math
from .nav import NavEntry, nav_body
from .package import EpubPackage, Item, Metadata
from .pages import page_id
from .svg_math import inline_svg
from .xhtml import STYLESHEET, article_document, document

__all__ = ["EpubWriter", "EpubOptions", "CONFORMS_TO", "MATH_FORMS"]

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


@dataclass(frozen=True)
class EpubOptions:
    """`--format epub`'s own options."""

    math: str = option("mathml", "--epub-math", "how formulas are written: mathml (default) or "
                       "svg (images with their TeX as text alternative, for reading systems "
                       "without MathML such as Kindle)", choices=MATH_FORMS)
_PAGES_SUMMARY = (" Page-break markers and a page list give the page numbers of the printed "
                  "(PDF) edition.")


class EpubWriter(Writer):
    """Writes `OUT/epub/<book key>.epub`."""

    name = "epub"
    suffix = ".epub"
    description = "EPUB 3 study books, one per subject (or one per --book recipe)"
    makes_books = True
    uses = (PRINTED_PAGES,)
    Options = EpubOptions

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: `--epub-math svg`: formulas typeset once per build, across its books
        self.math = MathRenderer(jobs=self.options.job_count, flat=True)

    @classmethod
    def check_options(cls, options: BuildOptions) -> None:
        math = options.for_format(cls).math
        if math not in MATH_FORMS:
            raise UsageError(f"--epub-math: unknown value {math!r} (supported: "
                             f"{', '.join(MATH_FORMS)})")
        stylesheet(options.stylesheet, "epub.css")

    def write(self) -> list[Path]:
        from ...read.recipes import books_for

        written = []
        for book in books_for(self.selected, self.options.book):
            data = self.build_book(book)
            written.append(self.out.write_bytes(self.out.path("epub", book.key + self.suffix), data))
        if self.math.failures:
            self.progress.note(f"epub: {self.math.failures} formula(s) could not be typeset and "
                               f"are shown as TeX ({len(self.math.failed)} distinct)")
        return written

    # -- one book ------------------------------------------------------------------------------

    def build_book(self, book: Book) -> bytes:
        """The EPUB file of `book`, as bytes (the same bytes for the same input). Its links
        are resolved in the book's own scope (`book_scope`), so a book is a unit of its own."""
        if not book.articles:
            raise BuildError(f"book {book.key!r} has no articles")
        files = page_names(book.articles)
        scope = book_scope(book.articles, files)
        printed = self._printed_pages(book)
        starts = _starts_by_article(book.articles, printed)
        groups = subject_groups(book.articles)
        newest = max(a.date for a in book.articles)
        modified = _dt.datetime.combine(newest, _dt.time(0, 0), _dt.timezone.utc)
        math_form = self.format_options.math
        features = ["structuralNavigation", "tableOfContents", "readingOrder", "alternativeText",
                    "displayTransformability"]
        package = EpubPackage(Metadata(
            identifier=book_identifier(book), title=book.title, subtitle=book.subtitle,
            language=book.language, modified=modified,
            subjects=tuple(dict.fromkeys((*book.subjects, *book.keywords))),
            description=f"{counted(len(book.articles), 'question and answer')} on "
                        f"{', '.join(book.subjects)}, from QuickTakes.",
            source=self.collection.base_url,
            print_source=printed.edition if printed is not None else "",
            accessibility_summary=_SUMMARY.format(math=_MATH_SUMMARY[math_form])
            + (_PAGES_SUMMARY if printed is not None else "")))
        lang = book.language
        accent = accent_colour(book.cover_colour)  # every page takes the cover's colour
        package.add(Item("cover.svg", "image/svg+xml", "cover-image"), cover_svg(book))
        package.add(Item(STYLESHEET, "text/css"), self._stylesheet())
        package.add(Item("cover.xhtml", XHTML, spine=True), document(
            book.title, cover_page(book, "cover.svg"), lang, body_attrs=' class="qt-cover-page"',
            accent=accent))
        edition = f"{newest.day} {newest:%B %Y}"
        package.add(Item("title.xhtml", XHTML, spine=True), document(
            book.title, title_page(book, edition, self.collection.base_url), lang,
            body_attrs=' epub:type="frontmatter"', accent=accent))
        index = build_index(book.articles, lambda a: scope.hrefs[a.url])
        toc = _toc(groups, index, scope)
        first = toc[0].href if len(groups) > 1 else files[book.articles[0].url]
        landmarks = [("cover", "cover.xhtml", "Cover"), ("titlepage", "title.xhtml", "Title page"),
                     ("toc", "nav.xhtml#toc", "Contents"), ("bodymatter", first, "Questions")]
        if index:
            landmarks.append(("index", index[0].href, "Index"))
        page_list = [(p.label, f"{files[url]}#{page_id(p.label)}")
                     for url, p in _in_page_order(book.articles, starts)]
        package.add(Item("nav.xhtml", XHTML, "nav", spine=True),
                     document("Contents", nav_body(toc, landmarks, page_list), lang,
                              accent=accent))
        has_math = False
        pages = self._article_pages(book.key, [a for _, _, arts in groups for a in arts], lang,
                                    files, self.links(scope), accent, starts)
        for n, ((key, name, articles), entry) in enumerate(zip(groups, toc), 1):
            if len(groups) > 1:
                package.add(Item(entry.href, XHTML, spine=True), document(name, (
                    f'<section epub:type="part" role="doc-part" class="qt-part">'
                    f'<p class="qt-series">Part {n}</p><h1>{html.escape(name, quote=False)}</h1>'
                    f'<p class="qt-count">{counted(len(articles))}</p></section>'), lang,
                    accent=accent))
            for article, page, math in itertools.islice(pages, len(articles)):
                has_math |= math
                # EPUB 3.3: a page with MathML or inline SVG says so in the manifest
                package.add(Item(files[article.url], XHTML, math_form if math else "",
                                 spine=True), page)
        for _ in pages:  # run the generator to its end: pool shut down, progress done
            pass
        for page in index:
            package.add(Item(page.href, XHTML, spine=True),
                         document(page.title, page.body, lang,
                                  body_attrs=' epub:type="backmatter"', accent=accent))
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
        return package.to_bytes()

    def _printed_pages(self, book: Book) -> PrintedPages | None:
        """The pages of `book`'s PDF made in this build; None without one (or when the PDF
        is split into volumes, each numbered from 1: no one page number names a place)."""
        handed = self.handed.get(PRINTED_PAGES)
        if handed is None:
            return None
        printed = handed.get(book.key)
        if printed is None:
            self.progress.note(f"epub: {book.key}: no page list (its PDF is printed in "
                               "volumes that each number their pages from 1)")
        return printed

    def _article_pages(self, key: str, articles: Sequence[Article], lang: str,
                       files: dict[str, str], links: Links, accent: str,
                       starts: Mapping[str, Sequence[PageStart]]
                       ) -> Iterator[tuple[Article, bytes, bool]]:
        """Each article's page, in order, built while pandoc converts the next batches."""
        documents = set(files.values())
        finish: Callable = finish_math
        if self.format_options.math == "svg":
            finish = partial(inline_svg, renderer=self.math)
        self.progress.start(f"EPUB {key}", len(articles))
        for article, fragment in self._fragments(articles):
            page, math = article_document(article, fragment, links, documents, lang, accent,
                                          starts.get(article.url, ()), math=finish)
            self.progress.advance()
            yield article, page, math
        self.progress.done()

    def _fragments(self, articles: Sequence[Article]) -> Iterator[tuple[Article, str]]:
        config = self.options.config
        jobs = self.options.job_count
        # svg: pandoc leaves the TeX, which `svg_math` typesets
        options = PandocOptions(math="mathml" if self.format_options.math == "mathml" else "tex",
                                jobs=1,
                                lua_filters=tuple(config.lua_filters) if config else ())
        size = max(25, min(options.batch_size, -(-len(articles) // (jobs * 4))))
        chunks = [articles[i:i + size] for i in range(0, len(articles), size)]
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(chunks)))) as pool:
            futures = [pool.submit(html_body.render_answers, chunk, options,
                                   note=self.progress.note) for chunk in chunks]
            try:
                for chunk, future in zip(chunks, futures):
                    html = future.result()
                    for article in chunk:
                        yield article, html[article.url]
            finally:
                for future in futures:
                    future.cancel()

    def _stylesheet(self) -> bytes:
        path = stylesheet(self.options.stylesheet, "epub.css")
        try:
            return path.read_bytes()
        except OSError as exc:
            raise UsageError(f"--stylesheet {path}: cannot read it ({exc.strerror})") from None


def _toc(groups: list[tuple[str, str, tuple[Article, ...]]], index, scope: LinkScope
         ) -> list[NavEntry]:
    toc = []
    for key, name, articles in groups:
        children = tuple(NavEntry(curly_quotes(a.question or a.title), scope.hrefs[a.url])
                         for a in articles)
        href = f"part-{key}.xhtml" if len(groups) > 1 else children[0].href.split("#")[0]
        toc.append(NavEntry(name, href, children))
    if index:  # once: each index page opens with a line of links to its letters
        toc.append(NavEntry("Index", index[0].href))
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
