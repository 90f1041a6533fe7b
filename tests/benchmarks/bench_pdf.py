"""Build the PDF of one corpus subject; time WeasyPrint alone on the same final HTML; print both.

Usage: python tests/benchmarks/bench_pdf.py [SUBJECT] [CORPUS] [MAX_PER_VOLUME]
       (defaults: medicine, ../shared/corpus, the build's default of 800)

The floor is WeasyPrint by itself turning the final HTML of every volume into PDF with the same
stylesheet. What the build adds on top is reading, pandoc, math SVG and HTML assembly. The
figures that matter are the ratio (target: at most 1.15x) and the peak memory of the build
(target: under 2 GB: the largest of the build's main process and its children, which include
the process that lays out each volume). Each side runs in a fresh child process.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path


def _build(corpus: str, subject: str, out: str, dump: str, per_volume: int | None, queue) -> None:
    import json
    import os

    from qtconvert.build import build
    from qtconvert.writers import BuildOptions
    from qtconvert.writers.pdf import weasy

    real = weasy.start_pdf

    class Job:  # records what WeasyPrint reported for the volume, beside its HTML
        def __init__(self, job, record):
            self.job, self.record = job, record

        def result(self):
            result = self.job.result()
            self.record["pages"], self.record["seconds"] = result.pages, result.seconds
            Path(self.record["html"]).with_suffix(".json").write_text(json.dumps(self.record))
            return result

        def cancel(self):
            self.job.cancel()

    def spy(html, target, **kwargs):  # keep each volume's final HTML for the floor run
        # the volumes are units made in the build's worker processes (forked after this patch):
        # what they record goes through files
        t = time.perf_counter()
        path = Path(dump) / f"volume-{os.getpid()}-{time.monotonic_ns()}.html"
        path.write_text(html, encoding="utf-8")
        record = {"html": str(path), "css": kwargs.get("css", ""),
                  "dump_seconds": time.perf_counter() - t}
        return Job(real(html, target, **kwargs), record)

    weasy.start_pdf = spy
    extra = {} if per_volume is None else {"format_options": {
        "pdf": {"max_articles_per_volume": per_volume}}}
    t = time.perf_counter()
    result = build(corpus, out, BuildOptions(formats=("pdf",), subjects=(subject,), **extra))
    records = [json.loads(p.read_text()) for p in sorted(Path(dump).glob("*.json"))]
    volumes = [[r["html"], r["css"], r["pages"], r["seconds"]] for r in records]
    took = time.perf_counter() - t - sum(r["dump_seconds"] for r in records)
    queue.put({"seconds": took, "volumes": volumes, "files": [str(p) for p in result.written],
               "articles": len(result.collection.by_subject(subject)),
               "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               "child_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss})


def _floor(volumes: list, stylesheet: str, styles: str, out: str, queue) -> None:
    import weasyprint

    t = time.perf_counter()
    for n, (html_path, css, *_) in enumerate(volumes, 1):
        sheets = [weasyprint.CSS(filename=stylesheet), weasyprint.CSS(string=css)]
        html = Path(html_path).read_text(encoding="utf-8")
        weasyprint.HTML(string=html, base_url=Path(styles).as_uri() + "/").write_pdf(
            Path(out) / f"floor{n}.pdf", stylesheets=sheets)
    queue.put({"seconds": time.perf_counter() - t,
               "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})


def _child(target, *args) -> dict:
    queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    subject = sys.argv[1] if len(sys.argv) > 1 else "medicine"
    corpus = sys.argv[2] if len(sys.argv) > 2 else str(
        Path(__file__).resolve().parents[2].parent / "shared" / "corpus")
    per_volume = int(sys.argv[3]) if len(sys.argv) > 3 else None
    from qtconvert.package_data import data_dir

    styles = data_dir("styles")
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp, "html")
        dump.mkdir()
        built = _child(_build, corpus, subject, str(Path(tmp, "out")), str(dump), per_volume)
        floor = _child(_floor, built["volumes"], str(styles / "print.css"), str(styles), tmp)
    pages = sum(v[2] for v in built["volumes"])
    render = sum(v[3] for v in built["volumes"])
    print(f"subject: {subject}, {built['articles']:,} articles, {len(built['volumes'])} "
          f"volume(s), {pages:,} pages")
    print(f"qtconvert build (read + pandoc + math + HTML + WeasyPrint): {built['seconds']:.1f} s"
          f"  (of which WeasyPrint {render:.1f} s)")
    print(f"WeasyPrint alone on the same HTML:                          {floor['seconds']:.1f} s")
    print(f"ratio: {built['seconds'] / floor['seconds']:.2f}x (target <= 1.15x)")
    peak = max(built["maxrss_kb"], built["child_maxrss_kb"])
    print(f"peak memory: build {peak / 1024:,.0f} MB (main process "
          f"{built['maxrss_kb'] / 1024:,.0f} MB, largest child, a WeasyPrint volume or pandoc: "
          f"{built['child_maxrss_kb'] / 1024:,.0f} MB); WeasyPrint alone "
          f"{floor['maxrss_kb'] / 1024:,.0f} MB (target < 2,048 MB)")


if __name__ == "__main__":
    main()
