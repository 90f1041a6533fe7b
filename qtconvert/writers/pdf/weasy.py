"""The one module that renders with WeasyPrint: HTML + print stylesheet -> PDF file.

WeasyPrint fetches whatever a document names (images, stylesheets, fonts), from the network or
the disk. Answers are untrusted text, so `fetcher.LocalFetcher` refuses everything but `data:`
URLs and files inside the allowed folders (the package's `styles/` with its fonts, and the
folder of a stylesheet the user chose). `start_pdf` renders in a forked child process, so that all of a
volume's memory is returned when the child ends. The child dies with its parent, even one
killed by SIGKILL, and keeps its temporary files (WeasyPrint's fonts) in a folder the caller
names. WeasyPrint is imported only when a function here needs it (it takes a second), so
that importing the PDF format, as every command line does for its flags, stays quick.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import BuildError, UsageError
from ...executor import die_with_parent
from ...render.html_body import BLOCK_KEY
from .tag_repairs import repair_tags

if TYPE_CHECKING:
    from .fetcher import LocalFetcher

__all__ = ["Stylesheet", "RenderResult", "PdfJob", "supported_variants",
           "check_variant", "write_pdf", "start_pdf", "stylesheet_warnings", "page_starts"]


def supported_variants() -> tuple[str, ...]:
    """The PDF variants this WeasyPrint can write (`pdf/a-3b`, `pdf/ua-1`, ...)."""
    from weasyprint.pdf import VARIANTS

    return tuple(v for v in VARIANTS if v != "debug")


def check_variant(variant: str | None) -> str | None:
    """The variant, lower-cased; a UsageError naming the supported ones when it is unknown."""
    if not variant:
        return None
    supported = supported_variants()
    if variant.lower() not in supported:
        raise UsageError(f"unsupported PDF variant {variant!r} (supported: "
                         f"{', '.join(supported)})")
    return variant.lower()


@dataclass(frozen=True)
class Stylesheet:
    """A stylesheet's text and the file it stands for: its relative URLs resolve against that
    file, and the files of that file's folder may load (a path alone is read from the disk)."""

    text: str
    path: Path


def _sheet(sheet: Path | Stylesheet) -> Stylesheet:
    if isinstance(sheet, Stylesheet):
        return sheet
    return Stylesheet(Path(sheet).read_text(encoding="utf-8"), Path(sheet))


@dataclass(frozen=True)
class RenderResult:
    pages: int
    refused: tuple[str, ...]  #: URLs the fetcher refused
    warnings: tuple[str, ...]  #: what WeasyPrint logged as warnings or errors
    seconds: float = 0.0  #: time WeasyPrint took
    #: (page label, block key) for each page on which a marked block begins (`page_starts`)
    page_starts: tuple[tuple[str, str], ...] = ()


