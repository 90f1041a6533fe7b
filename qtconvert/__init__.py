"""qtconvert: QuickTakes Q&A articles to EPUB, PDF, JSON-LD and plain Markdown."""

from .model import DEFAULT_BASE_URL, Article, Collection, Diagnostic, RelatedLink
from .read import load

__version__ = "0.1.0"
__all__ = ["load", "Article", "Collection", "Diagnostic", "RelatedLink", "DEFAULT_BASE_URL",
           "__version__"]
