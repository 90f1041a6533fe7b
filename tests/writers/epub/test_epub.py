"""The EPUB writer: books built from content/ and the shared corpus, opened as zip + XML.

EPUBCheck 5 must report no fatal, error or warning for every book; the structural checks
below cover what EPUBCheck does not (Kindle's Send-to-Kindle rules, links, math, the index).
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CONTENT, CORPUS, NO_CORPUS, needs_corpus

from qtconvert.build import build
from qtconvert.render.typography import curly_quotes
from qtconvert.verify.core import balanced
from qtconvert.verify.epub_tools import epubcheck_many, epubcheck_messages
from qtconvert.writers import BuildOptions
from qtconvert.writers.epub import page_names

XHTML = "{http://www.w3.org/1999/xhtml}"
MATHML = "{http://www.w3.org/1998/Math/MathML}"
OPF = "{http://www.idpf.org/2007/opf}"
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
DC = "{http://purl.org/dc/elements/1.1/}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
UTF8_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'
RECIPE = CONTENT / "recipes" / "quantitative-methods.toml"
XSS = "what-is-crosssite-scripting-xss-and-how-can-it-be-prevented"
# TeX that escaped conversion: `$$`, `\(`, `\[`, `$x^2$`-like spans, or a TeX command in prose
RAW_TEX = re.compile(r"\$\$|\\\(|\\\[|\$[^$\s][^$]*?[\\^_{}=][^$]*?\$"
                     r"|\\(?:frac|ce|mathrm|sqrt|begin)\b")


class Book:
    """A built EPUB opened for inspection: the zip, the package document, parsed pages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path)
        self.names = self.zip.namelist()
        container = ET.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_path = next(container.iter(f"{CONTAINER}rootfile")).get("full-path")
        self.opf = ET.fromstring(self.zip.read(self.opf_path))
        self.manifest = {i.get("href"): i for i in self.opf.iter(f"{OPF}item")}
        ids = {i.get("id"): i.get("href") for i in self.opf.iter(f"{OPF}item")}
        self.spine = [ids[r.get("idref")] for r in self.opf.iter(f"{OPF}itemref")]
        self._docs: dict[str, ET.Element] = {}

    def raw(self, href: str) -> bytes:
        return self.zip.read(f"{self.opf_path.rpartition('/')[0]}/{href}")

    def doc(self, href: str) -> ET.Element:
        if href not in self._docs:
            parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
            self._docs[href] = ET.fromstring(self.raw(href), parser=parser)
        return self._docs[href]

    @property
    def xhtml(self) -> list[str]:
        return [h for h, i in self.manifest.items() if i.get("media-type") == "application/xhtml+xml"]

    @property
    def articles(self) -> list[str]:
        return [h for h in self.spine if h.startswith("q-")]

    def meta(self, prop: str) -> list[str]:
        return [m.text or "" for m in self.opf.iter(f"{OPF}meta") if m.get("property") == prop]

    def dc(self, name: str) -> list[str]:
        return [e.text or "" for e in self.opf.iter(f"{DC}{name}")]

    @cached_property
    def ids(self) -> dict[str, set[str]]:
        return {h: {e.get("id") for e in self.doc(h).iter() if e.get("id")} for h in self.xhtml}

    def nav(self, kind: str) -> ET.Element:
        for nav in self.doc("nav.xhtml").iter(f"{XHTML}nav"):
            if nav.get(EPUB_TYPE) == kind:
                return nav
        raise AssertionError(f"no {kind} nav")

    def links(self) -> list[tuple[str, str]]:
        """(page, href) of every link in every XHTML page."""
        return [(h, a.get("href")) for h in self.xhtml for a in self.doc(h).iter(f"{XHTML}a")
                if a.get("href") is not None]


def assert_epubcheck_clean(report: dict) -> None:
    """No fatal error, error or warning in an EPUBCheck report (verify's reading of it)."""
    assert epubcheck_messages(report) == []


needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="EPUBCheck needs Java")


