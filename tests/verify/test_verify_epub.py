"""verify's EPUB checks: a fresh build is clean (EPUBCheck included), and each planted fault is
reported with its book."""

from __future__ import annotations

import shutil

import pytest
from faults import rewrite_member

from qtconvert.verify import verify
from qtconvert.verify.epub import structure_problems

BOOK = "epub/chemistry.epub"
PAGE = "EPUB/q-how-do-you-balance-a-chemical-equation.xhtml"
ANCHOR = "qt-chemistry--how-do-you-balance-a-chemical-equation"
FAST = ("epubcheck", "ace")  # the planted faults are in what EPUBCheck leaves to verify


@pytest.fixture
def book_copy(sample_build, tmp_path):
    (tmp_path / "epub").mkdir()
    shutil.copy(sample_build("epub") / BOOK, tmp_path / BOOK)
    return tmp_path


def reported(out, check: str) -> list:
    report = verify(out, ["epub"], skip=FAST, jobs=1)
    return [p for p in report.problems if p.check == check]


@pytest.mark.skipif(shutil.which("java") is None, reason="EPUBCheck needs Java")
def test_a_fresh_build_is_clean_with_epubcheck(sample_build):
    report = verify(sample_build("epub"), ["epub"], skip=["ace"])
    assert [p.line(report.out) for p in report.problems] == []
    assert len(report.summary["epub"].files) == 6


def test_structure_of_the_sample_books_is_clean(sample_build):
    for book in sorted((sample_build("epub") / "epub").glob("*.epub")):
        assert structure_problems(book) == [], book.name


def test_a_navigation_target_without_its_id(book_copy):
    rewrite_member(book_copy / BOOK, PAGE,
                   lambda b: b.replace(f'id="{ANCHOR}"'.encode(), b"", 1))
    problems = reported(book_copy, "nav-target")
    assert [(p.file, p.severity) for p in problems] == [(BOOK, "error")]
    assert ANCHOR in problems[0].message


def test_a_double_hyphen_in_a_comment(book_copy):
    rewrite_member(book_copy / BOOK, PAGE,
                   lambda b: b.replace(b"<body", b"<!-- made -- by hand --><body", 1))
    problems = reported(book_copy, "xml-comment")
    assert [(p.file, p.severity) for p in problems] == [(BOOK, "error")]
    assert PAGE in problems[0].message


def test_a_missing_dc_language(book_copy):
    rewrite_member(book_copy / BOOK, "EPUB/content.opf",
                   lambda b: b.replace(b"<dc:language>en</dc:language>", b""))
    assert [p.file for p in reported(book_copy, "dc-language")] == [BOOK]


def test_a_hidden_navigation_target_and_a_broken_link(book_copy):
    rewrite_member(book_copy / BOOK, PAGE, lambda b: b.replace(
        f'id="{ANCHOR}"'.encode(), f'id="{ANCHOR}" hidden="hidden"'.encode(), 1)
        .replace(b"</body>", b'<p><a href="nowhere.xhtml#x">x</a></p></body>', 1))
    report = verify(book_copy, ["epub"], skip=FAST, jobs=1)
    messages = {p.check: p.message for p in report.problems}
    assert "hidden" in messages["nav-target"]
    assert "nowhere.xhtml" in messages["link"]


def test_page_navigation_claimed_without_a_page_list(book_copy, sample_build):
    book = "epub/business-and-management.epub"
    shutil.copy(sample_build("epub") / book, book_copy / book)
    rewrite_member(book_copy / book, "EPUB/content.opf", lambda b: b.replace(
        b"</metadata>",
        b'<meta property="schema:accessibilityFeature">pageNavigation</meta></metadata>'))
    messages = [p.message for p in reported(book_copy, "a11y-metadata") if p.file == book]
    assert any("pageNavigation" in m for m in messages), messages


def test_java_missing_is_one_clear_warning(book_copy, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    report = verify(book_copy, ["epub"], skip=["ace"], jobs=1)
    (problem,) = [p for p in report.problems if p.check == "epubcheck"]
    assert problem.severity == "warning" and "Java is not on PATH" in problem.message
