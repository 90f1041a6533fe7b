"""The build driver: read, filter, then run each requested writer. The Python API behind
`qtconvert build`."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .cache import NoCache, open_cache
from .config import Config, load_config
from .engine import Engine, EngineStats
from .errors import BuildError, UsageError
from .executor import check_executor, executor
from .filters import FilterChain
from .model import Collection
from .model.keys import ArticleKeys
from .output import OutputFolder, check_out
from .package_data import code_fingerprint
from .read import load
from .read.read_cache import Deferred
from .read.recipes import books_for
from .render.fragments import lua_filters
from .writers import BuildOptions, Progress, Writer, default_formats, get_writer

__all__ = ["BuildResult", "build", "prepare", "select_subjects", "run_order", "start_order"]


@dataclass(frozen=True)
class BuildResult:
    collection: Collection  #: what was read and filtered (with all diagnostics)
    written: tuple[Path, ...]  #: every file written, in order
    kept: Sequence[Path] = ()  #: files left alone: they held this build's bytes already
    stats: EngineStats | None = None  #: units made and taken from the cache


def prepare(source: str | os.PathLike[str], config: Config | None = None,
            cache: NoCache | None = None) -> Collection:
    """Read `source` and run the configured filters (no output); with a build `cache`, files
    read before are not parsed again, and a source unchanged since the last build with the
    same built-in filters is not filtered again either."""
    config = config or _config_for(source)
    filters = FilterChain(config.filters, config.base_dir)
    return load(source, base_url=config.base_url, cache=cache, then=filters,
                then_key=filters.key)


def select_subjects(collection: Collection, subjects: Sequence[str]) -> Collection:
    """`collection` narrowed to `subjects` (all when empty); an unknown key is a UsageError."""
    unknown = sorted(set(subjects) - set(collection.subjects))
    if unknown:
        raise UsageError(f"no articles under subject {unknown[0]!r} (subjects: "
                         f"{', '.join(collection.subjects)})")
    return collection.select(subjects)


def run_order(classes: Sequence[type[Writer]]) -> list[type[Writer]]:
    """`classes` in the order asked for, except that a writer that `uses` what another
    `provides` runs after it (the PDF before the EPUB, whose page list it gives)."""
    order = list(classes)
    for cls in classes:
        producers = [order.index(c) for c in order
                     if c is not cls and set(c.provides) & set(cls.uses)]
        if producers and order.index(cls) < max(producers):
            last = max(producers)
            order.remove(cls)
            order.insert(last, cls)  # just after the last producer, which moved up by one
    return order


def start_order(classes: Sequence[type[Writer]]) -> list[type[Writer]]:
    """The order a build starts its writers in: `run_order`, but the writers that need no
    answer HTML (`Writer.converts_answers`) and use nothing from another writer first. Their
    units then run ahead of pandoc's batches, and the driver writes their files while pandoc
    converts many answers, instead of after it, when only it would be busy."""
    order = run_order(classes)
    early = [cls for cls in order if not cls.converts_answers and not cls.uses]
    return early + [cls for cls in order if cls not in early]


def _config_for(source: str | os.PathLike[str]) -> Config:
    path = Path(source)
    return load_config(search_from=path if path.is_dir() else path.parent)


def build(source: str | os.PathLike[str], out: str | os.PathLike[str] = "out",
          options: BuildOptions | None = None, progress: Progress | None = None) -> BuildResult:
    """Build the requested formats (all by default) of `source` into `out`.

    Bad articles are skipped with diagnostics; with `options.strict`, any diagnostic stops the
    build before anything is written.
    """
    options = options or BuildOptions()
    check_out(out)
    if options.book is not None and not Path(options.book).is_file():
        raise UsageError(f"--book {options.book}: no such recipe file")
    formats = options.formats or default_formats()
    writer_classes = [get_writer(name) for name in formats]  # unknown names fail first
    for cls in writer_classes:
        cls.check_options(options)
    check_executor(options.executor, options.scheduler)
    if options.book is not None and not any(cls.makes_books for cls in writer_classes):
        raise UsageError(f"--book {options.book}: a recipe is for the book formats (epub, pdf), "
                         f"not for {', '.join(formats)}")
    if options.config is None:
        options = replace(options, config=_config_for(source))
    cache = open_cache(out, options.cache_dir, options.cache)
    reading = Deferred(cache)  # nothing is written before the checks below pass
    with _collector_paused():
        collection = prepare(source, options.config, reading)
    with _frozen():
        return _run(collection, writer_classes, out, options, cache, reading, progress)


def _run(collection: Collection, writer_classes: Sequence[type[Writer]],
         out: str | os.PathLike[str], options: BuildOptions, cache: NoCache,
         reading: Deferred, progress: Progress | None) -> BuildResult:
    """`build`, once the collection is read."""
    if options.strict and collection.diagnostics:
        first = collection.diagnostics[0]
        raise BuildError(f"--strict: {len(collection.diagnostics)} problem(s) in the input, "
                         f"the first: {first}")
    selected = select_subjects(collection, options.subjects)
    if options.book is not None:
        books_for(selected, options.book)  # a bad recipe fails here, before anything is written
    progress = progress or Progress()
    handed: dict[str, Any] = {}  # what a writer hands to the ones after it (`Writer.handover`)
    lua = lua_filters(options.config.lua_filters if options.config else ())
    with OutputFolder(out) as folder:  # locked; the manifest is updated when it closes
        if options.clean:
            for cls in writer_classes:
                folder.check_sweep(cls.name)

        def finished(writer: Writer) -> None:
            writer.finish()
            handed.update({name: value for name, value in writer.handover().items()
                           if name in type(writer).provides})
            if options.clean:
                removed = folder.sweep(writer.name)
                if removed:
                    progress.note(f"{writer.name}: --clean removed {len(removed)} file(s) an "
                                  "earlier build wrote and this one did not")

        try:
            with executor(options.executor, options.jobs, options.scheduler,
                          shared=collection.articles) as pool:
                # each article hashed once per build at most (not at all when the read cache
                # kept the collection with its keys)
                keys = ArticleKeys(collection, collection.key_entries)
                # the read cache's entries are stored while pandoc converts answers, or once
                # every writer's units are on the executor
                engine = Engine(folder, cache, pool, options.job_count, code_fingerprint(), lua,
                                progress, reuse_files=options.cache, then=finished,
                                waiting=reading.flush)
                try:
                    for cls in start_order(writer_classes):
                        for earlier in engine.pending_writers():  # what this writer uses first
                            if set(type(earlier).provides) & set(cls.uses):
                                engine.finish_all(upto=earlier, then=finished)
                        writer = cls(collection, selected, folder, options, progress, handed, keys)
                        units = writer.units()
                        if units is None:  # a writer that writes its files itself
                            engine.finish_all(then=finished)
                            writer.write()
                            finished(writer)
                        else:
                            engine.start(writer, units)
                    reading.flush()
                    engine.finish_all(then=finished)
                except BaseException:
                    engine.cancel()
                    raise
        finally:
            reading.flush()  # what reading parsed is kept even when a writer failed
            cache.close()
    return BuildResult(collection, tuple(folder.written), folder.kept, engine.stats)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the block runs (reading the collection: tens of
    thousands of objects, none in a cycle), and as it was after."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@contextlib.contextmanager
def _frozen() -> Iterator[None]:
    """The objects alive when the block starts (the collection) frozen (`gc.freeze`) until it
    ends, so that the collections while it runs do not traverse them again and again (a tenth
    of a second of a no-op rebuild of the corpus). A program that froze objects itself keeps
    its own arrangement: nothing is frozen, or unfrozen, for it."""
    frozen = gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()
    try:
        yield
    finally:
        if frozen:
            gc.unfreeze()
