"""One printed volume, made from its arguments alone: the PDF unit's call (`print_volume`).

The volume's HTML (`volume_html`: its articles' sections, math typeset as SVG) goes to
WeasyPrint in a child process (`weasy.start_pdf`), which writes the PDF into a temporary folder
of the machine the unit runs on (`temporary.volume_folder`); the unit returns its bytes. A link
leads inside the volume when both ends are in it (`volume_scope`), else to the web address, so a
volume's pages depend on nothing but the volume.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ...errors import BuildError
from ...model import Article, Collection
from ...model.books import Volume
from ...model.printed_pages import PageStart
from ...package_data import data_dir
from ...render import html_body
from ...render.links import Links, LinkScope
from ..base import Result
from . import document, math_svg, temporary, weasy
from .print_stylesheet import PrintStylesheet

__all__ = ["VolumeData", "print_volume", "volume_html", "volume_scope", "SHEET_RELATIVE"]

#: begins a refused URL that a user's stylesheet names relative to its own folder
SHEET_RELATIVE = "stylesheet:"


@dataclass(frozen=True)
class VolumeData:
    """What a volume's unit tells the writer's `combine`, besides its PDF."""

    #: where its pages begin, for a book printed in one volume (else None)
    pages: tuple[PageStart, ...] | None
    #: each formula shown as TeX ((TeX, display?), times), for the build's one note
    failed_math: tuple[tuple[tuple[str, bool], int], ...] = ()
    refused: tuple[str, ...] = ()  #: URLs the fetcher refused (see `SHEET_RELATIVE`)


def print_volume(volume: Volume, table: Collection, sheet: PrintStylesheet, paper: str,
                 variant: str | None, page_breaks: bool, *, fragments: Mapping[str, str]
                 ) -> Result:
    """The unit: `pdf/<volume key>.pdf`. `table` holds the volume's articles and every article
    they link to (`render.links.link_table`), `fragments` their answer HTML (math as TeX)."""
    math = math_svg.MathRenderer(jobs=1)  # a unit has one core: no processes of its own
    html = volume_html(volume, table, fragments, math, page_breaks=page_breaks)
    try:
        with temporary.volume_folder() as folder:
            target = folder / "volume.pdf"
            placed = sheet.place(folder / "css")
            with _fonts_dated(volume):
                job = weasy.start_pdf(html, target, stylesheets=[placed],
                                      css=f"@page {{ size: {paper} }}",
                                      base_dir=data_dir("styles"),
                                      variant=weasy.check_variant(variant), temp_folder=folder)
                del html
                try:
                    result = job.result()
                except BaseException:
                    job.cancel()
                    raise
            pdf = target.read_bytes()
            refused = tuple(_as_named(url, folder, placed.path.parent) for url in result.refused)
    except OSError as error:  # a full disk: one line, naming the PDF and the folder
        raise BuildError(f"could not write pdf/{volume.key}.pdf: {error.strerror or error} (in "
                         f"the temporary folder {tempfile.gettempdir()})") from None
    pages = None
    if volume.count == 1:  # a split book numbers each volume's pages from 1
        pages = tuple(_page_start(label, key) for label, key in result.page_starts)
    data = VolumeData(pages, tuple(math.failed.items()), refused)
    return Result(files=((f"pdf/{volume.key}.pdf", pdf),), data=data)


@contextmanager
def _fonts_dated(volume: Volume) -> Iterator[None]:
    """fontTools stamps "now" into every font subset it makes, so that two prints of one volume
    would differ; it takes `SOURCE_DATE_EPOCH` instead when set. Unless the user set it, it is
    the volume's newest article date while the volume prints: the same input, the same bytes
    (which a cache and incremental builds rely on)."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        yield
        return
    newest = max(a.date for a in volume.articles)
    moment = _dt.datetime.combine(newest, _dt.time(0, 0), _dt.timezone.utc)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def volume_html(volume: Volume, table: Collection, fragments: Mapping[str, str],
                math: math_svg.MathRenderer, *, page_breaks: bool) -> str:
    """The final HTML of one volume, as WeasyPrint receives it."""
    links = Links(table, volume_scope(volume).uri_for)
    sections = {a.url: _section(a, fragments[a.url], links) for a in volume.articles}
    math.prepare(f for s in sections.values() for f in math_svg.math_spans(s))
    for section in sections.values():
        math_svg.typeset(section, math)
        math_svg.lift_display(section)
    return document.document(volume, sections, page_breaks=page_breaks)


def volume_scope(volume: Volume) -> LinkScope:
    """Inside a printed volume every question is `#anchor` (a page reference)."""
    return LinkScope({a.url: "#" + a.anchor for a in volume.articles})


def _section(article: Article, fragment: str, links: Links) -> ET.Element:
    section = html_body.article_element(article, fragment, links, mark_blocks=True)
    heading = section.find("h2")
    if heading is not None:  # as printed (typographic quotes)
        question = "".join(heading.itertext())
        heading.set("data-short", document.short_question(question))
        heading.set("data-bookmark", question)
    _fix_local_links(section, article.anchor)
    source = ET.SubElement(section, "p", {"class": "qt-source"})
    source.text = article.canonical_url.split("://", 1)[-1]
    return section


def _as_named(url: str, folder: Path, sheet_folder: Path) -> str:
    """A refused URL as the user's stylesheet names it (`SHEET_RELATIVE` and the path from
    its folder) when it leads into this unit's temporary folder, where the stylesheet was
    placed; the writer turns it back into the address beside the user's file."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return url
    path = Path(unquote(parts.path))
    if folder.resolve() not in path.parents:
        return url
    return SHEET_RELATIVE + Path(os.path.relpath(path, sheet_folder.resolve())).as_posix()


def _page_start(label: str, key: str) -> PageStart:
    anchor, number = key.rsplit("/", 1)
    return PageStart(label, anchor, int(number))


def _fix_local_links(section: ET.Element, anchor: str) -> None:
    """A dangling `#` link is dropped (html_body has already pointed in-answer links at the
    renamed ids and removed code-line links), and so are ids no link uses (each would be a
    named destination in the PDF)."""
    for pre in section.iter("pre"):
        for el in pre.iter():
            el.attrib.pop("id", None)
    ids = {el.get("id") for el in section.iter() if el.get("id")}
    for a in section.iter("a"):
        href = a.get("href", "")
        if href.startswith("#") and href[1:] not in ids and "qt-xref" not in a.get("class", ""):
            a.attrib.pop("href")
    used = {a.get("href", "")[1:] for a in section.iter("a")} | {anchor}
    for el in section.iter():
        if el.get("id") and el.get("id") not in used:
            del el.attrib["id"]
