"""The writer contract. A writer states its name and file suffix, answers "where does article X
live in my output, seen from article Y?" (`uri_for`, or a `LinkScope` per book or volume),
writes, and finishes; the build driver that calls it stays fixed (see `qtconvert.build`).

A format is a package under `qtconvert.writers` (or in another distribution) with one `Writer`
subclass, registered in the `qtconvert.writers` entry point group. It owns its options: a frozen
dataclass (`Writer.Options`) whose fields carry their command-line flag (`option(...)`), so
`qtconvert build --help` shows them in the format's own group and `BuildOptions.format_options`
holds their values. Nothing central changes when a format is added.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

from ..config import Config
from ..errors import UsageError
from ..executor import job_count
from ..model import Article, Collection
from ..model.keys import ArticleKeys, digest
from ..output import OutputFolder
from ..package_data import code_fingerprint
from ..progress import Progress
from ..render.links import Links, LinkScope


@dataclass(frozen=True)
class Result:
    """What a unit made: files (path inside OUT, with `/`, and their bytes), notes for the user,
    and `data` for the writer's `combine` (the PDF's page starts, the JSON-LD lines)."""

    files: tuple[tuple[str, bytes], ...] = ()
    notes: tuple[str, ...] = ()
    data: Any = None
    #: the pieces (`Unit.pieces`) this call made, by name: the engine keeps each in the cache
    pieces: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Answers:
    """A unit's need for answer HTML: the articles, and how pandoc converts them (`math`:
    "mathml" or "tex"). The engine passes `fragments` (article url -> HTML) to the call."""

    articles: tuple[Article, ...]
    math: str = "mathml"


@dataclass(frozen=True)
class Unit:
    """One self-contained piece of a format's output: an EPUB book, a PDF volume, a shard of
    Markdown or JSON-LD files.

    `call(*args)` (with `fragments=` when `answers` is set) makes it and returns a `Result`; it
    must be a module-level function and `args` picklable, because it may run in another process
    or on another machine, with nothing but its arguments. `args` may also be a function that
    returns them, called only when the unit is made (`arguments`): a unit taken from the cache
    then costs nothing to describe. `key` is a stable hash
    (`model.keys.digest`) of everything the result depends on: when the key is unchanged, the
    build takes the result from the cache instead of calling.
    """

    name: str  #: unique in its format: "mathematics", "mathematics-2", "shard-0003"
    key: str
    call: Callable[..., Result]
    args: tuple | Callable[[], tuple] = ()
    answers: Answers | None = None
    #: piece name -> key (or a function that returns them): parts of the unit that the cache
    #: keeps on their own, such as an EPUB book's pages. When the unit must be made again, the
    #: call gets `memo=` (name -> value of each piece the cache holds) and returns the pieces
    #: it made in `Result.pieces`; a one-answer edit then makes one page, not the whole book.
    #: A piece named by an article's url stands for that article's answer: `fragments` then
    #: leaves out the answers whose pieces `memo` holds.
    pieces: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None
    #: False: the cache keeps what the unit made (its files' digests, notes, data) but not the
    #: files' bytes. For cheap units with many files (shards of JSON-LD and Markdown): a build
    #: makes one again when OUT's manifest does not list its files (a new OUT), or in its own
    #: process when a listed file is missing; the cache keeps the bytes of the units worth it.
    #: A unit with `pieces` (an EPUB book) is made again on the pool, from its cached pieces,
    #: whenever OUT does not hold its files as they were.
    keep_files: bool = True

    def arguments(self) -> tuple:
        """`args`, made now when the format gave a function that makes them."""
        return self.args() if callable(self.args) else self.args

    def piece_keys(self) -> Mapping[str, str]:
        """`pieces`, made now when the format gave a function that makes them."""
        return (self.pieces() if callable(self.pieces) else self.pieces) or {}

__all__ = ["Writer", "BuildOptions", "Progress", "NoOptions", "option", "whole_number", "Unit",
           "Result", "Answers"]


def option(default: Any, flag: str, help: str, **argparse: Any) -> Any:
    """A field of a format's options dataclass, with its command-line flag and help; extra
    keywords go to `argparse.add_argument` (`choices`, `type`, `metavar`, `action`)."""
    return field(default=default, metadata={"flag": flag, "help": help, "argparse": argparse})


def whole_number(value: str) -> int:
    """An argparse type: a whole number, 0 or more."""
    import argparse

    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return n


@dataclass(frozen=True)
class NoOptions:
    """A format without options of its own."""


@dataclass(frozen=True)
class BuildOptions:
    """Everything a build was asked for: what every format shares, and each format's own
    options (`format_options`: format name -> its `Writer.Options`, or a mapping of fields)."""

    formats: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    jobs: int = 0  # parallel workers (0: one per CPU); see `job_count`
    strict: bool = False
    clean: bool = False  # after each format, remove its files this build did not make
    config: Config | None = None  # None: look for qtconvert.toml beside the source
    book: Path | None = None  # a recipe file (the book formats: EPUB and PDF)
    stylesheet: Path | None = None  # replaces the default stylesheet (EPUB and PDF)
    cache: bool = True  # reuse and keep work in the build cache (False: `--no-cache`)
    cache_dir: Path | None = None  # None: OUT/.qtconvert-cache
    executor: str = "local"  # "local" (a process pool of `jobs`) or "dask"
    scheduler: str | None = None  # a Dask scheduler address (None: a LocalCluster)
    format_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "format_options", MappingProxyType(dict(self.format_options)))

    @property
    def job_count(self) -> int:
        """How many workers parallel work may use: `jobs`, or one per CPU."""
        return job_count(self.jobs)

    def for_format(self, writer: type[Writer]) -> Any:
        """`writer`'s options: as given (a dataclass or a mapping of its fields), else defaults."""
        given = self.format_options.get(writer.name)
        if given is None:
            return writer.Options()
        if isinstance(given, Mapping):
            names = {f.name for f in dataclasses.fields(writer.Options)}
            unknown = sorted(set(given) - names)
            if unknown:
                raise UsageError(f"{writer.name}: unknown option {unknown[0]!r} (known: "
                                 f"{', '.join(sorted(names)) or 'none'})")
            return writer.Options(**given)
        if not isinstance(given, writer.Options):
            raise UsageError(f"{writer.name}: options must be {writer.Options.__name__}, got "
                             f"{type(given).__name__}")
        return given


