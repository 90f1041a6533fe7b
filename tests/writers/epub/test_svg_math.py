"""`--epub-math svg`: every formula inline SVG named by its TeX, for readers without MathML.

The books must pass EPUBCheck with no message, hold no MathML and no raw TeX, declare the `svg`
property on exactly the pages that hold SVG, and say in their accessibility metadata that math
is images with text alternatives, not MathML.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import CONTENT, CORPUS, needs_corpus, write_article
from test_epub import MATHML, RAW_TEX, XHTML, Book, needs_java

from qtconvert.build import build
from qtconvert.errors import UsageError
from qtconvert.render.math_svg import render_one
from qtconvert.verify.epub_tools import epubcheck_many, epubcheck_messages
from qtconvert.writers import BuildOptions
from qtconvert.writers.epub import EpubOptions

SVG = "{http://www.w3.org/2000/svg}"
SVG_MATH = BuildOptions(formats=("epub",), format_options={"epub": {"math": "svg"}})
# a corpus subset: chemistry's calculations, plus every article with `\ce{}` (the test adds them)
CORPUS_RECIPE = """title = "Reactions"
subjects = ["chemistry"]
keywords = ["stoichiometry", "chemical equilibrium", "redox reactions"]
"""


@pytest.fixture(scope="module")
def svg_books(tmp_path_factory) -> dict[str, Book]:
    out = tmp_path_factory.mktemp("epub-svg")
    options = BuildOptions(formats=("epub",), subjects=("mathematics", "chemistry"),
                           format_options={"epub": EpubOptions(math="svg")})
    return {p.stem: Book(p) for p in build(CONTENT, out, options).written}


def _prose(el: ET.Element) -> list[str]:
    """Text outside code, pre and SVG."""
    if el.tag in (f"{XHTML}code", f"{XHTML}pre", f"{SVG}svg"):
        return []
    out = [el.text or ""]
    for child in el:
        out += _prose(child) + [child.tail or ""]
    return out


@needs_java
def test_svg_books_pass_epubcheck(svg_books):
    reports = epubcheck_many([book.path for book in svg_books.values()])
    for path, report in reports.items():
        assert epubcheck_messages(report) == [], path.name


def test_every_formula_is_svg_named_by_its_tex(svg_books):
    for book in svg_books.values():
        for href in book.articles:
            page = book.doc(href)
            svgs = list(page.iter(f"{SVG}svg"))
            assert svgs, f"{href} has math in its answer"
            assert not list(page.iter(f"{MATHML}math")), href
            assert not [t for t in _prose(page) if RAW_TEX.search(t) or "$" in t], href
            for svg in svgs:
                assert svg.get("role") == "img" and svg.get("aria-label"), href
                assert svg.get("width").endswith("em") and svg.get("height").endswith("em")
                assert not [el for el in svg.iter() if el.get("id")]  # ids would repeat
            assert book.manifest[href].get("properties") == "svg", href


def test_package_metadata_says_math_is_described_images(svg_books):
    book = svg_books["mathematics"]
    features = book.meta("schema:accessibilityFeature")
    assert "MathML" not in features and {"describedMath", "alternativeText"} <= set(features)
    summary = book.meta("schema:accessibilitySummary")[0]
    assert "SVG" in summary and "MathML with" not in summary
    assert not [i for i in book.manifest.values() if "mathml" in (i.get("properties") or "")]


def test_chemistry_ce_is_typeset(svg_books):
    page = svg_books["chemistry"].doc("q-how-do-you-balance-a-chemical-equation.xhtml")
    labels = [s.get("aria-label") for s in page.iter(f"{SVG}svg")]
    assert any("\\rightarrow" in label or "\\ce" in label for label in labels)
    assert not list(page.iter(f"{XHTML}code"))


def test_inline_math_is_sized_to_the_text_and_on_the_baseline(tmp_path):
    write_article(tmp_path / "src", answer=r"Let $\frac{a}{b}$, then $$x^2 = 1$$ holds.")
    (path,) = build(tmp_path / "src", tmp_path / "out", SVG_MATH).written
    page = Book(path).doc(Book(path).articles[0])
    inline = next(s for s in page.iter(f"{XHTML}span") if s.get("class") == "qt-math-inline")
    svg = inline.find(f"{SVG}svg")
    image = render_one(r"\frac{a}{b}", False)
    assert svg.get("width") == f"{image.width:.3f}em"
    assert svg.get("height") == f"{image.height:.3f}em"
    assert svg.get("style") == f"vertical-align:-{image.depth:.3f}em"
    # the comma after the formula stays on its line: it is inside the no-wrap span
    assert "white-space:nowrap" in inline.get("style") and svg.tail == ","
    display = next(s for s in page.iter(f"{XHTML}span") if s.get("class") == "qt-math-display")
    assert display.find(f"{SVG}svg").get("aria-label") == "x^2 = 1"
    assert display.find(f"{SVG}svg").get("style") is None  # a block: not shifted


def test_a_formula_that_cannot_be_typeset_is_its_tex_as_code(tmp_path):
    write_article(tmp_path / "src", answer=r"See $\foo{1}$ here.")
    (path,) = build(tmp_path / "src", tmp_path / "out", SVG_MATH).written
    book = Book(path)
    page = book.doc(book.articles[0])
    codes = [(c.get("class"), c.text) for c in page.iter(f"{XHTML}code")]
    assert codes == [("tex", "\\foo{1}")]
    assert not list(page.iter(f"{SVG}svg"))
    assert not book.manifest[book.articles[0]].get("properties")  # no SVG on the page
    assert "describedMath" not in book.meta("schema:accessibilityFeature")


def test_unknown_math_form_is_refused(tmp_path):
    options = BuildOptions(formats=("epub",), format_options={"epub": {"math": "png"}})
    with pytest.raises(UsageError, match="--epub-math"):
        build(CONTENT, tmp_path, options)


def test_build_help_shows_the_option():
    out = subprocess.run([sys.executable, "-m", "qtconvert", "build", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "--epub-math {mathml,svg}" in out


@needs_java
@needs_corpus
def test_corpus_chemistry_subset_passes_epubcheck(corpus, tmp_path):
    chemistry = [a.url for a in corpus.by_subject("chemistry") if "\\ce{" in a.answer]
    assert chemistry
    recipe = tmp_path / "reactions.toml"
    recipe.write_text(CORPUS_RECIPE + f"articles = {json.dumps(chemistry)}\n", encoding="utf-8")
    options = BuildOptions(formats=("epub",), book=recipe,
                           format_options={"epub": {"math": "svg"}})
    (path,) = build(CORPUS, tmp_path / "out", options).written
    book = Book(path)
    assert len(book.articles) > 50
    assert epubcheck_messages(epubcheck_many([path])[path]) == []
    for href in book.articles:
        page = book.doc(href)
        assert not list(page.iter(f"{MATHML}math")), href
        assert not [t for t in _prose(page) if RAW_TEX.search(t)], href