@pytest.fixture(scope="module")
def content_books(tmp_path_factory) -> dict[str, Book]:
    out = tmp_path_factory.mktemp("epub")
    result = build(CONTENT, out, BuildOptions(formats=("epub",)))
    return {p.stem: Book(p) for p in result.written}


@pytest.fixture(scope="module")
def recipe_book(tmp_path_factory) -> Book:
    out = tmp_path_factory.mktemp("recipe")
    (path,) = build(CONTENT, out, BuildOptions(formats=("epub",), book=RECIPE)).written
    return Book(path)


@pytest.fixture(scope="module")
def corpus_books(tmp_path_factory) -> dict[str, Book]:
    if NO_CORPUS:
        pytest.skip(f"the shared corpus is not at {CORPUS} (or QTCONVERT_NO_CORPUS is set)")
    out = tmp_path_factory.mktemp("corpus-epub")
    result = build(CORPUS, out, BuildOptions(formats=("epub",)))
    return {p.stem: Book(p) for p in result.written}


@pytest.fixture(scope="module")
def corpus_reports(corpus_books) -> dict[str, dict]:
    """EPUBCheck over every corpus book, in two Java processes of about equal work."""
    groups = balanced([b.path for b in corpus_books.values()], 2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = {p: r for part in pool.map(epubcheck_many, groups) for p, r in part.items()}
    return {key: reports[book.path] for key, book in corpus_books.items()}


# -- EPUBCheck ----------------------------------------------------------------------------------

@needs_java
def test_content_books_pass_epubcheck(content_books, recipe_book):
    assert set(content_books) == {"accounting-and-finance", "business-and-management",
                                  "chemistry", "computer-science", "mathematics", "medicine"}
    reports = epubcheck_many([book.path for book in [*content_books.values(), recipe_book]])
    for path, report in reports.items():  # one Java process for all seven books
        assert epubcheck_messages(report) == [], path.name


@needs_java
@needs_corpus
@pytest.mark.parametrize("subject", ["accounting-and-finance", "architecture", "chemistry",
                                     "computer-science", "digital-media", "environmental-science",
                                     "gender-studies", "mathematics", "medicine", "politics",
                                     "science"])
def test_corpus_books_pass_epubcheck(corpus_reports, subject):
    assert_epubcheck_clean(corpus_reports[subject])


# -- what Send-to-Kindle checks and EPUBCheck does not -------------------------------------------

def test_every_page_declares_utf8_and_has_no_double_hyphen_comment(content_books, recipe_book):
    for book in [*content_books.values(), recipe_book]:
        assert book.zip.read(book.opf_path).startswith(UTF8_DECLARATION)
        for href in book.xhtml:
            assert book.raw(href).startswith(UTF8_DECLARATION), href
        for href in book.xhtml:
            for el in book.doc(href).iter(ET.Comment):
                assert "--" not in (el.text or ""), (book.path.name, href)


def test_package_metadata(content_books):
    book = content_books["chemistry"]
    assert book.dc("language") == ["en"]
    assert book.dc("title")[0] == "Chemistry"
    assert book.dc("identifier")[0].startswith("urn:uuid:")
    assert book.dc("creator") and book.dc("publisher") and "Chemistry" in book.dc("subject")
    assert book.meta("dcterms:modified") == ["2024-12-20T00:00:00Z"]  # the newest article
    assert {"MathML", "structuralNavigation", "tableOfContents", "readingOrder",
            "alternativeText", "index"} <= set(book.meta("schema:accessibilityFeature"))
    assert book.meta("schema:accessibilityHazard") == ["none"]
    assert book.meta("schema:accessModeSufficient") == ["textual"]
    assert book.meta("schema:accessibilitySummary")[0]
    assert book.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert book.meta("a11y:certifiedBy") == ["QuickTakes"]
    cover = [h for h, i in book.manifest.items() if i.get("properties") == "cover-image"]
    assert cover == ["cover.svg"]
    svg = ET.fromstring(book.raw("cover.svg"))
    assert "Chemistry" in "".join(svg.itertext())


def test_zip_layout_and_identical_rebuild(content_books, content, tmp_path):
    book = content_books["mathematics"]
    newest = max(a.date for a in content.by_subject("mathematics"))
    first = book.zip.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    assert book.zip.read("mimetype") == b"application/epub+zip"
    assert {i.date_time for i in book.zip.infolist()} == {newest.timetuple()[:6]}
    again = build(CONTENT, tmp_path, BuildOptions(formats=("epub",), subjects=("mathematics",)))
    assert again.written[0].read_bytes() == book.path.read_bytes()


def test_the_package_is_written_by_ebooklib(content_books):
    """The design fixes the dependencies: ebooklib writes the container, with our pages and our
    navigation document, and `writers/epub/package.py` is the one module that imports it."""
    import ast

    import qtconvert

    book = content_books["medicine"]
    generators = [m.get("content") for m in book.opf.iter(f"{OPF}meta")
                  if m.get("name") == "generator"]
    assert len(generators) == 1 and generators[0].startswith("Ebook-lib "), generators
    assert book.opf_path == "EPUB/content.opf"  # ebooklib's name for it
    navs = [h for h, i in book.manifest.items() if "nav" in (i.get("properties") or "").split()]
    assert navs == ["nav.xhtml"] and book.nav("landmarks") is not None
    assert book.opf.find(f"{OPF}spine").get("toc") is None  # no NCX, so no spine@toc
    assert not [n for n in book.names if n.endswith(".ncx")]
    package = Path(qtconvert.__file__).parent
    importers = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "ebooklib" or n.startswith("ebooklib.") for n in names):
                importers.add(path.relative_to(package).as_posix())
    assert importers == {"writers/epub/package.py"}


