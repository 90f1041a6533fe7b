"""EPUB checks: EPUBCheck and DAISY Ace (epub_tools.py), and what they leave to the stores:
Send-to-Kindle's rules (UTF-8 declared, dc:language set, no `--` in an XML comment, every
navigation target visible content in reading order), EPUB Accessibility 1.1 metadata that
matches the content, and every internal link and id resolving."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from . import epub_tools
from .core import ERROR, WARNING, Options, Plan, Problem, Task, balanced, rel
from .epub_package import MATHML, OPS, XHTML, Epub

__all__ = ["plan", "check_book", "structure_problems"]

FORMAT = "epub"
_XML_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*\sencoding\s*=\s*[\"']utf-8[\"']", re.I)
_COMMENT = re.compile(rb"<!--(.*?)-->", re.S)
# EPUB Accessibility 1.1, section 5.1: the conformance identifier
_CONFORMS = re.compile(r"^EPUB Accessibility 1\.1 - WCAG 2\.[0-2] Level A{1,2}$")
A11Y_REQUIRED = ("schema:accessMode", "schema:accessModeSufficient",
                 "schema:accessibilityFeature", "schema:accessibilityHazard",
                 "schema:accessibilitySummary")


def plan(options: Options) -> Plan:
    books = sorted((options.out / FORMAT).glob("*.epub"))
    result = Plan()
    if options.wants("epubcheck"):  # the slow ones first, so they overlap the rest
        for group in balanced(books, options.jobs):  # one Java process per worker
            names = tuple(rel(options, b) for b in group)
            result.tasks.append(Task(FORMAT, names, epub_tools.epubcheck_task, names))
    if options.wants("ace"):
        missing = epub_tools.ace_missing()
        if missing:
            result.notes.append(f"DAISY Ace skipped: {missing}")
        else:
            result.tasks += [Task(FORMAT, (rel(options, b),), epub_tools.ace_task,
                                  (rel(options, b),)) for b in books]
    result.tasks += [Task(FORMAT, (rel(options, b),), check_book, (rel(options, b),))
                     for b in books]
    return result


def check_book(options: Options, name: str) -> list[Problem]:
    """The structural checks of one book, as Problems naming it."""
    return [Problem(name, FORMAT, check, message, severity)
            for check, message, severity in structure_problems(options.out / name)
            if options.wants(check)]


def structure_problems(path: Path) -> list[tuple[str, str, str]]:
    """(check, message, severity) for everything wrong in the book at `path`."""
    try:
        book = Epub(path)
    except (zipfile.BadZipFile, KeyError, AttributeError, etree.XMLSyntaxError) as exc:
        return [("package", f"cannot open the container or package document: {exc}", ERROR)]
    found: list[tuple[str, str, str]] = []
    for name in book.xhtml:
        raw = book.raw(name) if name in book.zip.namelist() else b""
        if not _XML_DECLARATION.match(raw):
            found.append(("utf8-declaration", f"{name}: no XML declaration with "
                                              'encoding="utf-8"', ERROR))
        for comment in _COMMENT.finditer(raw):
            if b"--" in comment.group(1):
                line = raw.count(b"\n", 0, comment.start()) + 1
                found.append(("xml-comment", f"{name}, line {line}: a comment contains '--'",
                              ERROR))
        if book.page(name) is None:
            found.append(("well-formed", f"{name}: {book.broken[name]}", ERROR))
    if not [lang for lang in book.dc("language") if lang]:
        found.append(("dc-language", "the package has no dc:language", ERROR))
    found += _navigation(book)
    found += _links(book)
    found += _accessibility(book)
    return found


def _hidden(element: etree._Element) -> bool:
    for e in (element, *element.iterancestors()):
        style = (e.get("style") or "").replace(" ", "").lower()
        if e.get("hidden") is not None or "display:none" in style:
            return True
    return False


def _navigation(book: Epub) -> list[tuple[str, str, str]]:
    """Every toc, page-list and landmarks target: in the spine, existing and not hidden; the
    toc and page list in reading order."""
    found = []
    navs = book.navs()
    if "toc" not in navs:
        return [("nav-target", "the navigation document has no toc nav", ERROR)]
    for kind, nav in navs.items():
        last, last_href = (-1, -1), ""
        for a in nav.iter(f"{XHTML}a"):
            href = a.get("href") or ""
            target = book.resolve(book.nav_page, href)
            if target is None:
                found.append(("nav-target", f"{kind} entry {href} is not in the book", ERROR))
                continue
            page, fragment = target
            if page not in book.spine:
                found.append(("nav-target", f"{kind} entry {href}: {page} is not in the "
                                            "reading order (spine)", ERROR))
                continue
            ids = book.ids.get(page, {})
            element = ids.get(fragment) if fragment else book.page(page)
            if element is None:
                found.append(("nav-target", f"{kind} entry {href}: no element with id "
                                            f"{fragment!r} in {page}", ERROR))
                continue
            if _hidden(element):
                found.append(("nav-target", f"{kind} entry {href} points at hidden content",
                              ERROR))
            position = (book.spine.index(page),
                        0 if not fragment else list(book.ids[page]).index(fragment) + 1)
            if kind in ("toc", "page-list") and position < last:
                found.append(("nav-target", f"{kind} entry {href} comes before {last_href} "
                                            "in the reading order", ERROR))
            last, last_href = max(last, position), href
    return found


def _links(book: Epub) -> list[tuple[str, str, str]]:
    found = []
    for name in book.xhtml:
        root = book.page(name)
        if root is None:
            continue
        for a in root.iter(f"{XHTML}a"):
            href = a.get("href")
            if href is None:
                continue
            target = book.resolve(name, href)
            if target is None:
                scheme = href.partition(":")[0].lower()
                if scheme not in ("http", "https", "mailto"):
                    found.append(("link", f"{name}: {href}: a {scheme} address", WARNING))
                continue
            page, fragment = target
            if page not in book.ids:
                found.append(("link", f"{name}: {href}: {page} is not a page of the book",
                              ERROR))
            elif fragment and fragment not in book.ids[page]:
                found.append(("link", f"{name}: {href}: no id {fragment!r} in {page}", ERROR))
    return found


def _accessibility(book: Epub) -> list[tuple[str, str, str]]:
    """EPUB Accessibility 1.1: discovery metadata present, a conformance claim, and claimed
    features that match the content."""
    found = []
    for prop in A11Y_REQUIRED:
        if not [v for v in book.metadata(prop) if v]:
            found.append(("a11y-metadata", f"no {prop} metadata", ERROR))
    claims = book.metadata("dcterms:conformsTo")
    if not any(_CONFORMS.match(c) for c in claims):
        found.append(("a11y-metadata", "no dcterms:conformsTo claim of the form 'EPUB "
                                       "Accessibility 1.1 - WCAG 2.x Level A|AA'", WARNING))
    features = set(book.metadata("schema:accessibilityFeature"))
    navs = book.navs()
    has_math = any(root.find(f".//{MATHML}math") is not None
                   for root in map(book.page, book.xhtml) if root is not None)
    if "pageNavigation" in features and "page-list" not in navs:
        found.append(("a11y-metadata", "pageNavigation is claimed but there is no page-list "
                                       "nav", ERROR))
    if "page-list" in navs and "pageNavigation" not in features:
        found.append(("a11y-metadata", "a page-list nav without the pageNavigation feature",
                      WARNING))
    if "MathML" in features and not has_math:
        found.append(("a11y-metadata", "MathML is claimed but no page holds MathML", ERROR))
    if has_math and "MathML" not in features:
        found.append(("a11y-metadata", "pages hold MathML but the MathML feature is not "
                                       "claimed", WARNING))
    if "tableOfContents" in features and "toc" not in navs:
        found.append(("a11y-metadata", "tableOfContents is claimed but there is no toc nav",
                      ERROR))
    if "index" in features and not any(
            "index" in (e.get(f"{OPS}type") or "").split()
            for root in map(book.page, book.xhtml) if root is not None for e in root.iter()):
        found.append(("a11y-metadata", "index is claimed but no page is an index", ERROR))
    return found
