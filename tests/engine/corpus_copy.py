"""A small library copied from the shared corpus, the edits the engine tests make to it, and a
byte-for-byte comparison of two output folders."""

from __future__ import annotations

import os
import shutil
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import yaml
from conftest import CORPUS

from qtconvert.model.urls import CACHE_FOLDER, OUTPUT_MANIFEST, OUTPUT_MARKER
from qtconvert.output import WORK_FOLDER

LINKED = "accounting-and-finance"  # a subject whose articles link to each other
UNLINKED = "architecture"  # one whose articles link nowhere
# the output folder's own files: not output, and allowed to differ between two builds
OWN_FILES = {OUTPUT_MARKER, OUTPUT_MANIFEST, CACHE_FOLDER, WORK_FOLDER, ".qtconvert-journal"}


@dataclass(frozen=True)
class Library:
    """A copy of some corpus articles under `root/learn/<subject>/`."""

    root: Path

    def path(self, subject: str, slug: str) -> Path:
        return self.root / "learn" / subject / f"{slug}.md"

    def slugs(self, subject: str) -> list[str]:
        return sorted(p.stem for p in (self.root / "learn" / subject).glob("*.md"))

    def most_linked(self, exclude: frozenset[str] | set[str] = frozenset()) -> str:
        """The slug (in LINKED, not in `exclude`) that most other articles of the copy link
        to."""
        counts: dict[str, int] = {}
        for slug in self.slugs(LINKED):
            for target in related_slugs(front_matter(self.path(LINKED, slug))):
                if (self.path(LINKED, target).is_file() and target != slug
                        and target not in exclude):
                    counts[target] = counts.get(target, 0) + 1
        return max(sorted(counts), key=counts.__getitem__)

    def linking_to(self, target: str) -> list[str]:
        """The slugs (in LINKED) whose related links point at `target`."""
        return [s for s in self.slugs(LINKED)
                if s != target and target in related_slugs(front_matter(self.path(LINKED, s)))]


def copy_library(dest: Path, unlinked: int, linked: int) -> Library:
    """The first `unlinked` articles of UNLINKED and `linked` articles of LINKED that link to
    each other (a breadth-first walk over related links from the most linked-to article),
    copied to `dest` (the corpus itself is never edited)."""
    for subject, slugs in ((UNLINKED, sorted(p.stem for p in (CORPUS / "learn" / UNLINKED)
                                             .glob("*.md"))[:unlinked]),
                           (LINKED, _cluster(linked))):
        folder = dest / "learn" / subject
        folder.mkdir(parents=True)
        for slug in slugs:
            shutil.copyfile(CORPUS / "learn" / subject / f"{slug}.md", folder / f"{slug}.md")
    return Library(dest)


def _cluster(size: int) -> list[str]:
    folder = CORPUS / "learn" / LINKED
    links = {p.stem: [s for s in related_slugs(front_matter(p)) if (folder / f"{s}.md").is_file()]
             for p in sorted(folder.glob("*.md"))}
    inbound: dict[str, int] = {}
    for targets in links.values():
        for t in targets:
            inbound[t] = inbound.get(t, 0) + 1
    start = max(sorted(inbound), key=inbound.__getitem__)
    seen, queue = [start], deque([start])
    while queue and len(seen) < size:
        node = queue.popleft()
        for target in links[node] + [s for s, ts in links.items() if node in ts]:
            if target not in seen and len(seen) < size:
                seen.append(target)
                queue.append(target)
    return seen


# -- the article files ---------------------------------------------------------------------------

def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    _, meta, _ = text.split("---\n", 2)
    return yaml.safe_load(meta)


def write_front_matter(path: Path, meta: dict) -> None:
    """The site's layout: front matter, then `&nbsp;` as the body."""
    text = "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10**6)
    path.write_text(text + "---\n\n&nbsp;\n", encoding="utf-8")


def edit(path: Path, **fields: object) -> dict:
    """Set `fields` in the front matter of `path` (None removes one); returns the new meta."""
    meta = front_matter(path)
    for key, value in fields.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    write_front_matter(path, meta)
    return meta


def related_slugs(meta: dict) -> list[str]:
    return [str(meta[k]["url"]).rstrip("/").rsplit("/", 1)[-1]
            for k in (f"related_article{n}" for n in range(1, 6))
            if isinstance(meta.get(k), dict) and meta[k].get("url")]


def link_to(meta: dict) -> dict:
    """A `related_articleN` entry pointing at the article whose front matter is `meta`."""
    return {"id": meta["id"], "title": meta["title"], "subject": meta["subject"],
            "url": meta["url"]}


def free_related_key(meta: dict) -> str:
    return next(k for k in (f"related_article{n}" for n in range(1, 6)) if k not in meta)


# -- comparing output folders ------------------------------------------------------------------

def files_of(out: Path) -> dict[str, bytes]:
    """Every file of an output folder but its own (marker, manifest, cache...), by path."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(out):
        if Path(dirpath) == out:
            dirnames[:] = [d for d in dirnames if d not in OWN_FILES]
            filenames = [f for f in filenames if f not in OWN_FILES]
        for name in filenames:
            path = Path(dirpath, name)
            found[path.relative_to(out).as_posix()] = path.read_bytes()
    return found


def manifest_entries(out: Path) -> set[str]:
    """The files the manifest says qtconvert wrote (what `--clean` may remove)."""
    lines = (out / OUTPUT_MANIFEST).read_text(encoding="utf-8").splitlines()
    return {line.split("\t")[0] for line in lines if line and not line.startswith("#")}


def differences(got: Path, want: Path) -> list[str]:
    """How the output folder `got` differs from `want`, file by file (empty: byte-identical),
    and in what its manifest lists."""
    a, b = files_of(got), files_of(want)
    problems = [f"only in the incremental build: {p}" for p in sorted(a.keys() - b.keys())]
    problems += [f"only in the full build: {p}" for p in sorted(b.keys() - a.keys())]
    problems += [f"differs: {p} ({len(a[p])} bytes, full build {len(b[p])})"
                 for p in sorted(a.keys() & b.keys()) if a[p] != b[p]]
    listed, listed_full = manifest_entries(got), manifest_entries(want)
    if listed != listed_full:
        problems.append(f"manifests differ: {sorted(listed ^ listed_full)[:5]}")
    return problems