# -- navigation, links, index --------------------------------------------------------------------

def test_every_internal_link_resolves(content_books, recipe_book):
    for book in [*content_books.values(), recipe_book]:
        for page, href in book.links():
            parts = urlsplit(href)
            if parts.scheme:
                assert parts.scheme in ("http", "https", "mailto"), href
                continue
            target = parts.path or page
            assert target in book.ids, (book.path.name, page, href)
            if parts.fragment:
                assert parts.fragment in book.ids[target], (book.path.name, page, href)


def test_every_article_is_in_the_nav_in_reading_order(content_books, recipe_book):
    for book in [*content_books.values(), recipe_book]:
        toc = [a.get("href") for a in book.nav("toc").iter(f"{XHTML}a")]
        for href in book.articles:
            anchors = [e.get("id") for e in book.doc(href).iter(f"{XHTML}section")
                       if e.get("class") == "qt-article"]
            assert f"{href}#{anchors[0]}" in toc, (book.path.name, href)
        order = [book.spine.index(h.split("#")[0]) for h in toc]
        assert order == sorted(order), "the contents follow the reading order"
        for href in toc + [a.get("href") for a in book.nav("landmarks").iter(f"{XHTML}a")]:
            page, _, frag = href.partition("#")
            assert page in book.spine, href  # visible content, in reading order
            if frag:
                target = next(e for e in book.doc(page).iter() if e.get("id") == frag)
                assert target.get("hidden") is None


def test_landmarks(content_books):
    marks = {a.get(EPUB_TYPE): a.get("href")
             for a in content_books["mathematics"].nav("landmarks").iter(f"{XHTML}a")}
    assert set(marks) == {"cover", "titlepage", "toc", "bodymatter", "index"}


def test_related_questions_link_inside_or_to_the_web(content_books):
    book = content_books["accounting-and-finance"]
    page = book.doc("q-what-is-breakeven-analysis-and-how-is-it-calculated.xhtml")
    related = next(n for n in page.iter(f"{XHTML}nav") if n.get("class") == "qt-related")
    hrefs = [a.get("href") for a in related.iter(f"{XHTML}a")]
    assert any(h.startswith("q-") for h in hrefs)
    assert all(h.startswith(("q-", "https://quicktakes.io/learn/")) for h in hrefs)


