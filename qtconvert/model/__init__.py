"""The model: immutable data with no I/O, and the grammar of the data (article
URLs and anchors, output names, the plain-Markdown layout)."""

from .articles import *  # noqa: F401,F403
from .articles import __all__
