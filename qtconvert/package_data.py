"""Where the data folders that ship with qtconvert are: `filters/`, `styles/`, `content/`.

In the repository they sit beside the package; an installed wheel carries them inside it as
`qtconvert/filters` (the filters package, with its Lua filters), `qtconvert/styles` and
`qtconvert/content` (see pyproject.toml).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import UsageError

__all__ = ["data_dir", "stylesheet", "code_fingerprint"]

_INSTALLED = {"filters": "filters", "styles": "styles", "content": "content"}


@cache
def data_dir(name: str) -> Path:
    """The folder `name` ("filters", "styles" or "content"), installed or in the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / _INSTALLED[name], here.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"qtconvert's {name}/ folder is missing from this installation")


def stylesheet(chosen: str | Path | None, default: str) -> Path:
    """The stylesheet a book format uses: `chosen` (`--stylesheet`) when given, else the
    packaged `styles/<default>`; a UsageError when it is not a file."""
    path = Path(chosen) if chosen is not None else data_dir("styles") / default
    if not path.is_file():
        raise UsageError(f"--stylesheet {path}: no such file")
    return path


@cache
def code_fingerprint() -> str:
    """A hash of the code and data that shape qtconvert's output: its version, the versions of
    the libraries that write the formats, and the bytes of its own modules, Lua filters,
    stylesheets and fonts. Part of every cache key, so an upgrade (or an edited checkout)
    never reuses work an older one did."""
    import hashlib
    import sys
    from importlib import metadata

    h = hashlib.sha256(f"python {sys.version_info[:2]}\n".encode())
    for dist in ("qtconvert", "pypandoc_binary", "pypandoc", "weasyprint", "pydyf", "ebooklib",
                 "genanki", "ziamath", "latex2mathml"):
        try:
            h.update(f"{dist} {metadata.version(dist)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist} -\n".encode())
    package = Path(__file__).resolve().parent
    folders = dict.fromkeys([package, data_dir("filters"), data_dir("styles")])
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                h.update(str(path.relative_to(folder)).encode() + b"\0")
                h.update(path.read_bytes())
    return h.hexdigest()