def test_index_links_to_articles_with_the_keyword(content_books, content):
    book = content_books["chemistry"]
    files = page_names(content.by_subject("chemistry"))
    keywords = {files[a.url]: {curly_quotes(k).casefold() for k in a.keywords}
                for a in content.by_subject("chemistry")}
    pages = [h for h in book.spine if h.startswith("index")]
    entries = [e for p in pages for e in book.doc(p).iter(f"{XHTML}li")
               if e.get(EPUB_TYPE) == "index-entry"]
    assert len(entries) > 20
    for entry in entries:
        term = next(e for e in entry.iter() if e.get(EPUB_TYPE) == "index-term").text
        locators = [a.get("href").split("#")[0] for a in entry.iter(f"{XHTML}a")]
        assert locators
        for page in locators:
            assert term.casefold() in keywords[page], (term, page)
    ph = next(e for e in entries if "".join(e.itertext()).startswith("pH"))
    assert [a.get("href").split("#")[0] for a in ph.iter(f"{XHTML}a")] == \
        ["q-how-is-the-ph-of-a-solution-calculated.xhtml"]


# -- the answer ---------------------------------------------------------------------------------

def _prose(root: ET.Element) -> list[str]:
    """Text outside code, pre and math."""
    out: list[str] = []

    def walk(el: ET.Element) -> None:
        if el.tag in (f"{XHTML}code", f"{XHTML}pre", f"{MATHML}math"):
            return
        out.append(el.text or "")
        for child in el:
            walk(child)
            out.append(child.tail or "")

    walk(root)
    return out


def test_math_is_mathml_with_tex_alternative(content_books):
    for name in ("mathematics", "chemistry"):
        book = content_books[name]
        for href in book.articles:
            page = book.doc(href)
            maths = list(page.iter(f"{MATHML}math"))
            assert maths, f"{href} has math in its answer"
            for m in maths:
                assert m.get("alttext")
                assert m.find(f"{MATHML}semantics/{MATHML}annotation") is not None
            assert not [t for t in _prose(page) if RAW_TEX.search(t)], href
            assert not [s for s in page.iter(f"{XHTML}span")
                        if (s.get("class") or "").startswith("math")]
            assert "mathml" in book.manifest[href].get("properties", "")


def test_display_equation_arrays_are_in_display_style(content_books):
    # `aligned` derivations: without displaystyle a reading system sets fractions script-size
    book = content_books["mathematics"]
    page = book.doc(next(h for h in book.articles if "quadratic-formula" in h))
    tables = [t for m in page.iter(f"{MATHML}math") if m.get("display") == "block"
              for t in m.iter(f"{MATHML}mtable")]
    assert tables and all(t.get("displaystyle") == "true" for t in tables)


def test_chemistry_ce_becomes_math(content_books):
    page = content_books["chemistry"].doc("q-how-do-you-balance-a-chemical-equation.xhtml")
    alts = [m.get("alttext") for m in page.iter(f"{MATHML}math")]
    assert any("\\rightarrow" in a for a in alts)
    assert not any("\\ce" in a for a in alts)


def test_raw_html_in_prose_is_text(content_books):
    page = content_books["computer-science"].doc(f"q-{XSS}.xhtml")
    texts = ["".join(p.itertext()) for p in page.iter(f"{XHTML}p")]
    assert any("<script>alert(1)</script>" in t for t in texts)
    assert any("<b>bold?</b>" in t for t in texts)
    tags = {e.tag for e in page.iter()}
    assert f"{XHTML}script" not in tags and f"{XHTML}img" not in tags and f"{XHTML}b" not in tags


def test_code_blocks_have_no_line_anchors(content_books):
    page = content_books["computer-science"].doc("q-how-do-format-specifiers-work-in-printf-in-c.xhtml")
    pres = list(page.iter(f"{XHTML}pre"))
    assert pres and "#include <stdio.h>" in "".join(pres[0].itertext())
    assert not [a for p in pres for a in p.iter(f"{XHTML}a")]


def test_question_is_the_heading(content_books):
    book = content_books["medicine"]
    for href in book.articles:
        h1 = [e for e in book.doc(href).iter(f"{XHTML}h1")]
        assert len(h1) == 1 and h1[0].get("class") == "qt-question"
        title = book.doc(href).find(f"{XHTML}head/{XHTML}title").text
        assert title == h1[0].text


