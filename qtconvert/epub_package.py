"""The EPUB container: package document (OPF) and a reproducible zip.

qtconvert writes the package itself rather than through ebooklib: ebooklib stamps
`dcterms:modified` and the zip entries with the clock, builds its own navigation document and
holds every document as an object; a book of 4,000 articles is faster and byte-identical from
build to build when the zip is written here, with `mimetype` first and stored, and one fixed
timestamp on every entry.
"""

from __future__ import annotations

import datetime as _dt
import io
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

__all__ = ["Item", "Metadata", "EpubPackage", "CONTENT_DIR"]

CONTENT_DIR = "EPUB"
_CONTAINER = (b'<?xml version="1.0" encoding="utf-8"?>\n'
              b'<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
              b'<rootfiles><rootfile full-path="' + CONTENT_DIR.encode() + b'/package.opf" '
              b'media-type="application/oebps-package+xml"/></rootfiles></container>\n')


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
    accessibility_summary: str = ""
    accessibility_features: tuple[str, ...] = ()
    extra: list[tuple[str, str]] = field(default_factory=list)  #: (property, value) metas


class EpubPackage:
    """Writes resources into the zip as they are added (so compression overlaps the rest of
    the build); `to_bytes` adds the package document last and returns the file."""

    def __init__(self, metadata: Metadata, compresslevel: int = 6) -> None:
        self.metadata = metadata
        self.items: list[Item] = []
        self.compresslevel = compresslevel
        when = metadata.modified.timetuple()[:6]
        self._when = when if when[0] >= 1980 else (1980, 1, 1, 0, 0, 0)  # zip cannot say earlier
        self._buffer = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buffer, "w")
        self._hrefs: set[str] = set()
        self._put("mimetype", b"application/epub+zip", stored=True)
        self._put("META-INF/container.xml", _CONTAINER)

    def _put(self, name: str, data: bytes, stored: bool = False) -> None:
        info = zipfile.ZipInfo(name, date_time=self._when)
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        info.create_system = 3  # the same bytes on every operating system
        self._zip.writestr(info, data, compresslevel=None if stored else self.compresslevel)

    def add(self, item: Item, data: bytes) -> None:
        """Add a resource (each href once); spine items are read in the order added."""
        if item.href in self._hrefs:
            raise ValueError(f"{item.href} added twice to the EPUB")
        self._hrefs.add(item.href)
        self.items.append(item)
        self._put(f"{CONTENT_DIR}/{item.href}", data)

    def has(self, href: str) -> bool:
        return href in self._hrefs

    def package_document(self, spine_order: list[str]) -> bytes:
        """The OPF: metadata, manifest (in the order added) and spine (in `spine_order`)."""
        m = self.metadata
        stamp = m.modified.strftime("%Y-%m-%dT%H:%M:%SZ")
        meta = [f'<dc:identifier id="uid">{escape(m.identifier)}</dc:identifier>',
                f'<dc:title id="title">{escape(m.title)}</dc:title>',
                '<meta refines="#title" property="title-type">main</meta>']
        if m.subtitle:
            meta += [f'<dc:title id="subtitle">{escape(m.subtitle)}</dc:title>',
                     '<meta refines="#subtitle" property="title-type">subtitle</meta>']
        meta += [f"<dc:language>{escape(m.language)}</dc:language>",
                 f'<dc:creator id="creator">{escape(m.creator)}</dc:creator>',
                 '<meta refines="#creator" property="role" scheme="marc:relators">aut</meta>',
                 f"<dc:publisher>{escape(m.publisher)}</dc:publisher>",
                 f"<dc:date>{m.modified.date().isoformat()}</dc:date>"]
        meta += [f"<dc:subject>{escape(s)}</dc:subject>" for s in m.subjects]
        if m.description:
            meta.append(f"<dc:description>{escape(m.description)}</dc:description>")
        if m.source:
            meta.append(f"<dc:source>{escape(m.source)}</dc:source>")
        meta.append(f'<meta property="dcterms:modified">{stamp}</meta>')
        a11y = [("schema:accessMode", "textual"), ("schema:accessMode", "visual"),
                ("schema:accessModeSufficient", "textual")]
        a11y += [("schema:accessibilityFeature", f) for f in m.accessibility_features]
        a11y += [("schema:accessibilityHazard", "none"),
                 ("schema:accessibilitySummary", m.accessibility_summary)]
        meta += [f'<meta property="{p}">{escape(v)}</meta>' for p, v in a11y + m.extra if v]
        cover = next((i for i in self.items if "cover-image" in i.properties.split()), None)
        if cover is not None:  # EPUB 2 readers (and Kindle) look for this
            meta.append(f'<meta name="cover" content="{_item_id(cover.href)}"/>')
        manifest = []
        for item in self.items:
            props = f" properties={quoteattr(item.properties)}" if item.properties else ""
            manifest.append(f'<item id="{_item_id(item.href)}" href={quoteattr(item.href)} '
                            f'media-type="{item.media_type}"{props}/>')
        spine = [f'<itemref idref="{_item_id(href)}"/>' for href in spine_order]
        nl = "\n    "
        return (f'<?xml version="1.0" encoding="utf-8"?>\n'
                f'<package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
                f'unique-identifier="uid" xml:lang="{escape(m.language)}">\n'
                f'  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n    '
                f'{nl.join(meta)}\n  </metadata>\n'
                f'  <manifest>\n    {nl.join(manifest)}\n  </manifest>\n'
                f'  <spine>\n    {nl.join(spine)}\n  </spine>\n</package>\n').encode("utf-8")

    def to_bytes(self) -> bytes:
        """The finished EPUB file: mimetype (stored) first, the package document last."""
        self._put(f"{CONTENT_DIR}/package.opf",
                  self.package_document([i.href for i in self.items if i.spine]))
        self._zip.close()
        return self._buffer.getvalue()


def _item_id(href: str) -> str:
    """A manifest id from an href: stable, and a valid XML name."""
    return "i-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in href)
