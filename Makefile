# Two commands on a fresh machine:  make samples  (build content/ into out/)  and  make test.
# Both create .venv and install qtconvert with its test extra first (PyPI is needed once).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: samples test test-fast bench bench-scale clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e ".[test]"
	touch $(STAMP)

samples: $(STAMP)
	$(VENV)/bin/qtconvert build content --out out
	$(VENV)/bin/qtconvert build content --out out --format epub,pdf --quiet \
		--book content/recipes/quantitative-methods.toml

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

test-fast: $(STAMP)
	QTCONVERT_NO_CORPUS=1 $(VENV)/bin/python -m pytest -q -m "not slow"

# every benchmark but bench_scale, whose whole-corpus PDF takes hours (make bench-scale)
bench: $(STAMP)
	for script in tests/benchmarks/bench_*.py; do \
		case $$script in *bench_scale.py) ;; *) $(VENV)/bin/python $$script ;; esac; done

bench-scale: $(STAMP)
	$(VENV)/bin/python tests/benchmarks/bench_scale.py

clean:
	rm -rf out/epub out/pdf out/jsonld out/markdown
