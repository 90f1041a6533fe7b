"""A shard's NDJSON lines as the build cache keeps them: their digest, not their bytes.

A subject's `all.ndjson` is its shards' lines, in order, and a rebuild needs those lines again
whenever one article of the site changed (the site's `all.ndjson` holds every subject's). The
lines are about 7 KB an article, 60 MB for the corpus: a third of what a cold build would store
in the cache. So the cache keeps their count, size and SHA-256 (`KeptLines`), and a rebuild
takes them from the bundle in OUT that holds them (`from_bundle`), checked against that digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["KeptLines", "from_bundle", "line_starts"]


@dataclass(frozen=True)
class KeptLines:
    """`count` lines (each ending with a newline), `size` bytes in all, with this `sha256`."""

    count: int
    size: int
    sha256: str

    @classmethod
    def of(cls, lines: bytes) -> KeptLines:
        """The digest of `lines`."""
        return cls(lines.count(b"\n"), len(lines), hashlib.sha256(lines).hexdigest())


def from_bundle(kept: KeptLines, bundle: bytes, starts: list[int], step: int) -> bytes | None:
    """The lines `kept` describes, found in `bundle` (whose lines start at the offsets
    `starts`, with the end of `bundle` last) at a line that is a multiple of `step` (where a
    shard's lines begin); None when they are not there as they were."""
    lines = len(starts) - 1
    for first in range(0, lines - kept.count + 1, step):
        begin, end = starts[first], starts[first + kept.count]
        if end - begin == kept.size:
            found = bundle[begin:end]
            if hashlib.sha256(found).hexdigest() == kept.sha256:
                return found
    return None


def line_starts(bundle: bytes) -> list[int]:
    """The offset of each line of `bundle`, and its length last (for `from_bundle`)."""
    starts = [0]
    find, at = bundle.find, 0
    while (at := find(b"\n", at) + 1) > 0:
        starts.append(at)
    if starts[-1] != len(bundle):  # a last line without its newline
        starts.append(len(bundle))
    return starts
