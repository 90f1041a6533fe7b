"""The one module that talks to pandoc: answer Markdown -> HTML fragments, in batches.

Starting pandoc costs far more than converting one answer, so answers go through in batches
(one pandoc process per `batch_size` answers, `jobs` processes at a time). A batch is one pandoc
run over one file per answer, read with `--file-scope`: each answer is parsed on its own, so an
unclosed code fence, a link reference definition or a heading in one answer cannot change
another. Marker paragraphs that no answer can contain separate the answers in the HTML, which is
split on them again. What pandoc numbers across a whole run is made the answer's own again:
the file-name prefix `--file-scope` puts on identifiers is removed, and code blocks are
numbered from `cb1` in each answer (a bare `pre` takes a number too, as in pandoc). So an
answer's HTML is the same in any batch, with any neighbours, as when converted alone (which a
cache of answer HTML relies on). An answer with footnotes (numbered and gathered at the end of
a run) is converted alone. When a batch does not split back into as many pieces as went in, it
is converted again one answer at a time.

Pandoc runs with a heap limit and a time limit, as its manual advises for untrusted input (its
parsers have pathological corner cases). A batch that fails is converted again one answer at a
time, so that only the answer pandoc cannot convert is affected: it is kept as its Markdown
source in a `<pre>`, and `on_failure` is told.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError
from ..executor import job_count
from ..package_data import data_dir

__all__ = ["PandocOptions", "to_html", "pandoc_path", "builtin_lua_filters", "INPUT_FORMAT"]

# The site renders with remark-gfm + remark-math: GFM with `$..$` / `$$..$$` math.
INPUT_FORMAT = "gfm+tex_math_dollars"
BUILTIN_LUA_FILTERS = ("raw-html-as-text.lua", "images-as-links.lua")
# `pandoc +RTS -M<size> -RTS`: the heap one pandoc process may use (it fails beyond it)
HEAP_LIMIT_MB = 1024
# seconds one pandoc run may take: a base, and more per answer in a batch
TIME_LIMIT, TIME_PER_ANSWER = 60.0, 1.0


@dataclass(frozen=True)
class PandocOptions:
    """How answers are converted.

    `math`: "mathml" (EPUB), or "tex" (math left as `\\(..\\)` / `\\[..\\]` in
    `span.math` elements, for a renderer of one's own, as the PDF writer does).
    `lua_filters`: extra Lua filters run after the built-in ones in `filters/`.
    """

    math: str = "mathml"
    lua_filters: tuple[str, ...] = ()
    batch_size: int = 150
    jobs: int = 0  # pandoc processes at a time; 0: one per CPU (`executor.job_count`)


def pandoc_path() -> str:
    """The pandoc binary: the one bundled with pypandoc_binary, else whatever pypandoc finds."""
    import pypandoc

    try:
        return pypandoc.get_pandoc_path()
    except OSError as exc:  # pragma: no cover - depends on the installation
        raise BuildError(f"pandoc not found ({exc}); install qtconvert with pip, which brings "
                         "pypandoc_binary") from None


def builtin_lua_filters() -> list[Path]:
    """The Lua filters shipped in the package (the top-level `filters/` folder)."""
    folder = data_dir("filters")
    return [folder / name for name in BUILTIN_LUA_FILTERS]


def to_html(answers: Sequence[str], options: PandocOptions = PandocOptions(),
            progress=None, on_failure: Callable[[int, str], None] | None = None) -> list[str]:
    """Convert each Markdown answer to an HTML fragment, in order.

    `progress`, when given, is called with the number of answers finished after each batch.
    An answer pandoc cannot convert (it fails, or exceeds the heap or time limit) becomes its
    source, escaped, in a `<pre>`; `on_failure(index, reason)` is called for it.
    """
    if not answers:
        return []
    args = [pandoc_path(), "+RTS", f"-M{HEAP_LIMIT_MB}m", "-RTS", "--from", INPUT_FORMAT,
            "--to", "html5", "--wrap=none"]
    if options.math == "mathml":
        args.append("--mathml")
    elif options.math == "tex":  # --mathjax keeps the TeX itself, in \\(..\\) and \\[..\\]
        args.append("--mathjax")
    for lua in [*builtin_lua_filters(), *options.lua_filters]:
        args += ["--lua-filter", str(Path(lua).resolve())]  # pandoc may run elsewhere
    size = max(1, options.batch_size)
    starts = range(0, len(answers), size)
    jobs = job_count(options.jobs)
    results: list[list[str]] = []

    def convert(start: int) -> list[str]:
        return _convert_batch(args, list(answers[start:start + size]), start, on_failure)

    with ThreadPoolExecutor(max_workers=min(jobs, len(starts))) as pool:
        for done in pool.map(convert, starts):
            results.append(done)
            if progress is not None:
                progress(len(done))
    return [html for batch in results for html in batch]


class _Failed(Exception):
    """One pandoc run failed; the message says why, in one line."""


def _run(args: list[str], text: str, answers: int, cwd: str | None = None) -> str:
    try:
        proc = subprocess.run(args, input=text.encode("utf-8"), capture_output=True, cwd=cwd,
                              check=False, timeout=TIME_LIMIT + TIME_PER_ANSWER * answers)
    except subprocess.TimeoutExpired as exc:
        raise _Failed(f"pandoc took longer than {exc.timeout:.0f} s") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        if any("Heap exhausted" in line for line in message):
            raise _Failed(f"pandoc needed more than {HEAP_LIMIT_MB} MB of memory")
        raise _Failed("pandoc failed: " + (message[-1][:200] if message
                                           else f"exit {proc.returncode}"))
    return proc.stdout.decode("utf-8")


def _check_works(args: list[str]) -> None:
    """Raise BuildError when pandoc fails on a trivial answer (a failure of the set-up)."""
    try:
        _run(args, "x", 1)
    except _Failed as exc:
        raise BuildError(str(exc)) from None


# a footnote definition (`[^1]: ...`): pandoc numbers footnotes across a run and gathers them
# at its end, so such an answer is converted on its own
_FOOTNOTE = re.compile(r"^ {0,3}\[\^[^\]\n]+\]:", re.M)
# a code block's id and its lines' (`cb3`, `cb3-1`) in an id or a link to one
_CODE_ID = re.compile(r'(id="|href="#)cb(\d+)(?=[-"])')
# every code block pandoc writes, in order: a highlighted one in its numbered `div`, or a bare
# `pre` (which takes a number too, unseen)
_CODE_BLOCK = re.compile(r'(?:<div class="sourceCode" id="cb(\d+)">)?<pre\b')


def _own_code_numbers(fragment: str) -> str:
    """Code blocks numbered as pandoc numbers them in an answer converted alone: the k-th code
    block of the answer is `cbk`, whichever number the batch gave it."""
    if 'id="cb' not in fragment:
        return fragment
    numbers = {m.group(1): str(k) for k, m in enumerate(_CODE_BLOCK.finditer(fragment), 1)
               if m.group(1)}
    return _CODE_ID.sub(lambda m: f"{m.group(1)}cb{numbers.get(m.group(2), m.group(2))}",
                        fragment)


def scratch_folder() -> str | None:
    """Where a batch's answer files go: `/dev/shm` (memory) where it is a writable folder, else
    the system's temporary folder (None). A build creates and removes a file per answer; on a
    disk (ext4 measured here) that cost the kernel 4 to 7 s for the corpus against 0.3 s in
    memory, and the removed files slowed the creation of the build's own files after them."""
    return _MEMORY if os.path.isdir(_MEMORY) and os.access(_MEMORY, os.W_OK | os.X_OK) else None


_MEMORY = "/dev/shm"


def _run_batch(args: list[str], answers: list[str]) -> list[str] | None:
    """One pandoc run over `answers`, each read as a file of its own; the fragments, or None
    when the run fails or does not split back into one piece per answer."""
    token = "qt" + secrets.token_hex(8)
    marker = token.upper()
    with tempfile.TemporaryDirectory(prefix="qtconvert-batch-", dir=scratch_folder()) as folder:
        files = []  # named relative to `folder`, where pandoc runs: the prefixes hold the names
        Path(folder, "marker.md").write_text(marker + "\n", encoding="utf-8")
        for n, answer in enumerate(answers):
            Path(folder, f"{token}-{n}.md").write_text(answer, encoding="utf-8")
            files += [f"{token}-{n}.md", "marker.md"]
        try:
            html = _run([*args, "--file-scope", *files[:-1]], "", len(answers), cwd=folder)
        except _Failed:
            return None
    pieces = html.split(f"<p>{marker}</p>")
    if len(pieces) != len(answers):
        return None
    fragments = []
    for n, piece in enumerate(pieces):
        prefix = f"{token}-{n}md__"  # what --file-scope puts before the answer's identifiers
        piece = piece.replace(f'"{prefix}', '"').replace(f'"#{prefix}', '"#')
        fragments.append(_own_code_numbers(piece.strip()))
    return fragments


def _convert_batch(args: list[str], answers: list[str], start: int,
                   on_failure: Callable[[int, str], None] | None) -> list[str]:
    """The fragments of `answers` (numbered from `start`): one run for those that can share
    one, then one run per answer for the rest (and for all, if the shared run failed)."""
    fragments: list[str | None] = [None] * len(answers)
    shared = [n for n, a in enumerate(answers) if not _FOOTNOTE.search(a)]
    if len(shared) > 1:
        done = _run_batch(args, [answers[n] for n in shared])
        for n, fragment in zip(shared, done or ()):
            fragments[n] = fragment
    for n, answer in enumerate(answers):
        if fragments[n] is not None:
            continue
        try:
            fragments[n] = _run(args, answer, 1).strip()
        except _Failed as exc:
            _check_works(args)  # a broken Lua filter fails every answer: stop the build
            if on_failure is not None:
                on_failure(start + n, str(exc))
            fragments[n] = ('<pre class="qt-unconverted">' + html.escape(answer, quote=False)
                            + "</pre>")
    return [f for f in fragments if f is not None]


# pandoc writes a formula it leaves as TeX (`span.math`) between `\(..\)` or `\[..\]` (or the
# `$` delimiters it was given, when it could not convert it)
_MATH_DELIMITERS = re.compile(r"^\s*(\$\$|\$|\\\(|\\\[)(.*?)(\$\$|\$|\\\)|\\\])\s*$", re.S)


def span_tex(text: str) -> str:
    """The TeX of a pandoc math span's text, its delimiters removed."""
    m = _MATH_DELIMITERS.match(text)
    return (m.group(2) if m else text).strip()