class _Collect(logging.Handler):
    """Keeps WeasyPrint's warnings for the caller instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_AT = re.compile(r",? at (\d+):(\d+)")


def stylesheet_warnings(sheet: Path) -> list[str]:
    """What WeasyPrint says while parsing the stylesheet `sheet`, one line each, as
    `FILE:LINE:COL: message`. WeasyPrint only logs a rule or declaration it drops (a grouped
    `@top-left, @top-right`, an unknown property), so without this nobody would see it."""
    import weasyprint

    from .fetcher import LocalFetcher

    logger, collect = logging.getLogger("weasyprint"), _Collect()
    logger.addHandler(collect)
    propagate, logger.propagate = logger.propagate, False
    try:
        weasyprint.CSS(string=Path(sheet).read_text(encoding="utf-8"),
                       base_url=Path(sheet).resolve().as_uri(),
                       url_fetcher=LocalFetcher([Path(sheet).resolve().parent]))
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    lines = []
    for message in collect.messages:
        where = _AT.search(message)
        place = f"{where.group(1)}:{where.group(2)}:" if where else ""
        text = " ".join(_AT.sub("", message, count=1).split()).rstrip(".")
        lines.append(f"{sheet}:{place} {text}")
    return lines


def write_pdf(html: str, target: Path, *, stylesheets: Sequence[Path | Stylesheet] = (),
              css: str = "", base_dir: Path, variant: str | None = None,
              roots: Sequence[Path] = ()) -> RenderResult:
    """Render `html` with `stylesheets`, then `css`, to the PDF file `target`.

    Relative URLs in the HTML resolve against `base_dir`. Only `data:` URLs and files under
    `base_dir`, the stylesheets' folders and `roots` load.
    """
    from .fetcher import LocalFetcher

    stylesheets = [_sheet(s) for s in stylesheets]
    folders = [base_dir, *(s.path.resolve().parent for s in stylesheets), *roots]
    fetcher = LocalFetcher(folders)
    variant = check_variant(variant)
    logger, collect = logging.getLogger("weasyprint"), _Collect()
    logger.addHandler(collect)
    propagate, logger.propagate = logger.propagate, False
    start = time.perf_counter()
    try:
        pages, starts = _render(html, target, stylesheets, css, base_dir, variant, fetcher)
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    return RenderResult(pages, tuple(fetcher.refused), tuple(collect.messages),
                        time.perf_counter() - start, starts)


class PdfJob:
    """A PDF being written by a child process; `result()` waits for it."""

    def __init__(self, process=None, conn=None, result: RenderResult | None = None) -> None:
        self._process, self._conn, self._result = process, conn, result

    def result(self) -> RenderResult:
        if self._result is None:
            try:
                status, value = self._conn.recv()
            except EOFError:  # killed, e.g. by the out-of-memory killer
                self._process.join()
                status, value = "error", BuildError(
                    f"the WeasyPrint process ended without a result (exit status "
                    f"{self._process.exitcode}); try a smaller --max-articles-per-volume")
            self._process.join()
            self._conn.close()
            if status == "error":
                raise value
            self._result = value
        return self._result

    def cancel(self) -> None:
        if self._result is None and self._process is not None:
            self._process.terminate()
            self._process.join()


def _child(conn, parent: int, temp_folder: Path | None, html: str, target: Path,
           options: dict) -> None:
    die_with_parent(parent)
    if temp_folder is not None:  # WeasyPrint's font folders go there
        tempfile.tempdir = os.environ["TMPDIR"] = str(temp_folder)
    try:
        conn.send(("ok", write_pdf(html, target, **options)))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        # an OSError goes back as it is: the caller names the file it was writing
        error = exc if isinstance(exc, (BuildError, UsageError, OSError)) else BuildError(
            f"WeasyPrint failed on {target.name}: {type(exc).__name__}: {exc}")
        conn.send(("error", error))
    finally:
        conn.close()


def start_pdf(html: str, target: Path, *, temp_folder: Path | None = None, **options) -> PdfJob:
    """`write_pdf` in a forked child process, whose temporary files go to `temp_folder`; in
    this process where fork does not exist or this process may have no children (a Dask
    worker is a daemon)."""
    if ("fork" not in multiprocessing.get_all_start_methods()
            or multiprocessing.current_process().daemon):
        return PdfJob(result=write_pdf(html, target, **options))
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, os.getpid(), temp_folder, html,
                                                   Path(target), options), daemon=True)
    process.start()
    send.close()
    return PdfJob(process, receive)


def _render(html: str, target: Path, stylesheets: Sequence[Stylesheet], css_text: str,
            base_dir: Path, variant: str | None, fetcher: LocalFetcher) -> int:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    base_url = Path(base_dir).resolve().as_uri() + "/"
    css = [weasyprint.CSS(string=s.text, base_url=s.path.resolve().as_uri(), url_fetcher=fetcher,
                          font_config=fonts) for s in stylesheets]
    if css_text:
        css.append(weasyprint.CSS(string=css_text, base_url=base_url, url_fetcher=fetcher,
                                  font_config=fonts))
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        stylesheets=css, font_config=fonts, pdf_variant=variant)
    pages = len(document.pages)
    starts = page_starts(document)
    document.write_pdf(target, pdf_variant=variant, finisher=repair_tags)
    del document, css, fonts
    gc.collect()  # a laid-out volume holds hundreds of MB in reference cycles
    return pages, starts


def page_starts(document) -> tuple[tuple[str, str], ...]:
    """(page label, block key) for each page of a laid-out WeasyPrint `Document` on which an
    element marked with `BLOCK_KEY` begins: the first such element, in reading order, that no
    earlier page held (a paragraph continued from the page before does not begin a page; a
    block WeasyPrint split into two elements with one key begins where its first part does).
    The label is the page's number as print.css prints it: `counter(page)`, never reset."""
    seen: set[str] = set()
    starts = []
    for number, page in enumerate(document.pages, 1):
        first = None
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            key = element.get(BLOCK_KEY) if element is not None else None
            if key is None or key in seen:
                continue
            seen.add(key)
            first = first or key
        if first is not None:
            starts.append((str(number), first))
    return tuple(starts)
