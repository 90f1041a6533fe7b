"""`qtconvert verify`: check what a build wrote to OUT (EPUB, PDF, JSON-LD and sitemap,
Markdown, Anki) against the rules each destination applies, reading only the files in OUT.

    from qtconvert.verify import verify
    report = verify("out", formats=["epub"])
    for problem in report.problems:
        print(problem.line(report.out))
"""

from .core import Problem
from .report import FormatSummary, Report
from .runner import FORMATS, verify

__all__ = ["verify", "Report", "Problem", "FormatSummary", "FORMATS"]
