"""Answer HTML for a whole build: each distinct answer through pandoc once, cached by content.

The book formats need each answer as HTML (`html_body.render_answers` gives it for one list of
articles). A build asks here for the answers of every unit it must rebuild: the ones the cache
holds (key: the answer's text, how it is converted, the Lua filters' contents, qtconvert's code)
come from it; the rest go through pandoc in batches, one batch per call on the build's executor
(`convert_batch`, which carries the Lua filters' bytes, so that it runs on any worker), and are
put in the cache. A failed answer is cached with its reason and told again on every build.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from ..cache import NoCache
from ..errors import BuildError
from ..model import Article
from ..model.keys import digest, value_digest
from ..model.plain_markdown import map_math
from . import pandoc, tex_repair

__all__ = ["LuaFilters", "lua_filters", "answer_keys", "convert_batch", "answer_fragments"]

KIND = "answer-html"
BATCH_MIN, BATCH_MAX = 25, 150


@dataclass(frozen=True)
class LuaFilters:
    """Lua filters as (file name, bytes): what a worker needs to run them, and what keys hold."""

    files: tuple[tuple[str, bytes], ...] = ()


def lua_filters(paths: Sequence[str | os.PathLike[str]]) -> LuaFilters:
    """The user's Lua filters (`lua_filters` in qtconvert.toml), read once by the driver."""
    files = []
    for path in paths:
        try:
            files.append((Path(path).name, Path(path).read_bytes()))
        except OSError as error:
            raise BuildError(f"lua filter {path}: cannot read it ({error.strerror})") from None
    return LuaFilters(tuple(files))


def answer_keys(answers: Sequence[str], math: str, lua: LuaFilters, code: str) -> list[str]:
    """The cache key of each answer's HTML: what shapes it (the math form, the Lua filters,
    qtconvert's code) hashed once, then each answer's text with it."""
    shaped_by = digest(KIND, math, lua.files, code)
    return [value_digest((shaped_by, answer)) for answer in answers]


def convert_batch(answers: Sequence[str], math: str, lua: LuaFilters
                  ) -> tuple[list[str], list[tuple[int, str]]]:
    """Pandoc HTML of `answers` (site Markdown, math not yet repaired) and the (index, reason)
    of each that failed; runs anywhere qtconvert is installed (the Lua filters travel along)."""
    with tempfile.TemporaryDirectory(prefix="qtconvert-lua-",
                                     dir=pandoc.scratch_folder()) as folder:
        paths = []
        for n, (name, data) in enumerate(lua.files):
            path = Path(folder, f"{n:02d}-{name}")
            path.write_bytes(data)
            paths.append(str(path))
        options = pandoc.PandocOptions(math=math, lua_filters=tuple(paths), jobs=1,
                                       batch_size=max(1, len(answers)))
        failures: list[tuple[int, str]] = []
        html = pandoc.to_html([map_math(a, tex_repair.repair) for a in answers], options,
                              on_failure=lambda n, why: failures.append((n, why)))
    return html, failures


def batch_size(count: int, jobs: int) -> int:
    """Answers per pandoc call: large enough to amortise starting pandoc, small enough that
    every worker gets several calls."""
    return max(BATCH_MIN, min(BATCH_MAX, -(-count // max(1, jobs * 4))))


def answer_fragments(articles: Sequence[Article], math: str, lua: LuaFilters, code: str,
                     cache: NoCache, pool: Executor, jobs: int,
                     note: Callable[[str], None] | None = None,
                     advance: Callable[[int], None] | None = None,
                     meanwhile: Callable[[bool], None] | None = None,
                     begin: Callable[[int], None] | None = None) -> dict[str, str]:
    """Article url -> its answer's HTML (`math`: "mathml" or "tex", as `PandocOptions`), from
    the cache where it holds them, else through pandoc on `pool`; new ones are put in `cache`.
    `meanwhile(many)` is called once the batches are on `pool`, before their results are
    awaited; `many`: they outnumber its `jobs` workers, and pandoc keeps the pool busy for a
    while. Fewer batches (an edit's few answers) are done soon: what waits for them should
    then wait for nothing long. Then `begin(n)`: the results of `n` distinct answers are
    awaited, and `advance(k)` follows each batch of `k`. Neither is called when pandoc has
    nothing to convert."""
    answers = [a.answer for a in articles]
    # without a cache, the keys only tell equal answers apart: their text does that
    keys = dict(zip((a.url for a in articles),
                    answer_keys(answers, math, lua, code) if cache.enabled else answers))
    found = cache.meta(keys.values())
    missing: dict[str, str] = {}  # key -> answer, each distinct answer once
    for a in articles:
        if keys[a.url] not in found:
            missing.setdefault(keys[a.url], a.answer)
    if missing:
        todo = list(missing.items())
        size = batch_size(len(todo), jobs)
        batches = [todo[i:i + size] for i in range(0, len(todo), size)]
        futures = [pool.submit(convert_batch, [answer for _, answer in batch], math, lua)
                   for batch in batches]
        try:
            if meanwhile is not None:
                meanwhile(len(batches) > jobs)
            if begin is not None:
                begin(len(todo))
            for batch, future in zip(batches, futures):
                html, failures = future.result()
                failed = dict(failures)
                for n, ((key, _), fragment) in enumerate(zip(batch, html)):
                    value = (fragment, failed.get(n, ""))
                    found[key] = value
                    cache.put(key, KIND, value)
                if advance is not None:
                    advance(len(batch))
        finally:
            for future in futures:
                future.cancel()
    fragments = {}
    for a in articles:
        fragment, failure = found[keys[a.url]]
        if failure and note is not None:
            note(f"{a.source_path}: answer: {failure}; printed as its source")
        fragments[a.url] = fragment
    return fragments

