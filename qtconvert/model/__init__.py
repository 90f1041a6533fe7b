"""The model: immutable data with no I/O (articles, collections, diagnostics, books) and the
grammar of the data (article addresses and anchors, safe output names, the plain-Markdown
layout). Every other stage imports it; it imports nothing of qtconvert."""

from .articles import (
           DEFAULT_BASE_URL,
           Article,
           Collection,
           Diagnostic,
           RelatedLink,
           Severity,
)
from .urls import anchor_for_url

__all__ = ["Article", "Collection", "Diagnostic", "RelatedLink", "Severity", "DEFAULT_BASE_URL",
           "anchor_for_url"]
