"""The one module that talks to pandoc: answer Markdown -> HTML fragments, in batches.

Starting pandoc costs far more than converting one answer, so answers go through in batches
(one pandoc process per `batch_size` answers, `jobs` processes at a time). Inside a batch the
answers are separated by marker paragraphs that no answer can contain; the HTML is split on them
again. When a batch does not split back into as many pieces as went in (an answer with an
unclosed code fence swallowed a marker), that batch is converted again one answer at a time.
"""

from __future__ import annotations

import re
import secrets
import subprocess
from collections.abc import Sequence
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
            progress=None) -> list[str]:
    """Convert each Markdown answer to an HTML fragment, in order.

    `progress`, when given, is called with the number of answers finished after each batch.
    """
    if not answers:
        return []
    args = [pandoc_path(), "--from", INPUT_FORMAT, "--to", "html5", "--wrap=none"]
    if options.math == "mathml":
        args.append("--mathml")
    elif options.math == "tex":  # --mathjax keeps the TeX itself, in \\(..\\) and \\[..\\]
        args.append("--mathjax")
    for lua in [*builtin_lua_filters(), *options.lua_filters]:
        args += ["--lua-filter", str(lua)]
    size = max(1, options.batch_size)
    batches = [list(answers[i:i + size]) for i in range(0, len(answers), size)]
    jobs = job_count(options.jobs)
    results: list[list[str]] = []
    with ThreadPoolExecutor(max_workers=min(jobs, len(batches))) as pool:
        for done in pool.map(lambda batch: _convert_batch(args, batch), batches):
            results.append(done)
            if progress is not None:
                progress(len(done))
    return [html for batch in results for html in batch]


def _run(args: list[str], text: str) -> str:
    proc = subprocess.run(args, input=text.encode("utf-8"), capture_output=True, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BuildError("pandoc failed: " + (message[-1] if message else f"exit {proc.returncode}"))
    return proc.stdout.decode("utf-8")


def _convert_batch(args: list[str], answers: list[str]) -> list[str]:
    if len(answers) == 1:
        return [_run(args, answers[0]).strip()]
    marker = "QTBATCH" + secrets.token_hex(8)
    separator = f"\n\n{marker}\n\n"
    html = _run(args, separator.join(answers))
    pieces = html.split(f"<p>{marker}</p>")
    if len(pieces) != len(answers):
        return [_run(args, answer).strip() for answer in answers]
    return [p.strip() for p in pieces]


# pandoc writes a formula it leaves as TeX (`span.math`) between `\(..\)` or `\[..\]` (or the
# `$` delimiters it was given, when it could not convert it)
_MATH_DELIMITERS = re.compile(r"^\s*(\$\$|\$|\\\(|\\\[)(.*?)(\$\$|\$|\\\)|\\\])\s*$", re.S)


def span_tex(text: str) -> str:
    """The TeX of a pandoc math span's text, its delimiters removed."""
    m = _MATH_DELIMITERS.match(text)
    return (m.group(2) if m else text).strip()
