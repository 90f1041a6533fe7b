"""An EPUB opened for checking: the zip, the package document, the spine, and each XHTML page
parsed once (lxml, no network, no entities). Names are full zip paths."""

from __future__ import annotations

import posixpath
import zipfile
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

__all__ = ["Epub", "OPF", "XHTML", "OPS", "DC", "MATHML"]

OPF = "{http://www.idpf.org/2007/opf}"
XHTML = "{http://www.w3.org/1999/xhtml}"
OPS = "{http://www.idpf.org/2007/ops}"
DC = "{http://purl.org/dc/elements/1.1/}"
MATHML = "{http://www.w3.org/1998/Math/MathML}"
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


class Epub:
    """Raises zipfile.BadZipFile, KeyError or etree.XMLSyntaxError when the container or the
    package document cannot be read; pages that do not parse are in `broken`."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        container = etree.fromstring(self.zip.read("META-INF/container.xml"), _PARSER)
        self.opf_path = container.find(f".//{CONTAINER}rootfile").get("full-path")
        self.opf = etree.fromstring(self.zip.read(self.opf_path), _PARSER)
        base = posixpath.dirname(self.opf_path)
        self.items = {i.get("id"): i for i in self.opf.iter(f"{OPF}item")}
        self.href = {k: posixpath.normpath(posixpath.join(base, unquote(i.get("href", ""))))
                     for k, i in self.items.items()}
        self.spine = [self.href[r.get("idref")] for r in self.opf.iter(f"{OPF}itemref")
                      if r.get("idref") in self.href and r.get("linear") != "no"]
        self.xhtml = [self.href[k] for k, i in self.items.items()
                      if i.get("media-type") == "application/xhtml+xml"]
        self.nav_page = next((self.href[k] for k, i in self.items.items()
                              if "nav" in (i.get("properties") or "").split()), None)
        self.broken: dict[str, str] = {}
        self._pages: dict[str, etree._Element] = {}

    def raw(self, name: str) -> bytes:
        return self.zip.read(name)

    def page(self, name: str) -> etree._Element | None:
        """The parsed page, or None (and the reason in `broken`) when it is not well-formed."""
        if name not in self._pages and name not in self.broken:
            try:
                self._pages[name] = etree.fromstring(self.raw(name), _PARSER)
            except (etree.XMLSyntaxError, KeyError) as exc:
                self.broken[name] = str(exc).splitlines()[0]
        return self._pages.get(name)

    @cached_property
    def ids(self) -> dict[str, dict[str, etree._Element]]:
        """Page -> {id: element} for every page that parses."""
        found = {}
        for name in self.xhtml:
            root = self.page(name)
            if root is not None:
                found[name] = {e.get("id"): e for e in root.iter() if e.get("id")}
        return found

    def resolve(self, page: str, href: str) -> tuple[str, str] | None:
        """(zip name, fragment) an href in `page` points at; None for an external address."""
        parts = urlsplit(href)
        if parts.scheme or href.startswith("//"):
            return None
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page),
                                                   unquote(parts.path))) if parts.path else page
        return target, unquote(parts.fragment)

    def metadata(self, prop: str) -> list[str]:
        return [(m.text or "").strip() for m in self.opf.iter(f"{OPF}meta")
                if m.get("property") == prop]

    def dc(self, name: str) -> list[str]:
        return [(e.text or "").strip() for e in self.opf.iter(f"{DC}{name}")]

    def navs(self) -> dict[str, etree._Element]:
        """epub:type -> <nav> element of the navigation document."""
        root = self.page(self.nav_page) if self.nav_page else None
        if root is None:
            return {}
        return {n.get(f"{OPS}type"): n for n in root.iter(f"{XHTML}nav")}
