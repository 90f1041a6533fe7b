"""Reading: files -> Collection (front matter, the site's answer encoding, recipes)."""

from .articles import load, parse_article, read_article

__all__ = ["load", "read_article", "parse_article"]