def test_user_stylesheet_replaces_the_default(tmp_path):
    css = tmp_path / "mine.css"
    css.write_text("body { color: #000; }\n")
    (path,) = build(CONTENT, tmp_path / "out", BuildOptions(
        formats=("epub",), subjects=("medicine",), stylesheet=css)).written
    assert Book(path).raw("style.css") == css.read_bytes()


def _css_rules(css: str) -> dict[str, str]:
    """Selector -> its declarations, for the qualified rules of a stylesheet."""
    import tinycss2

    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return {tinycss2.serialize(r.prelude).strip(): tinycss2.serialize(r.content)
            for r in rules if r.type == "qualified-rule"}


def test_math_has_a_math_font_stack(content_books):
    rules = _css_rules(content_books["mathematics"].raw("style.css").decode("utf-8"))
    stack = [f.strip().strip('"') for f in
             re.search(r"font-family:([^;]+)", rules["math"]).group(1).split(",")]
    assert stack == ["STIX Two Math", "Cambria Math", "Latin Modern Math", "math"]


def test_tables_wrap_between_words_and_scroll_in_their_own_box(content_books):
    book = content_books["computer-science"]
    rules = _css_rules(book.raw("style.css").decode("utf-8"))
    assert "anywhere" not in rules["table"]  # "Featu-re": words broke anywhere at phone width
    assert "hyphens: auto" in rules["table"]
    assert "overflow-x: auto" in rules["div.qt-table"]
    tables = 0
    for href in book.articles:
        parents = {child: parent for parent in book.doc(href).iter() for child in parent}
        for table in book.doc(href).iter(f"{XHTML}table"):
            box = parents[table]
            assert box.tag == f"{XHTML}div" and box.get("class") == "qt-table", href
            tables += 1
    assert tables >= 2


def test_front_matter_in_the_books_colour_without_repeats(content_books):
    book = content_books["mathematics"]
    cover = re.search(rb'<rect width="\d+" height="\d+" fill="(#[0-9a-f]{6})"',
                      book.raw("cover.svg")).group(1).decode()
    for href in ("title.xhtml", "nav.xhtml", *book.articles):
        assert book.doc(href).get("style") == f"--qt-accent: {cover}", href
    title = " ".join("".join(book.doc("title.xhtml").itertext()).split())
    assert title.count("QuickTakes study guide") == 1, title
    toc = book.nav("toc")
    index = next(li for li in toc.iter(f"{XHTML}li") if li.findtext(f"{XHTML}a") == "Index")
    assert index.find(f"{XHTML}ol") is None  # linked once: its pages have a line of letters
    assert not [a for a in toc.iter(f"{XHTML}a") if len(a.text or "") == 1]


def test_accent_is_the_cover_colour_when_it_reads_on_the_pages():
    from qtconvert.read.recipes import SUBJECT_COLOURS
    from qtconvert.writers.epub.cover import DEFAULT_ACCENT, accent_colour, contrast

    assert [accent_colour(c) for c in SUBJECT_COLOURS] == list(SUBJECT_COLOURS)
    for light in ("#ffcc00", "#8aa4bd", "#ffffff", "not a colour"):
        assert accent_colour(light) == DEFAULT_ACCENT
    assert all(contrast(accent_colour(c), "#f1f5f9") >= 4.5 for c in SUBJECT_COLOURS)


# -- the corpus ---------------------------------------------------------------------------------

@needs_corpus
def test_corpus_math_is_never_dropped_or_an_error(corpus_books):
    for name in ("chemistry", "mathematics"):
        book = corpus_books[name]
        assert len(book.articles) > 1000
        for href in book.articles:
            page = book.doc(href)
            assert not [s for s in page.iter(f"{XHTML}span")
                        if (s.get("class") or "").startswith("math")], href
            text = "".join(page.itertext())
            assert "Could not convert TeX" not in text and "\\ce{" not in text, href


