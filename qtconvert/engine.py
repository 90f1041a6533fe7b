"""The build engine: takes each format's units (`Writer.units`) from the cache or makes them on
the executor, and writes what changed into OUT.

For each writer, in the build's order:

1. its units are planned (each with a key: a hash of everything its output depends on);
2. the cache is asked for every key: a unit it holds is not made again;
3. the units to make that need answer HTML get it from `render.fragments` (cached per answer,
   the rest through pandoc in batches on the executor);
4. the units are submitted to the executor (one process pool, or a Dask cluster), and the
   driver, while they run, writes the files of those already done; a finished unit goes into
   the cache;
5. a file is written only when its bytes differ from what the manifest says is there
   (`OutputFolder.unchanged`), so a rebuild that changes nothing writes nothing;
6. `Writer.combine` makes the files that depend on every unit (the JSON-LD bundle, sitemaps);
   a writer whose combine gives only files (`Writer.combine_key`) is not called when every unit
   came from the cache and OUT holds what it made from them last time.

The units of a writer are submitted before the previous writer's are collected, so the formats'
units run side by side; a writer that `uses` what another `provides` waits for it. The build
starts the formats that need no pandoc first (`build.start_order`): once pandoc's batches are
on the executor, behind their units, and when they outnumber its workers, the driver collects
those writers and writes their files while pandoc runs, rather than after it (an edit's few
answers are awaited first, so that their books go to the executor sooner).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .cache import NoCache
from .errors import BuildError
from .model.keys import digest
from .output import OutputFolder
from .progress import Progress
from .render.fragments import LuaFilters, answer_fragments
from .writers import Result, Unit, Writer

__all__ = ["Engine", "EngineStats", "UnitMeta"]


@dataclass(frozen=True)
class UnitMeta:
    """A unit's result as the cache's `meta` holds it: its files as (path, SHA-256, size), its
    notes, and the key of the entry holding its data (None: it has none). The files' bytes are
    the entry's body, read only when a file must be written; the data (what the writer keeps of
    it, `Writer.data_to_keep`), only when `combine` runs."""

    files: tuple[tuple[str, str, int], ...]
    notes: tuple[str, ...]
    data_key: str | None = None


@dataclass
class EngineStats:
    """What a build did, for its summary."""

    units: int = 0
    from_cache: int = 0
    rebuilt: int = 0
    answers_converted: int = 0
    pieces_from_cache: int = 0  #: pieces of the units made (EPUB pages) the cache held
    pieces_made: int = 0
    per_format: dict[str, tuple[int, int]] = field(default_factory=dict)  #: (cached, rebuilt)


@dataclass
class _Pending:
    writer: Writer
    units: Sequence[Unit]
    hits: dict[str, UnitMeta]  # unit name -> cached
    futures: dict[Future, Unit]
    started: float
    pieces: dict[str, dict[str, str]]  # unit name -> piece name -> key, for the units made


class Engine:
    """Runs writers' units into one output folder (see the module's text)."""

    def __init__(self, folder: OutputFolder, cache: NoCache, pool: Executor, jobs: int,
                 code: str, lua: LuaFilters, progress: Progress | None = None,
                 reuse_files: bool = True, then: Callable[[Writer], None] | None = None,
                 waiting: Callable[[], None] | None = None) -> None:
        self.folder = folder
        self.cache = cache
        self.pool = pool
        self.jobs = jobs
        self.code = code  #: `package_data.code_fingerprint()`, for the answer keys
        self.lua = lua
        self.progress = progress or Progress()
        self.reuse_files = reuse_files  #: leave files alone that hold these bytes already
        #: called with each writer whose units are collected while pandoc converts answers
        #: (`finish_all`'s `then`)
        self.then = then
        #: called when pandoc's batches are on the executor and the driver would wait for them
        #: (the build stores what reading kept then), before any earlier writer is collected
        self.waiting = waiting
        self.stats = EngineStats()
        self._pending: list[_Pending] = []

    # -- the build's steps ---------------------------------------------------------------------

    def start(self, writer: Writer, units: Sequence[Unit]) -> None:
        """Look `units` up in the cache and submit the others (with their answer HTML)."""
        names = [u.name for u in units]
        if len(set(names)) != len(names):
            raise BuildError(f"{writer.name}: two units share a name")
        units = [replace(u, key=self._shaped(u, u.key)) if u.answers is not None else u
                 for u in units]
        found = self.cache.meta(u.key for u in units)
        found = {k: m for k, m in found.items() if isinstance(m, UnitMeta)}
        held = self.cache.has(m.data_key for m in found.values() if m.data_key is not None)
        hits = {u.name: found[u.key] for u in units if u.key in found
                and (found[u.key].data_key is None or found[u.key].data_key in held)
                and self._reusable(u, found[u.key])}
        todo = [u for u in units if u.name not in hits]
        pieces: dict[str, dict[str, str]] = {}
        memos: dict[str, dict[str, Any]] = {}
        for unit in todo:
            if unit.pieces is not None and self.cache.enabled:  # (no cache: none to look up)
                pieces[unit.name] = self._piece_keys(unit)
                memos[unit.name] = self._memo(pieces[unit.name])
        fragments = self._fragments(writer, todo, memos)
        futures: dict[Future, Unit] = {}
        # the largest books first, so that the last to finish is a small one (and the other
        # workers are not left idle while it runs)
        for unit in sorted(todo, key=lambda u: -len(u.answers.articles) if u.answers else 0):
            kwargs: dict[str, Any] = {}
            if unit.answers is not None:
                memo = memos.get(unit.name, {})
                kwargs["fragments"] = {a.url: fragments[unit.answers.math][a.url]
                                       for a in unit.answers.articles if a.url not in memo}
            if unit.pieces is not None:
                kwargs["memo"] = memos.get(unit.name, {})
            futures[self.pool.submit(make_unit, unit.call, *unit.arguments(), **kwargs)] = unit
        self._pending.append(_Pending(writer, units, hits, futures, time.monotonic(), pieces))

    def finish_all(self, upto: Writer | None = None,
                   then: Callable[[Writer], None] | None = None) -> None:
        """Collect the pending writers' units, in order (up to and including `upto`), calling
        `then(writer)` after each."""
        while self._pending:
            pending = self._pending.pop(0)
            self._collect(pending)
            if then is not None:
                then(pending.writer)
            if pending.writer is upto:
                return

    def pending_writers(self) -> list[Writer]:
        return [p.writer for p in self._pending]

    def cancel(self) -> None:
        """After a failure: cancel what has not started."""
        for pending in self._pending:
            for future in pending.futures:
                future.cancel()
        self._pending.clear()

    # -- inside ----------------------------------------------------------------------------------

    def _reusable(self, unit: Unit, meta: UnitMeta) -> bool:
        """Whether a unit the cache holds is taken from it: when the cache keeps its files'
        bytes, or OUT can be trusted to hold them (`_listed`). A unit made of pieces whose
        bytes are not kept (an EPUB book, kept as its pages) needs its files in OUT as they
        are (looked at: a few files), else it is made again on the pool from its pieces."""
        if unit.keep_files:
            return True
        if unit.pieces is not None:
            return self.reuse_files and all(self.folder.holds(*f) for f in meta.files)
        return self._listed(meta)

    def _listed(self, meta: UnitMeta) -> bool:
        """Whether OUT's manifest lists the files of a unit whose bytes the cache does not keep
        (`Unit.keep_files`): if not (a new OUT, a shared `--cache-dir`), the unit is made again
        on the pool like any other. Its first file is asked: the files of a unit are written,
        and listed, together, and `_cached_files` makes any file OUT lacks again (in this
        process: a no-op rebuild of the corpus would otherwise ask the manifest twice for
        each of its 24,000 files)."""
        return self.reuse_files and (not meta.files or self.folder.listed(*meta.files[0][:2]))

    def _shaped(self, unit: Unit, key: str) -> str:
        """`key` of a unit or of one of its pieces: made from answer HTML, it depends on the
        Lua filters that shaped the HTML too."""
        return digest(key, self.lua.files) if unit.answers is not None else key

    def _piece_keys(self, unit: Unit) -> dict[str, str]:
        """The unit's piece name -> key."""
        return {name: self._shaped(unit, key) for name, key in unit.piece_keys().items()}

    def _memo(self, keys: dict[str, str]) -> dict[str, Any]:
        """Piece name -> value, for the pieces the cache holds."""
        found = self.cache.meta(keys.values())
        memo = {name: found[key] for name, key in keys.items() if key in found}
        self.stats.pieces_from_cache += len(memo)
        return memo

    def _fragments(self, writer: Writer, todo: Sequence[Unit], memos: dict[str, dict[str, Any]]
                   ) -> dict[str, dict[str, str]]:
        """math form -> article url -> answer HTML, for the units in `todo` that need it: not
        for an article whose piece (named by its url) the unit's memo holds already."""
        wanted: dict[str, dict[str, Any]] = {}
        for unit in todo:
            if unit.answers is not None:
                memo = memos.get(unit.name, {})
                for a in unit.answers.articles:
                    if a.url not in memo:
                        wanted.setdefault(unit.answers.math, {})[a.url] = a
        fragments: dict[str, dict[str, str]] = {}
        for math, articles in wanted.items():
            begun = [False]

            def begin(n: int) -> None:
                # once the driver waits for pandoc: `_meanwhile` shows other work before it
                begun[0] = True
                self.progress.start(f"{writer.name}: converting answers with pandoc", n)

            def advance(n: int) -> None:
                self.stats.answers_converted += n
                self.progress.advance(n)

            fragments[math] = answer_fragments(
                list(articles.values()), math, self.lua, self.code, self.cache, self.pool,
                self.jobs, note=self.progress.note, advance=advance,
                meanwhile=self._meanwhile, begin=begin)
            if begun[0]:
                self.progress.done()
            self.cache.commit()
        return fragments

    def _meanwhile(self, many: bool) -> None:
        """While pandoc converts answers: `waiting`; and when they are `many`, collect the
        writers started before (their files are written), then move the cache's log into its
        database, which `close` would otherwise do when the build ends. (An edit's few answers
        are awaited first, so that their books go to the executor sooner.)"""
        if self.waiting is not None:
            self.waiting()
        if many:
            self.finish_all(then=self.then)
            self.cache.checkpoint()

    def _collect(self, pending: _Pending) -> None:
        writer, units = pending.writer, pending.units
        cached, rebuilt = len(pending.hits), len(pending.futures)
        self.stats.units += len(units)
        self.stats.from_cache += cached
        self.stats.rebuilt += rebuilt
        self.stats.per_format[writer.name] = (cached, rebuilt)
        label = f"{writer.name}: {len(units)} unit{'s' * (len(units) != 1)}"
        if cached:
            label += f" ({cached} from the cache)"
        self.progress.start(label, len(units))
        metas: dict[str, UnitMeta] = {}
        made: dict[str, Any] = {}  # unit name -> data, of the units made

        def files() -> Iterator[tuple[Path, bytes]]:
            """The files to write, as units finish: written (by one `write_all`, which keeps
            one helper process for the small files) while the later units still run."""
            for unit in units:  # cached units first: their files, if OUT lacks them
                if unit.name in pending.hits:
                    meta = pending.hits[unit.name]
                    yield from self._cached_files(unit, meta)
                    metas[unit.name] = meta
                    self.progress.advance()
            for future in as_completed(pending.futures):
                unit = pending.futures[future]
                result, digests = future.result()
                if not isinstance(result, Result):
                    raise BuildError(f"{writer.name}: unit {unit.name} returned "
                                     f"{type(result).__name__}, not a Result")
                metas[unit.name] = self._store(writer, unit, result, digests)
                made[unit.name] = result.data
                keys = pending.pieces.get(unit.name, {})
                for name, value in (result.pieces or {}).items():
                    if name in keys:
                        self.cache.put(keys[name], "piece:" + writer.name, value)
                        self.stats.pieces_made += 1
                yield from self._changed(result.files, metas[unit.name].files)
                self.progress.advance()

        try:
            self.folder.write_all(files(), sync=False)
        except BaseException:
            for future in pending.futures:
                future.cancel()
            raise
        finally:
            self.cache.commit()
        self.progress.done()
        for unit in units:
            for message in metas[unit.name].notes:
                self.progress.note(message)
        self._combine(writer, units, metas, made)
        self.folder.sync()

    def _combine(self, writer: Writer, units: Sequence[Unit], metas: dict[str, UnitMeta],
                 made: dict[str, Any]) -> None:
        """`writer.combine` of the units' results, and its files written where they changed;
        not called when `Writer.combine_key` allows it, nothing was made, and OUT holds what
        it made last time."""
        extra = writer.combine_key()
        key = None
        if extra is not None and self.reuse_files:
            key = digest("combine", writer.name, self.code, tuple(u.key for u in units), extra)
            last = self.cache.meta([key]).get(key) if not made else None
            if isinstance(last, UnitMeta) and all(self.folder.holds(*f) for f in last.files):
                self.folder.keep_all_unchanged(last.files)
                for message in last.notes:
                    self.progress.note(message)
                return
        data = self.cache.meta(m.data_key for name, m in metas.items()
                               if m.data_key is not None and name not in made)
        results = {u.name: Result((), metas[u.name].notes, made[u.name] if u.name in made
                                  else data.get(metas[u.name].data_key))  # type: ignore[arg-type]
                   for u in units}
        combined = writer.combine(results)
        files = _digests(combined.files)
        self.folder.write_all(self._changed(combined.files, files), sync=False)
        for message in combined.notes:
            self.progress.note(message)
        if key is not None:
            self.cache.put(key, "combine:" + writer.name, UnitMeta(files, tuple(combined.notes)))
            self.cache.commit()

    def _store(self, writer: Writer, unit: Unit, result: Result,
               digests: tuple[tuple[str, str, int], ...]) -> UnitMeta:
        """A made unit's meta (its files' `digests`), put in the cache with its files and, in
        an entry of its own, what the writer keeps of its data (`Writer.data_to_keep`)."""
        data_key = None
        if result.data is not None and self.cache.enabled:
            data_key = digest(unit.key, "data")
            self.cache.put(data_key, "data:" + writer.name, writer.data_to_keep(result.data))
        meta = UnitMeta(digests, tuple(result.notes), data_key)
        self.cache.put(unit.key, "unit:" + writer.name, meta,
                       tuple(data for _, data in result.files) if unit.keep_files else None)
        return meta

    def _cached_files(self, unit: Unit, meta: UnitMeta) -> Iterator[tuple[Path, bytes]]:
        """The files of a unit from the cache that OUT does not hold as they are."""
        todo = self.folder.keep_all_unchanged(meta.files) if self.reuse_files else meta.files
        if not todo:
            return
        try:
            body = self.cache.body(unit.key)
            data = dict(zip((rel for rel, _, _ in meta.files), body))
        except KeyError:
            if unit.pieces is not None:  # `_reusable` found its files in OUT, at `start`
                raise BuildError(f"{unit.name}: its files in {self.folder.root} changed while "
                                 "the build ran; build again") from None
            if unit.answers is not None:  # made again it would need pandoc's HTML
                raise BuildError(f"the cache in {self.cache.folder} lacks the files of "
                                 f"{unit.name}; build with --no-cache, or remove it") from None
            # a unit whose files the cache does not keep (`Unit.keep_files`), or pruned: it
            # is cheap and needs no answer HTML, so it is made again here
            data = dict(unit.call(*unit.arguments()).files)
            if any(rel not in data for rel, _, _ in todo):
                raise BuildError(f"{unit.name} made other files than when the cache kept it; "
                                 "build with --no-cache") from None
        for rel, _, _ in todo:
            yield self._path(rel), data[rel]

    def _changed(self, files: Sequence[tuple[str, bytes]],
                 digests: Sequence[tuple[str, str, int]]) -> Iterator[tuple[Path, bytes, str]]:
        """`files` (OUT-relative paths, with their `digests`) that OUT does not already hold
        as they are, each with its SHA-256 (for `OutputFolder.write_all`)."""
        for (rel, data), (_, d, n) in zip(files, digests, strict=True):
            if self.reuse_files and self.folder.keep_unchanged(rel, d, n):
                continue
            yield self._path(rel), data, d

    def _path(self, rel: str) -> Path:
        return self.folder.relative(rel)


def _digests(files: Sequence[tuple[str, bytes]]) -> tuple[tuple[str, str, int], ...]:
    """Each file as (path, SHA-256, size)."""
    return tuple((rel, hashlib.sha256(data).hexdigest(), len(data)) for rel, data in files)


def make_unit(call: Callable[..., Result], /, *args: Any, **kwargs: Any
              ) -> tuple[Result, tuple[tuple[str, str, int], ...]]:
    """A unit made (on a worker): its `Result`, and its files' digests, hashed there rather
    than by the driver, which writes every file of the build and so sets its pace."""
    result = call(*args, **kwargs)
    return result, _digests(result.files) if isinstance(result, Result) else ()
