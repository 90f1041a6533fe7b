"""The external PDF/UA validators, each run when installed: page-validation (`pip install
page-validation`, a Rust PDF/UA-1 validator with Python bindings that runs offline) and veraPDF
(`verapdf` on PATH, the veraPDF consortium's Java reference validator)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from .core import ERROR, WARNING, Options, Problem

__all__ = ["page_missing", "page_task", "page_problems", "verapdf_missing", "verapdf_task",
           "verapdf_messages", "VERAPDF_TIMEOUT"]

FORMAT = "pdf"
VERAPDF_TIMEOUT = 1800  # seconds; a volume of a thousand questions is thousands of pages
_VERAPDF_FLAVOUR = {"1": "ua1", "2": "ua2"}


def page_missing(part: str) -> str | None:
    """Why page-validation cannot check a file claiming PDF/UA `part`, or None when it can."""
    try:
        import page  # the package page-validation
    except ImportError:
        page = None
    if not hasattr(page, "validate_pdf"):  # `page` is a common name: another package has it
        return "the page-validation package is not installed (pip install page-validation)"
    if part != "1":
        return f"page-validation knows PDF/UA-1 only (the file claims part {part or '?'})"
    return None


def page_task(options: Options, name: str) -> list[Problem]:
    return [Problem(name, FORMAT, "page-validation", message, severity)
            for message, severity in page_problems(options.out / name)]


def page_problems(path: Path) -> list[tuple[str, str]]:
    """(message, severity) per PDF/UA-1 rule page-validation finds broken: its rule id, what it
    says of the first failure, and how many checks of all rules failed."""
    import page

    try:
        report = page.validate_pdf(str(path), profile="ua1")
    except page.SafetyLimitError as exc:
        return [(f"not run to the end: the file exceeds one of its safety limits ({exc})",
                 WARNING)]
    except page.PageError as exc:
        return [(f"page-validation cannot read it: {exc}", ERROR)]
    if report.is_compliant:
        return []
    more = report.checks.failed > len(report.failures)  # it names a rule's first failure only
    total = f" (first case shown; {report.checks.failed} failed checks in the file)" if more else ""
    found = [(f"{f.rule_id}: {f.message}{total}", ERROR) for f in report.failures]
    return found or [(f"not PDF/UA-1 compliant ({report.checks.failed} failed checks)", ERROR)]


def verapdf_missing(part: str) -> str | None:
    """Why veraPDF cannot check a file claiming PDF/UA `part`, or None when it can."""
    if shutil.which("verapdf") is None:
        return "`verapdf` is not on PATH (install veraPDF, a Java application, to run it)"
    if part not in _VERAPDF_FLAVOUR:
        return f"veraPDF has no profile for PDF/UA part {part or '?'}"
    return None


def verapdf_task(options: Options, name: str, part: str) -> list[Problem]:
    """veraPDF's failed rules for the file's PDF/UA part, one Problem each."""
    path = options.out / name
    try:
        proc = subprocess.run([shutil.which("verapdf") or "verapdf", "--format", "json",
                               "--flavour", _VERAPDF_FLAVOUR[part], str(path)],
                              capture_output=True, timeout=VERAPDF_TIMEOUT)
    except subprocess.TimeoutExpired:
        return [Problem(name, FORMAT, "verapdf", f"gave no answer in {VERAPDF_TIMEOUT} s",
                        ERROR)]
    try:
        messages = verapdf_messages(json.loads(proc.stdout))
    except ValueError:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        messages = [(f"veraPDF gave no report (exit {proc.returncode}): "
                     f"{detail[-1] if detail else 'no output'}", ERROR)]
    return [Problem(name, FORMAT, "verapdf", message, severity)
            for message, severity in messages]


def verapdf_messages(report: dict) -> list[tuple[str, str]]:
    """(message, severity) per failed rule in veraPDF's JSON report of one file."""
    found = []
    for job in report.get("report", {}).get("jobs", []):
        exception = job.get("taskException")
        if exception:
            found.append((f"veraPDF could not check it: {exception.get('exception', exception)}",
                          ERROR))
        results = job.get("validationResult") or []  # a list since veraPDF 1.24, else one
        for result in results if isinstance(results, list) else [results]:
            found += [(_rule_message(rule), ERROR)
                      for rule in (result.get("details") or {}).get("ruleSummaries") or []
                      if _failed(rule.get("status", rule.get("ruleStatus")))]
    return found


def _failed(status) -> bool:
    return str(status or "").lower() == "failed"


def _rule_message(rule: dict) -> str:
    """The specification, clause and test number, what the rule requires, how many checks
    failed, and the first failure's message and place."""
    first = next((c for c in rule.get("checks") or [] if _failed(c.get("status"))), {})
    detail = first.get("errorMessage") or ""
    where = f" at {first['context']}" if first.get("context") else ""
    requirement = " ".join(str(rule.get("description", "")).split())
    return (f"{rule.get('specification', '')} {rule.get('clause')}-{rule.get('testNumber')}: "
            f"{requirement} ({rule.get('failedChecks', '?')} failed checks"
            + (f"; first: {detail}{where}" if detail else "") + ")")
