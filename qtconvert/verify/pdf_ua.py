"""PDF/UA checks, for a PDF whose XMP metadata claims PDF/UA (`pdfuaid:part`): the
machine-checkable part of ISO 14289-1 read with pikepdf (the identification, tagged, a
structure tree, alternative text on figures and formulas, the language, the title displayed).
The external validators (page-validation, veraPDF) are in pdf_ua_tools.py."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from .core import ERROR, Options, Problem

__all__ = ["CHECKS", "claimed_part", "check_pdf_ua", "ua_problems"]

FORMAT = "pdf"
CHECKS = ("pdfua-id", "pdfua-tagged", "pdfua-structure", "pdfua-alt-text", "pdfua-lang",
          "pdfua-title")
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
# ISO 14289-1 7.2 (veraPDF rule 7.2-29): a language tag as in RFC 3066
_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_NEED_ALT = ("/Figure", "/Formula")  # ISO 14289-1 7.3 and 7.7
_ROLE_MAP_HOPS = 16  # a role map may chain custom types; more hops than this is a loop


def claimed_part(path: Path) -> str | None:
    """The `pdfuaid:part` the PDF at `path` claims ('' when its XMP names the PDF/UA schema
    without a part), or None when it does not claim PDF/UA. ImportError without pikepdf."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        xmp = _xmp(pdf)
        return _claim(xmp, _parse(xmp))


def check_pdf_ua(options: Options, name: str) -> list[Problem]:
    """The PDF/UA checks of one PDF, as Problems naming it."""
    return [Problem(name, FORMAT, check, message, severity)
            for check, message, severity in ua_problems(options.out / name)
            if options.wants(check)]


def ua_problems(path: Path) -> list[tuple[str, str, str]]:
    """(check, message, severity) for every PDF/UA rule the PDF at `path` breaks."""
    import pikepdf

    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, OSError) as exc:
        return [("pdfua-id", f"pikepdf cannot read it: {exc}", ERROR)]
    with pdf:
        xmp = _xmp(pdf)
        tree = _parse(xmp)
        found = _identification(xmp, tree)
        found += _tagged(pdf.Root)
        try:
            found += _alternative_text(pdf)
        except (pikepdf.PdfError, AttributeError, TypeError, ValueError) as exc:
            found.append(("pdfua-structure", f"the structure tree cannot be read: {exc}", ERROR))
        found += _language(pdf.Root)
        found += _title(pdf.Root, tree)
    return found


# -- the metadata ------------------------------------------------------------------------------

def _xmp(pdf) -> bytes:
    metadata = pdf.Root.get("/Metadata")
    try:
        return metadata.read_bytes() if metadata is not None else b""
    except Exception:  # pikepdf raises several kinds for a stream it cannot decode
        return b""


