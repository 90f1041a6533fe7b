"""The writer contract. A writer states its name and file suffix, answers "where does article X
live in my output, seen from article Y?" (`uri_for`), writes, and finishes; the build driver
that calls it stays fixed (see `qtconvert.build`).

A new output format is one module with one `Writer` subclass, registered in
`qtconvert.writers.BUILTIN_WRITERS` or, from another package, through the `qtconvert.writers`
entry point group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ..config import Config
from ..model import Article, Collection, RelatedLink
from ..output import OutputFolder
from ..xref import pending_target

__all__ = ["Writer", "BuildOptions", "Progress"]


class Progress:
    """Reports progress of long work; the command line shows a bar, the API stays silent."""

    def start(self, label: str, total: int) -> None:
        """A new piece of work of `total` steps begins."""

    def advance(self, steps: int = 1) -> None:
        """`steps` more steps are done."""

    def done(self) -> None:
        """The current piece of work is finished."""

    def note(self, message: str) -> None:
        """Something the user should read (a volume split, a skipped article)."""


@dataclass(frozen=True)
class BuildOptions:
    """Everything a build was asked for. Writers read the fields that concern them."""

    formats: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    jobs: int = 0
    strict: bool = False
    clean: bool = False  # empty OUT/<format>/ of each requested format before writing it
    config: Config | None = None  # None: look for qtconvert.toml beside the source
    book: Path | None = None  # a recipe file (EPUB and PDF)
    stylesheet: Path | None = None  # replaces the default stylesheet (EPUB and PDF)
    paper: str = "A4"  # PDF: A4 or Letter
    pdf_variant: str | None = None  # PDF: e.g. "pdf/ua-1", "pdf/a-3b"
    page_breaks: bool = True  # PDF: each question on a new page (False: flowing)
    max_articles_per_volume: int = 600  # PDF: split larger books into volumes (memory)
    jsonld_profile: str = "learning-resource"  # JSON-LD page shape
    include_noindex: bool = False  # JSON-LD: include `no_index` articles
    sitemap_gzip: bool = False  # JSON-LD: gzip the sitemaps that sitemap.xml lists


class Writer:
    """Base class of all writers. Subclasses set the class variables and fill in the hooks."""

    name: ClassVar[str] = ""  #: the `--format` name
    suffix: ClassVar[str] = ""  #: the file suffix of the main output (".epub")
    description: ClassVar[str] = ""  #: one line for `qtconvert formats`
    makes_books: ClassVar[bool] = False  #: writes books, so `options.book` (a recipe) applies

    def __init__(self, collection: Collection, selected: Collection, out: OutputFolder,
                 options: BuildOptions, progress: Progress | None = None) -> None:
        #: every article read and filtered: the space cross-references resolve in
        self.collection = collection
        #: the articles this build writes (the chosen subjects)
        self.selected = selected
        self.out = out
        self.options = options
        self.progress = progress or Progress()

    # -- hooks -------------------------------------------------------------------------------

    @classmethod
    def check_options(cls, options: BuildOptions) -> None:
        """Raise UsageError for options this writer cannot use, before anything is read."""

    def uri_for(self, target: Article, source: Article) -> str | None:
        """Where `target` lives in this writer's output, seen from `source`'s output file.

        None when this output has no place for it: the link then goes to the target's
        canonical web address.
        """
        raise NotImplementedError

    def write(self) -> list[Path]:
        """Write every output file (through `self.out`); return the paths written."""
        raise NotImplementedError

    def finish(self) -> None:
        """Called once after `write`; for summaries, indexes and clean-up."""

    # -- helpers for subclasses ----------------------------------------------------------------

    def href(self, target_url: str | None, source: Article, fallback: str) -> str:
        """The address of the article at `target_url` seen from `source`, else `fallback`."""
        target = self.collection.by_url(target_url) if target_url else None
        uri = self.uri_for(target, source) if target is not None else None
        return uri if uri is not None else fallback

    def related_href(self, link: RelatedLink, source: Article) -> str:
        """A related link's address: internal when the output has its target, else canonical."""
        return self.href(link.target_url, source, link.canonical_url)

    def is_internal(self, target_url: str | None, source: Article) -> bool:
        """True when the target has an address in this output (not only on the web)."""
        target = self.collection.by_url(target_url) if target_url else None
        return target is not None and self.uri_for(target, source) is not None

    def link_resolver(self, source: Article) -> Callable[[str], str]:
        """A function for answer hrefs: resolves pending `qtref:` links, keeps the others."""

        def resolve(href: str) -> str:
            url = pending_target(href)
            if url is None:
                return href
            return self.href(url, source, self.collection.base_url + url)

        return resolve
