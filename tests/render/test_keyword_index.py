"""One keyword index for both book formats: the EPUB and the PDF of a book list the same
headwords, under the same letter groups, in the same order."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile

from conftest import write_article

from qtconvert.build import build, prepare
from qtconvert.model.books import split_volumes
from qtconvert.output import OutputFolder
from qtconvert.read.recipes import books_for
from qtconvert.render.keyword_index import keyword_index
from qtconvert.writers import BuildOptions
from qtconvert.writers.pdf import PdfWriter

KEYWORDS = [
    "Ångström, angstrom, 'Quoted', apple",
    "quoted, Apple, 3D printing, #hashtag",
    "éclair, Zeta, apple, (brackets)",
]


def _folder(tmp_path):
    for n, keywords in enumerate(KEYWORDS):
        write_article(tmp_path / "in", f"{n}.md", id=n, question=f"Question {n}?",
                      url=f"/learn/mathematics/questions/q{n}", seo={"page_keywords": keywords})
    return tmp_path / "in"


def test_the_rule_merges_case_accents_and_punctuation(tmp_path):
    entries = keyword_index(prepare(_folder(tmp_path)).articles)
    assert [(e.group, e.term, len(e.articles)) for e in entries] == [
        ("#", "#hashtag", 1), ("#", "3D printing", 1),
        ("A", "Ångström", 1),  # one article writes both spellings: its first is counted
        ("A", "apple", 3), ("B", "(brackets)", 1), ("E", "éclair", 1),
        ("Q", "'Quoted'", 2), ("Z", "Zeta", 1)]


def test_epub_and_pdf_list_the_same_headwords_in_the_same_order(tmp_path):
    source = _folder(tmp_path)
    (epub,) = build(source, tmp_path / "out", BuildOptions(formats=("epub",))).written
    with zipfile.ZipFile(epub) as book:
        page = next(n for n in book.namelist() if re.search(r"index[^/]*\.xhtml$", n))
        root = ET.fromstring(book.read(page))
    epub_terms = [" ".join("".join(el.itertext()).split()) for el in root.iter()
                  if el.get("class") == "qt-term"]
    collection = prepare(source)
    writer = PdfWriter(collection, collection, OutputFolder(tmp_path / "pdf"),
                       BuildOptions(formats=("pdf",)))
    (book,) = books_for(collection, None)
    html = writer.html(split_volumes(book, 0)[0])
    pdf_terms = [re.sub(r"<[^>]+>", "", t) for t in
                 re.findall(r'<span class="qt-index-term">(.*?)</span>', html)]
    assert epub_terms == pdf_terms
    assert len(epub_terms) == 8  # Ångström and angstrom are one headword, as are the quoted
