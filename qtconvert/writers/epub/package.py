"""The EPUB container, built with ebooklib: package document (OPF), manifest, spine and zip.

This is the one module that talks to ebooklib. Every resource goes in as a plain
`ebooklib.epub.EpubItem`, so ebooklib writes our bytes verbatim (`EpubHtml` would parse and
re-serialise each page), and our own `nav.xhtml` is the navigation document (manifest
`properties="nav"`): with no `EpubNav` or `EpubNcx` in the book, ebooklib generates neither.
Our `EpubWriter` subclass of ebooklib's makes the file reproducible where ebooklib 0.20 is
not: it dates every zip entry with the book's modified date instead of the clock, drops the
spine's `toc="ncx"` (ebooklib writes it even without an NCX), and starts the OPF with the same
XML declaration as our pages. `dcterms:modified` comes from ebooklib's `mtime` write option.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Item", "Metadata", "EpubPackage", "Deflated", "deflate", "CONTENT_DIR",
           "OPF_PATH"]

CONTENT_DIR = "EPUB"  # ebooklib's folder name (EpubBook.FOLDER_NAME)
OPF_PATH = f"{CONTENT_DIR}/content.opf"  # where ebooklib puts the package document
_XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
COMPRESSLEVEL = 6  #: zlib's level for every compressed entry


@dataclass(frozen=True)
class Item:
    """One publication resource: its path under `EPUB/`, media type and manifest properties."""

    href: str
    media_type: str
    properties: str = ""
    spine: bool = False  #: in reading order (always linear: every nav target is visible)


@dataclass
class Metadata:
    """What the package document says about the book."""

    identifier: str
    title: str
    subtitle: str
    language: str
    modified: _dt.datetime
    creator: str = "QuickTakes"
    publisher: str = "QuickTakes"
    subjects: tuple[str, ...] = ()
    description: str = ""
    source: str = ""
    print_source: str = ""  #: the printed edition whose page breaks the book carries
    accessibility_summary: str = ""
    accessibility_features: tuple[str, ...] = ()
    extra: list[tuple[str, str]] = field(default_factory=list)  #: (property, value) metas


class EpubPackage:
    """An `ebooklib.epub.EpubBook` filled item by item; `to_bytes` sets the metadata (which
    may change until then) and writes the file with ebooklib."""

    def __init__(self, metadata: Metadata, compresslevel: int = COMPRESSLEVEL) -> None:
        self.metadata = metadata
        self.items: list[Item] = []
        self.compresslevel = compresslevel
        self.book = _ebooklib().EpubBook()
        self._hrefs: set[str] = set()
        self._deflated: dict[str, Deflated] = {}  # zip path -> its entry, compressed already

    def add(self, item: Item, data: bytes | Deflated) -> None:
        """Add a resource (each href once); spine items are read in the order added. `data`
        may be `deflate`d already (a page kept in the build cache): the zip then takes it as
        it is, without inflating it or compressing it again."""
        if item.href in self._hrefs:
            raise ValueError(f"{item.href} added twice to the EPUB")
        self._hrefs.add(item.href)
        if isinstance(data, Deflated):
            self._deflated[f"{CONTENT_DIR}/{item.href}"] = data
            data = b""  # ebooklib's content; `_DatedZipFile` writes the deflated entry
        self.items.append(item)
        resource = _ebooklib().EpubItem(uid=_item_id(item.href), file_name=item.href,
                                 media_type=item.media_type, content=data)
        resource.properties = item.properties.split()  # ebooklib writes them to the manifest
        self.book.add_item(resource)
        if item.spine:
            self.book.spine.append(resource)

    def to_bytes(self) -> bytes:
        """The finished EPUB file: `mimetype` (stored) first, then the container, the package
        document and the resources in the order added, every entry dated `modified`."""
        self._set_metadata()
        buffer = io.BytesIO()
        writer = _writer_class()(buffer, self.book, {"mtime": self.metadata.modified,
                                             "compresslevel": self.compresslevel,
                                             "deflated": self._deflated})
        writer.process()
        writer.write()
        return buffer.getvalue()

    def _set_metadata(self) -> None:
        m, book = self.metadata, self.book
        book.IDENTIFIER_ID = "uid"
        book.set_identifier(m.identifier)
        book.title = m.title
        book.add_metadata("DC", "title", m.title, {"id": "title"})
        book.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
        if m.subtitle:
            book.add_metadata("DC", "title", m.subtitle, {"id": "subtitle"})
            book.add_metadata(None, "meta", "subtitle",
                              {"refines": "#subtitle", "property": "title-type"})
        book.set_language(m.language)
        book.add_author(m.creator, role="aut", uid="creator")
        book.add_metadata("DC", "publisher", m.publisher)
        book.add_metadata("DC", "date", m.modified.date().isoformat())
        for subject in m.subjects:
            book.add_metadata("DC", "subject", subject)
        if m.description:
            book.add_metadata("DC", "description", m.description)
        if m.source:
            book.add_metadata("DC", "source", m.source)
        if m.print_source:
            book.add_metadata("DC", "source", m.print_source)
        a11y = [("schema:accessMode", "textual"), ("schema:accessMode", "visual"),
                ("schema:accessModeSufficient", "textual")]
        a11y += [("schema:accessibilityFeature", f) for f in m.accessibility_features]
        a11y += [("schema:accessibilityHazard", "none"),
                 ("schema:accessibilitySummary", m.accessibility_summary)]
        if m.print_source:
            # EPUB Accessibility 1.1's pageBreakSource is in the meta property vocabulary
            # (no `a11y:` prefix, which EPUBCheck 5 rejects); it replaces `source-of`
            a11y.append(("pageBreakSource", m.print_source))
        for prop, value in a11y + m.extra:
            if value:
                book.add_metadata(None, "meta", value, {"property": prop})
        cover = next((i for i in self.items if "cover-image" in i.properties.split()), None)
        if cover is not None:  # EPUB 2 readers (and Kindle) look for this
            book.add_metadata(None, "meta", "", {"name": "cover", "content": _item_id(cover.href)})


def _ebooklib() -> Any:
    """`ebooklib.epub`, imported when a book is made (with lxml, a fiftieth of a second that a
    rebuild taking every book from the cache does not spend)."""
    from ebooklib import epub

    return epub


@functools.cache
def _writer_class() -> type:
    """ebooklib's writer, reproducible: the zip entries carry the `mtime` option's date, not
    the clock (ebooklib 0.20 leaves that to `zipfile`)."""
    from lxml import etree  # ebooklib's own XML library: its writer hands us lxml elements

    class Writer(_ebooklib().EpubWriter):
        def write(self) -> None:  # ebooklib's order: mimetype, container, OPF, items
            self.out = _DatedZipFile(self.file_name, self.options["mtime"],
                                     self.options["compresslevel"], self.options["deflated"])
            self.out.writestr("mimetype", "application/epub+zip",
                              compress_type=zipfile.ZIP_STORED)
            self._write_container()
            self._write_opf()
            self._write_items()
            self.out.close()

        def _write_opf_spine(self, root, ncx_id) -> None:
            super()._write_opf_spine(root, ncx_id)
            if ncx_id is None:  # no NCX: the attribute would point at nothing (EPUBCheck error)
                del root.find("spine").attrib["toc"]

        def _write_opf_file(self, root) -> None:
            # lxml would write the declaration with single quotes; ours matches every page's
            opf = etree.tostring(root, pretty_print=True, encoding="utf-8",
                                 xml_declaration=False)
            self.out.writestr(OPF_PATH, _XML_DECLARATION + opf)

    return Writer


class _DatedZipFile(zipfile.ZipFile):
    """A zip whose entries all carry one date and Unix permissions, whatever the clock and the
    operating system, so that the same book gives the same bytes."""

    def __init__(self, file, when: _dt.datetime, compresslevel: int,
                 deflated: Mapping[str, Deflated]) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        stamp = when.timetuple()[:6]
        self.date_time = stamp if stamp[0] >= 1980 else (1980, 1, 1, 0, 0, 0)  # zip's epoch
        self.deflated = deflated

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None) -> None:
        if isinstance(zinfo_or_arcname, str):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=self.date_time)
            info.compress_type = self.compression
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zinfo_or_arcname = info
            found = self.deflated.get(info.filename) if compress_type is None else None
            if found is not None:
                self._write_deflated(info, found)
                return
        super().writestr(zinfo_or_arcname, data, compress_type,
                         self.compresslevel if compresslevel is None else compresslevel)

    def _write_deflated(self, info: zipfile.ZipInfo, deflated: Deflated) -> None:
        """Write an entry whose data is compressed already: what `writestr` writes for the
        same bytes (its header, with the CRC and sizes, then the raw deflate stream), without
        compressing them again. Uses the bookkeeping `ZipFile` keeps for its own writes."""
        info.flag_bits = 0
        info.CRC, info.file_size, info.compress_size = (deflated.crc, deflated.size,
                                                        len(deflated.data))
        self.fp.seek(self.start_dir)
        info.header_offset = self.fp.tell()
        self._writecheck(info)
        self._didModify = True
        self.fp.write(info.FileHeader(False))
        self.fp.write(deflated.data)
        self.start_dir = self.fp.tell()
        self.filelist.append(info)
        self.NameToInfo[info.filename] = info


@dataclass(frozen=True)
class Deflated:
    """A resource's bytes as a zip entry holds them: the raw deflate stream, with the CRC-32
    and size of what it inflates to."""

    data: bytes
    crc: int
    size: int


def deflate(data: bytes, compresslevel: int = COMPRESSLEVEL) -> Deflated:
    """`data` compressed as `zipfile` compresses an entry at `compresslevel` (the same bytes)."""
    compressor = zlib.compressobj(compresslevel, zlib.DEFLATED, -15)
    return Deflated(compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


def _item_id(href: str) -> str:
    """A manifest id from an href: stable, and a valid XML name."""
    return "i-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in href)