def _parse(xmp: bytes):
    """The XMP packet as an element tree, or None when it does not parse."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(xmp.strip(b"\0 \t\r\n"), parser)
    except etree.XMLSyntaxError:
        return None


def _claim(xmp: bytes, tree) -> str | None:
    if PDFUAID.encode() not in xmp:
        return None
    if tree is None:
        return ""
    for element in tree.iter(f"{{{PDFUAID}}}part"):  # <pdfuaid:part>1</pdfuaid:part>
        return (element.text or "").strip()
    for element in tree.iter():  # <rdf:Description pdfuaid:part="1">
        if f"{{{PDFUAID}}}part" in element.attrib:
            return element.get(f"{{{PDFUAID}}}part").strip()
    return ""


def _identification(xmp: bytes, tree) -> list[tuple[str, str, str]]:
    """ISO 14289-1 5 (veraPDF 5-1, 5-2; Matterhorn 06-002): pdfuaid:part names the part."""
    part = _claim(xmp, tree)
    if tree is None:
        return [("pdfua-id", "the XMP metadata does not parse as XML", ERROR)]
    if part not in ("1", "2"):
        shown = f"is {part!r}" if part else "is missing"
        return [("pdfua-id", f"pdfuaid:part {shown} in the XMP metadata (1 for PDF/UA-1)",
                 ERROR)]
    return []


def _title(root, tree) -> list[tuple[str, str, str]]:
    """ISO 14289-1 7.1: dc:title in the XMP (veraPDF 7.1-9, Matterhorn 06-003), and the viewer
    shows it rather than the file name (veraPDF 7.1-10, Matterhorn 07-001 and 07-002)."""
    found = []
    titles = [] if tree is None else [" ".join(t.itertext()).strip()
                                      for t in tree.iter(_DC_TITLE)]
    if not any(titles):
        found.append(("pdfua-title", "no dc:title in the XMP metadata", ERROR))
    prefs = root.get("/ViewerPreferences")
    if prefs is None or prefs.get("/DisplayDocTitle") is not True:
        found.append(("pdfua-title", "the viewer shows the file name, not the title "
                                     "(/ViewerPreferences /DisplayDocTitle is not true)", ERROR))
    return found


# -- the catalog --------------------------------------------------------------------------------

def _tagged(root) -> list[tuple[str, str, str]]:
    """ISO 14289-1 7.1: Tagged PDF (ISO 32000-1 14.8): /MarkInfo /Marked true, no /Suspects
    (veraPDF 7.1-4, Matterhorn 01-007), and a structure tree (ISO 32000-1 14.7.2)."""
    found = []
    mark = root.get("/MarkInfo")
    if mark is None or mark.get("/Marked") is not True:
        found.append(("pdfua-tagged", "not marked as tagged (/MarkInfo /Marked is not true)",
                      ERROR))
    elif mark.get("/Suspects") is True:
        found.append(("pdfua-tagged", "/MarkInfo /Suspects is true: the tags may not match "
                                      "the content", ERROR))
    tree = root.get("/StructTreeRoot")
    if tree is None or tree.get("/K") is None:
        found.append(("pdfua-structure", "no structure tree (/StructTreeRoot with kids in the "
                                         "catalog)", ERROR))
    return found


def _language(root) -> list[tuple[str, str, str]]:
    """ISO 14289-1 7.2: the natural language is determined; the catalog's /Lang does it for the
    text, Alt texts and metadata that set none (veraPDF 7.2-33, 7.2-34; Matterhorn 11-001,
    11-006) and is a language tag (veraPDF 7.2-29)."""
    lang = root.get("/Lang")
    text = str(lang).strip() if lang is not None else ""
    if not text:
        return [("pdfua-lang", "no document language (/Lang in the catalog)", ERROR)]
    if not _LANGUAGE_TAG.match(text):
        return [("pdfua-lang", f"the catalog's /Lang {text!r} is not a language tag", ERROR)]
    return []


# -- the structure tree -------------------------------------------------------------------------

def _alternative_text(pdf) -> list[tuple[str, str, str]]:
    """ISO 14289-1 7.3 (veraPDF 7.3-1, Matterhorn 13-004) and 7.7 (veraPDF 7.7-1, Matterhorn
    17-002): every Figure and Formula element, custom types mapped to them included, has a
    non-empty /Alt or /ActualText."""
    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None:
        return []
    role_map = tree.get("/RoleMap") or {}
    pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages, 1)}
    missing: dict[str, list[int | None]] = {}
    for element in _elements(tree):
        role = _standard(str(element.get("/S")), role_map)
        if role in _NEED_ALT and not (_text(element.get("/Alt"))
                                      or _text(element.get("/ActualText"))):
            page = element.get("/Pg")
            missing.setdefault(role, []).append(
                pages.get(page.objgen) if page is not None else None)
    found = []
    for role, where in missing.items():
        numbers = sorted({n for n in where if n is not None})
        on = f" (pages {', '.join(map(str, numbers[:5]))}{', ...' if len(numbers) > 5 else ''})" \
            if numbers else ""
        found.append(("pdfua-alt-text", f"{len(where)} {role[1:]} element(s) without "
                                        f"alternative text (/Alt or /ActualText){on}", ERROR))
    return found


def _elements(tree):
    """Every structure element under the structure tree root, each once."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    todo = [tree.get("/K")]
    while todo:
        node = todo.pop()
        if isinstance(node, pikepdf.Array):
            todo.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary) or node.get("/S") is None:
            continue  # a marked-content id, or a reference to marked content or an annotation
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        yield node
        if node.get("/K") is not None:
            todo.append(node.get("/K"))


def _standard(role: str, role_map) -> str:
    """The standard type `role` maps to through the role map (itself when it is standard)."""
    for _ in range(_ROLE_MAP_HOPS):
        mapped = role_map.get(role)
        if mapped is None:
            return role
        role = str(mapped)
    return role


def _text(value) -> str:
    return str(value).strip() if value is not None else ""
