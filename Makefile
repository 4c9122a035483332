# sce_mae_mm: set-up, quick start and tests. See README.md.
PY := .venv/bin/python
# the oldest claimed stack (requirements/compat.txt), in its own environment
COMPAT_VENV ?= .venv-compat
COMPAT_PYTHON ?= python3.9

.PHONY: setup quickstart test test-wheel setup-compat test-compat lint clean-venv

setup:
	bash tools/setup_env.sh

quickstart: setup
	$(PY) tools/quickstart.py

# the suite in a random order (pytest-random-order), then the built wheel
# outside the clone (tools/check_wheel.sh). The order's seed is printed
# first; `make test SEED=N` replays the order of seed N.
ifndef SEED
SEED := $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
endif
test: setup
	@echo "test order: --random-order-seed=$(SEED) (replay: make test SEED=$(SEED))"
	$(PY) -m pytest tests --random-order-bucket=global --random-order-seed=$(SEED)
	bash tools/check_wheel.sh

test-wheel: setup
	bash tools/check_wheel.sh

setup-compat:
	VENV="$(abspath $(COMPAT_VENV))" LOCK="$(CURDIR)/requirements/compat.txt" \
	  PYTHON="$(COMPAT_PYTHON)" bash tools/setup_env.sh

test-compat: setup-compat
	SCE_MAE_MM_LOCK="$(CURDIR)/requirements/compat.txt" \
	  $(COMPAT_VENV)/bin/python -m pytest tests

lint:
	$(PY) -m flake8 sce_mae_mm tools tests configs setup.py
	$(PY) -m isort --check-only sce_mae_mm tools tests configs setup.py

clean-venv:
	rm -rf .venv
