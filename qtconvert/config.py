"""Project configuration: `qtconvert.toml`, or `[tool.qtconvert]` in `pyproject.toml`.

A frozen dataclass and one validation function. Keys (all optional):

    base_url = "https://quicktakes.io"   # canonical address of the site
    filters = ["answer-links", "related-links"]   # the whole filter list, in order
    extra_filters = ["my_filters.py:shout"]       # appended to the list above
    disable_filters = ["answer-links"]            # removed from it
    lua_filters = ["filters/my.lua"]              # pandoc Lua filters run on every answer

A filter is named by its built-in name, by an entry point name in the `qtconvert.filters`
group, by `package.module:function`, or by `path/to/file.py:function` (relative to the
config file). Paths in the config are relative to the file they are written in.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .model import DEFAULT_BASE_URL

__all__ = ["Config", "load_config", "find_config"]

DEFAULT_FILTERS = ("answer-links", "related-links")
_KEYS = {"base_url", "filters", "extra_filters", "disable_filters", "lua_filters"}


@dataclass(frozen=True)
class Config:
    base_url: str = DEFAULT_BASE_URL
    filters: tuple[str, ...] = DEFAULT_FILTERS
    lua_filters: tuple[str, ...] = ()
    source: str = ""  # the file it came from ("" for the defaults)
    base_dir: Path = field(default_factory=Path.cwd)


def find_config(start: Path) -> Path | None:
    """`qtconvert.toml` in `start` or a parent; else a `pyproject.toml` with [tool.qtconvert]."""
    start = start.resolve()
    for folder in [start, *start.parents]:
        candidate = folder / "qtconvert.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = _read(pyproject)
            except ConfigError:
                continue  # someone else's broken pyproject.toml is not ours to judge
            if "qtconvert" in data.get("tool", {}):
                return pyproject
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load_config(path: str | Path | None = None, *, search_from: Path | None = None) -> Config:
    """Read and validate a config file; with no path, look for one from `search_from` up.

    No file found: the defaults.
    """
    file = Path(path) if path is not None else find_config(search_from or Path.cwd())
    if file is None:
        return Config()
    data = _read(file)
    if file.name == "pyproject.toml":
        data = data.get("tool", {}).get("qtconvert", {})
    return validate(data, file)


def validate(data: dict[str, Any], file: Path) -> Config:
    """Check every key and type; raise ConfigError naming the file and the key."""
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(f"{file}: unknown key {sorted(unknown)[0]!r} (known: "
                          f"{', '.join(sorted(_KEYS))})")

    def strings(key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = data.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{file}: {key} must be a list of strings")
        return tuple(value)

    base_url = data.get("base_url", DEFAULT_BASE_URL)
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{file}: base_url must be an http(s) address, got {base_url!r}")
    disabled = set(strings("disable_filters"))
    listed = set(strings("filters", DEFAULT_FILTERS) + strings("extra_filters"))
    if disabled - listed:
        raise ConfigError(f"{file}: disable_filters: {sorted(disabled - listed)[0]!r} is not a "
                          f"filter in use ({', '.join(sorted(listed))})")
    filters = [f for f in strings("filters", DEFAULT_FILTERS) + strings("extra_filters")
               if f not in disabled]
    base_dir = file.resolve().parent
    lua = []
    for name in strings("lua_filters"):
        path = (base_dir / name).resolve()
        if not path.is_file():
            raise ConfigError(f"{file}: lua_filters: {name} not found (looked at {path})")
        lua.append(str(path))
    return Config(base_url.rstrip("/"), tuple(filters), tuple(lua), str(file), base_dir)
