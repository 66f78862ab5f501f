# One venv, built from pyproject.toml; every target sets it up first.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# Debian's Chromium is a system package: root installs it, anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser run ingest test unit lint format evals bench studio clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

run: setup ## index the knowledge if needed, then serve the web page and API
	$(PY) -m bank_router.cli ingest
	$(VENV)/bin/uvicorn api.main:app --host $(HOST) --port $(PORT) --no-proxy-headers  # TRUSTED_PROXIES alone reads X-Forwarded-For

ingest: setup
	$(PY) -m bank_router.cli ingest

browser: ## Debian's Chromium for the web page's test (Playwright drives it; no browser is downloaded)
	@command -v chromium >/dev/null || $(SUDO) apt-get install -y -q chromium >/dev/null \
		|| { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium >/dev/null; }

test: setup browser ## unit and integration tests, then the eval gate
	$(PY) -m bank_router.cli ingest  # models and ./data's index once; the suite and the eval gate start from them
	$(PY) -m pytest -q -n auto --dist loadfile  # one worker per core; a module's servers stay on one worker
	$(PY) -m evals.run --split test --split support --split everyday_holdout --split attacks --split customers_holdout --split multipart --split multipart_holdout --gate --failures 0

unit: setup
	$(PY) -m pytest -q -n auto --dist loadfile -m "not integration"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

evals: setup ## scored report on the held-out split (and the training split)
	$(PY) -m evals.run --split test --split support --split everyday_holdout_full --split train --gate

bench: setup ## every benchmark: turns, HTTP, tools, SSE streams, the router against seed 000's single agent
	$(PY) -m evals.bench
	$(PY) -m evals.bench_tools
	$(PY) -m evals.bench_stream
	$(PY) -m evals.bench_store
	$(PY) -m evals.bench_load
	$(PY) -m evals.bench_llm

studio: setup ## LangGraph Studio against the router graph, offline
	$(VENV)/bin/langgraph dev --no-browser --allow-blocking --port 2025

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
