"""PDF checks (pypdf): the file is whole and parses, every font is embedded, every internal
link and bookmark lands on an existing destination, bookmarks are present, the title and
language are in the metadata; and, for a PDF that claims PDF/UA, the PDF/UA checks (pdf_ua.py)
and the external validators that are installed (pdf_ua_tools.py)."""

from __future__ import annotations

from pathlib import Path

from . import pdf_ua, pdf_ua_tools
from .core import ERROR, WARNING, Options, Plan, Problem, Task, rel

__all__ = ["plan", "check_pdf", "pdf_problems"]

FORMAT = "pdf"


def plan(options: Options) -> Plan:
    pdfs = sorted((options.out / FORMAT).glob("*.pdf"))
    result = Plan([Task(FORMAT, (rel(options, p),), check_pdf, (rel(options, p),))
                   for p in pdfs])
    result.tasks[:0] = _ua_plan(options, pdfs, result.notes)  # the slow ones first
    return result


def _ua_plan(options: Options, pdfs: list[Path], notes: list[str]) -> list[Task]:
    """The PDF/UA tasks of the PDFs that claim PDF/UA; a note for each checker that cannot run."""
    tasks: list[Task] = []
    skipped: dict[str, str] = {}
    for path in pdfs:
        try:
            part = pdf_ua.claimed_part(path)
        except ImportError:
            notes.append("PDF/UA checks skipped: pikepdf is not installed "
                         "(pip install 'qtconvert[verify]')")
            return []
        except Exception:  # pikepdf raises several kinds for a broken file: `parse` reports it
            continue
        if part is None:
            continue
        name = rel(options, path)
        for check, missing, task in (
                ("page-validation", pdf_ua_tools.page_missing(part),
                 Task(FORMAT, (name,), pdf_ua_tools.page_task, (name,))),
                ("verapdf", pdf_ua_tools.verapdf_missing(part),
                 Task(FORMAT, (name,), pdf_ua_tools.verapdf_task, (name, part)))):
            if options.wants(check) and missing:
                skipped.setdefault(check, missing)
            elif options.wants(check):
                tasks.append(task)
        if any(options.wants(c) for c in pdf_ua.CHECKS):
            tasks.append(Task(FORMAT, (name,), pdf_ua.check_pdf_ua, (name,)))
    notes.extend(f"{check} skipped: {why}" for check, why in skipped.items())
    return tasks


def check_pdf(options: Options, name: str) -> list[Problem]:
    try:
        found = pdf_problems(options.out / name)
    except ImportError:
        found = [("parse", "not run: pypdf is not installed (pip install 'qtconvert[verify]')",
                  WARNING)]
    return [Problem(name, FORMAT, check, message, severity)
            for check, message, severity in found if options.wants(check)]


def pdf_problems(path: Path) -> list[tuple[str, str, str]]:
    """(check, message, severity) for everything wrong with the PDF at `path`."""
    import pypdf
    from pypdf.errors import PdfReadError

    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 1024))
        if b"%%EOF" not in f.read():
            return [("parse", "no %%EOF marker at the end: the file is cut short", ERROR)]
    try:
        reader = pypdf.PdfReader(path, strict=True)
        pages = list(reader.pages)
        page_ids = {p.indirect_reference.idnum for p in pages}
        named = reader.named_destinations
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        return [("parse", f"pypdf cannot read it: {exc}", ERROR)]
    found: list[tuple[str, str, str]] = []
    found += _fonts(pages)
    for n, page in enumerate(pages, 1):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A") or {}
            dest = annot.get("/Dest")
            if dest is None and action.get("/S") == "/GoTo":
                dest = action.get("/D")
            if dest is not None and not _lands(dest, named, page_ids):
                found.append(("link-destination", f"page {n}: a link to {_show(dest)}, which "
                                                  "is no destination of the file", ERROR))
    found += _bookmarks(reader, named, page_ids)
    found += _metadata(reader)
    return found


def _show(dest) -> str:
    return str(dest) if isinstance(dest, str) else "an explicit destination"


def _lands(dest, named: dict, page_ids: set[int]) -> bool:
    """A named destination that exists, or an explicit one on a page of the file."""
    dest = dest.get_object() if hasattr(dest, "get_object") else dest
    if isinstance(dest, str):  # TextStringObject and NameObject are str
        return dest in named or dest.lstrip("/") in named
    try:
        target = dest[0]
        return getattr(target, "idnum", None) in page_ids
    except (TypeError, IndexError, KeyError):
        return False


def _fonts(pages) -> list[tuple[str, str, str]]:
    missing: dict[str, int] = {}
    seen: set[int] = set()

    def walk(resources, n: int) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            ref = getattr(font, "idnum", None)
            font = font.get_object()
            if ref in seen or font.get("/Subtype") == "/Type3":  # Type3 glyphs are in the file
                continue
            seen.add(ref)
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = (described.get("/FontDescriptor") or {})
            descriptor = descriptor.get_object() if descriptor else {}
            if not {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor):
                missing.setdefault(str(font.get("/BaseFont", "?")), n)
        for xobject in (resources.get("/XObject") or {}).values():
            ref = getattr(xobject, "idnum", None)
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form" and ref not in seen:
                seen.add(ref)
                walk(xobject.get("/Resources"), n)

    for n, page in enumerate(pages, 1):
        walk(page.get("/Resources"), n)
    return [("fonts-embedded", f"{font} is not embedded (first used on page {n})", ERROR)
            for font, n in missing.items()]


def _bookmarks(reader, named: dict, page_ids: set[int]) -> list[tuple[str, str, str]]:
    found = []

    def walk(items) -> int:
        count = 0
        for item in items:
            if isinstance(item, list):
                count += walk(item)
                continue
            count += 1
            try:
                number = reader.get_destination_page_number(item)
            except Exception:  # pypdf raises several kinds for a dangling destination
                number = None
            if number is None or number < 0:
                found.append(("bookmarks", f"the bookmark {item.title!r} leads nowhere", ERROR))
        return count

    if not walk(reader.outline):
        found.append(("bookmarks", "the PDF has no bookmarks", ERROR))
    return found


def _metadata(reader) -> list[tuple[str, str, str]]:
    found = []
    root = reader.trailer["/Root"]
    info = reader.metadata or {}
    if not str(info.get("/Title") or "").strip():
        found.append(("metadata", "no document title (/Title)", ERROR))
    if not str(root.get("/Lang") or "").strip():
        found.append(("metadata", "no document language (/Lang in the catalog)", ERROR))
    return found

