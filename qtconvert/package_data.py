"""Where the data folders that ship with qtconvert are: `filters/`, `styles/`, `content/`.

In the repository they sit beside the package; an installed wheel carries them inside it as
`qtconvert/filters` (the filters package, with its Lua filters), `qtconvert/styles` and
`qtconvert/content` (see pyproject.toml).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import UsageError

__all__ = ["data_dir", "stylesheet"]

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
