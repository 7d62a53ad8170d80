# Citewise: `make demo` and `make test` do all set-up on a fresh machine.
VENV := .venv
PY := $(VENV)/bin/python
SHARED ?= ../shared
HOTPOT ?= $(SHARED)/eval/hotpotqa100
NEWS ?= $(SHARED)/eval/realtimeqa2022

.DEFAULT_GOAL := help
.PHONY: help setup demo test test-fast bench bench-quick bench-ingest bench-query bench-devsets bench-encoders bench-abstention bench-support bench-verify bench-api bench-reader reader-data train-reader lint clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

setup: ## Create .venv and install everything (CPU torch first); a no-op when up to date
	@bash scripts/setup.sh

demo: setup ## Index the bundled sample corpus into a demo store and open the web UI
	$(VENV)/bin/citewise demo

test: setup ## Run the whole test suite (unit, integration, browser)
	@bash scripts/test-deps.sh
	$(PY) -m pytest -m "" -q

test-fast: setup ## Run only the fast unit tests
	$(PY) -m pytest -m "not slow and not integration and not browser" -q

bench: setup ## Every benchmark (~30 min); results in bench/results/
	$(PY) -m bench --dataset $(HOTPOT)

bench-quick: setup ## A reduced run of every benchmark (~2 min), headline figures as JSON
	$(PY) -m bench --quick --json --dataset $(HOTPOT)

bench-ingest: setup ## Ingestion throughput: raw encoder vs citewise vs plain LangChain (hotpotqa100)
	$(PY) -m bench.ingest --dataset $(HOTPOT)

bench-query: setup ## search/ask latency beside plain LangChain similarity_search (hotpotqa100)
	$(PY) -m bench.query --dataset $(HOTPOT)

bench-encoders: setup ## Encoder backends side by side: chunks/s, query ms, tokens per document by chunking, quality on both dev sets
	$(PY) -m bench.encoders --dataset $(HOTPOT) --dataset $(NEWS) --quality

bench-devsets: setup ## Every quality figure on both dev sets, defaults (profile auto) and the general profile
	$(PY) -m bench.devsets --dataset $(NEWS) --dataset $(HOTPOT) --variant "" --variant profile=general

bench-abstention: setup ## Refit the abstention model on both dev sets and report it leave-one-set-out
	$(PY) -m bench.abstention --dataset $(NEWS) --dataset $(HOTPOT) --write

bench-api: setup ## 16 concurrent API clients x 10 questions against one server (errors, mixed answers, p95)
	$(PY) -m bench.api

bench-reader: setup ## The reader's weights fitted leave-one-set-out, then each use on and off on both dev sets
	$(PY) -m bench.reader --dataset $(NEWS) --dataset $(HOTPOT)

reader-data: setup ## Convert fetched public QA data (RAW=folder) into training/data/ (docs/models.md)
	$(PY) -m training.reader_data --raw $(RAW)

train-reader: setup ## Train the reader (cross-encoder) on training/data/ (~49 min, 2 cores) and export it into rag/reading/model/
	$(PY) -m training.train_reader
	$(PY) -m training.export_reader

bench-verify: setup ## Claim checks on human judgements (attribution-dev, 5-fold), the conflict set, made pairs
	$(PY) -m bench.verify --attribution $(SHARED)/eval/attribution-dev --conflicts $(NEWS) --pairs $(HOTPOT)

bench-support: setup ## Refit the support checker on attribution-dev; cross-validated beside the rules
	$(PY) -m bench.support --dataset $(SHARED)/eval/attribution-dev --news $(NEWS) --write

lint: setup ## ruff check
	$(VENV)/bin/ruff check index rag ui tests bench

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