def test_stylesheet_and_cover_colours_meet_wcag_aa_contrast():
    from qtconvert.package_data import data_dir
    from qtconvert.read.recipes import SUBJECT_COLOURS
    from qtconvert.render.colours import contrast
    from qtconvert.writers.epub.cover import text_colour

    css = (data_dir("styles") / "epub.css").read_text(encoding="utf-8")
    inks = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", css))
    papers = set(re.findall(r"background-color:\s*(#[0-9a-fA-F]{6})", css)) | {"#ffffff"}
    assert inks and len(papers) > 1
    for ink in inks:
        for paper in papers:
            assert contrast(ink, paper) >= 4.5, (ink, paper)
    for colour in [*SUBJECT_COLOURS, "#245e3a", "#ffcc00", "#777777", "#767676", "#7f7f7f"]:
        assert contrast(colour, text_colour(colour)) >= 4.5, colour


@needs_corpus
def test_corpus_links_resolve(corpus_books):
    for name in ("chemistry", "computer-science"):
        book = corpus_books[name]
        for page, href in book.links():
            parts = urlsplit(href)
            if parts.scheme:
                assert parts.scheme in ("http", "https", "mailto", "ftp"), (page, href)
                continue
            target = parts.path or page
            assert target in book.ids, (name, page, href)
            assert not parts.fragment or parts.fragment in book.ids[target], (name, page, href)


# -- pieces -------------------------------------------------------------------------------------

def test_uri_for_inside_the_book_only(content, tmp_path):
    from qtconvert.output import OutputFolder
    from qtconvert.read.recipes import books_for
    from qtconvert.writers.epub import EpubWriter, book_scope, page_names

    options = BuildOptions(formats=("epub",))
    writer = EpubWriter(content, content, OutputFolder(tmp_path), options)
    books = {b.key: b for b in books_for(content, options.book)}
    maths, chem = content.by_subject("mathematics"), content.by_subject("chemistry")
    book = books["mathematics"]
    links = writer.links(book_scope(book.articles, page_names(book.articles)))  # one book's
    assert links.uri_for(maths[1], maths[0]) == f"q-{maths[1].slug}.xhtml#{maths[1].anchor}"
    assert links.uri_for(chem[0], maths[0]) is None
    assert links.uri_for(maths[0], chem[0]) is None
    assert writer.uri_for(maths[1], maths[0]) is None  # no state: only a scope links inside


def test_math_fallback_never_drops_tex():
    from qtconvert.writers.epub.mathml import finish_math

    root = ET.fromstring('<div><p>a <span class="math inline">$\\frac{1}{x}$</span> b '
                         '<span class="math inline">$\\struct{\\Omega}$</span> c '
                         '<span class="math display">$$y = 0\\ provides a baseline as x$$</span>'
                         '</p></div>')
    assert finish_math(root)
    p = root[0]
    kinds = [(el.tag, el.get("class")) for el in p]
    assert kinds == [("math", None), ("code", "tex"), ("code", "tex tex-display")]
    assert p[0].get("alttext") == "\\frac{1}{x}" and p[0].get("xmlns").endswith("MathML")
    assert p[1].text == "\\struct{\\Omega}" and p[1].tail == " c "
    assert "provides a baseline" in p[2].text


def test_lua_filters_from_the_config_run(tmp_path):
    from qtconvert.config import Config

    lua = tmp_path / "shout.lua"
    lua.write_text("function Str(el) return pandoc.Str(el.text:upper()) end\n")
    (path,) = build(CONTENT, tmp_path / "out", BuildOptions(
        formats=("epub",), subjects=("medicine",),
        config=Config(lua_filters=(str(lua),)))).written
    book = Book(path)
    answer = next(e for e in book.doc(book.articles[0]).iter(f"{XHTML}div")
                  if e.get("class") == "qt-answer")
    words = "".join(answer.itertext()).split()
    assert words and all(w == w.upper() for w in words)


@pytest.mark.parametrize("title", ["Thermodynamics", "Macroeconomics and Communications",
                                   "Electroencephalography"])
def test_cover_titles_never_break_a_word_that_fits(title):
    from qtconvert.writers.epub.cover import MARGIN, WIDTH, title_lines

    size, lines = title_lines(title)
    assert " ".join(lines) == title  # whole words only
    assert max(len(line) for line in lines) * 0.6 * size <= WIDTH - 2 * MARGIN