class Writer:
    """Base class of all writers. Subclasses set the class variables and fill in the hooks."""

    name: ClassVar[str] = ""  #: the `--format` name
    suffix: ClassVar[str] = ""  #: the file suffix of the main output (".epub")
    description: ClassVar[str] = ""  #: one line for `qtconvert formats`
    makes_books: ClassVar[bool] = False  #: writes books, so `options.book` (a recipe) applies
    #: this format's options: a frozen dataclass whose fields are made with `option(...)`
    Options: ClassVar[type] = NoOptions
    #: names of what `handover` gives the writers that run after this one in the same build
    provides: ClassVar[tuple[str, ...]] = ()
    #: names this writer reads from `handed` when a writer of the same build provides them
    #: (the driver runs that writer first)
    uses: ClassVar[tuple[str, ...]] = ()
    #: its units need answer HTML from pandoc (`Unit.answers`); the formats that need none
    #: start first in a build, and the driver writes their files while pandoc converts (when
    #: it has many answers to convert)
    converts_answers: ClassVar[bool] = False

    def __init__(self, collection: Collection, selected: Collection, out: OutputFolder,
                 options: BuildOptions, progress: Progress | None = None,
                 handed: Mapping[str, Any] | None = None, keys: ArticleKeys | None = None
                 ) -> None:
        #: every article read and filtered: the space cross-references resolve in
        self.collection = collection
        #: the articles this build writes (the chosen subjects)
        self.selected = selected
        self.out = out
        self.options = options
        #: this format's own options (an instance of `Options`)
        self.format_options = options.for_format(type(self))
        self.progress = progress or Progress()
        #: what earlier writers of this build handed over (`handover`), by name
        self.handed: Mapping[str, Any] = MappingProxyType(dict(handed or {}))
        #: the articles' digests, shared by the writers of one build (for unit keys)
        self.keys = keys or ArticleKeys(collection)

    # -- hooks -------------------------------------------------------------------------------

    @classmethod
    def check_options(cls, options: BuildOptions) -> None:
        """Raise UsageError for options this writer cannot use, before anything is read."""

    def uri_for(self, target: Article, source: Article) -> str | None:
        """Where `target` lives in this writer's output, seen from `source`'s output file.

        None when this output has no place for it: the link then goes to the target's
        canonical web address. Book formats answer per unit, through a `LinkScope`.
        """
        return None

    def units(self) -> Sequence[Unit] | None:
        """The units this format's output is made of (see `Unit`), for the build engine to
        take from its cache or run on its executor; None (the default) when the writer writes
        its files itself, in `write`."""
        return None

    def combine(self, results: Mapping[str, Result]) -> Result:
        """After every unit is made (`results`: unit name -> its result, taken from the cache or
        run): the files made from all of them together, on the build driver (the JSON-LD's
        site-wide bundle and sitemaps). Called only for writers with `units`. A result taken from
        the cache holds the notes and data it had (`data_to_keep` of it), and no files."""
        return Result()

    def data_to_keep(self, data: Any) -> Any:
        """What the build cache keeps of a made unit's `Result.data` (not None): all of it, by
        default. A writer whose data can be found again in OUT keeps less (the JSON-LD keeps a
        digest of its lines), and its `combine` then gets that for a unit from the cache."""
        return data

    def combine_key(self) -> Hashable | None:
        """Everything `combine`'s output depends on besides its units' results (options, files
        in OUT; a stable value), when its files and notes are all it gives: then, when every
        unit comes from the cache and OUT holds the files combine made from them last time, the
        engine does not call it. None (the default): `combine` always runs (the PDF's hands its
        page starts over to the EPUB)."""
        return None

    def write(self) -> list[Path]:
        """Write every output file (through `self.out`); return the paths written.

        A writer without `units` must implement it. For one with units, this makes them in
        order, in this process, without a cache: what a build does (`qtconvert.build`, through
        the engine) when asked for one job and `--no-cache`, for callers that hold a writer."""
        units = self.units()
        if units is None:
            raise NotImplementedError(f"{type(self).__name__} has neither units nor write()")
        from ..render.html_body import render_answers
        from ..render.pandoc import PandocOptions

        lua = tuple(self.options.config.lua_filters) if self.options.config else ()
        written: list[Path] = []
        results: dict[str, Result] = {}
        for unit in units:
            kwargs = {}
            if unit.answers is not None:
                kwargs["fragments"] = render_answers(
                    unit.answers.articles, PandocOptions(math=unit.answers.math, lua_filters=lua,
                                                         jobs=self.options.jobs),
                    note=self.progress.note)
            if unit.pieces is not None:
                kwargs["memo"] = {}  # no cache here: every piece is made
            result = results[unit.name] = unit.call(*unit.arguments(), **kwargs)
            written += self.out.write_all((self.out.relative(rel), data)
                                          for rel, data in result.files)
            for message in result.notes:
                self.progress.note(message)
        combined = self.combine(results)
        written += self.out.write_all((self.out.relative(rel), data)
                                      for rel, data in combined.files)
        for message in combined.notes:
            self.progress.note(message)
        return written

    def finish(self) -> None:
        """Called once after `write`; for summaries, indexes and clean-up."""

    def handover(self) -> Mapping[str, Any]:
        """Called after `finish`: what this writer made that later writers of the build may
        use, by the names in `provides` (the PDF's page starts, for the EPUB's page list)."""
        return {}

    # -- helpers for subclasses ----------------------------------------------------------------

    def unit_key(self, articles: Sequence[Article], *extra: Any) -> str:
        """A unit's key: this format, its options, qtconvert's code, the site's address, the
        content of `articles` and the face of every article they link to (`ArticleKeys.of`),
        and `extra`: anything else the unit depends on (a book's title, a stylesheet's bytes).
        """
        options = dataclasses.asdict(self.format_options)
        return digest("unit", self.name, code_fingerprint(), self.collection.base_url, options,
                      self.keys.of(articles), extra)

    def links(self, scope: LinkScope | None = None) -> Links:
        """Link lookups for one unit of output: inside `scope` when given (a book, a volume),
        else wherever `uri_for` says."""
        return Links(self.collection, scope.uri_for if scope is not None else self.uri_for)
