# sce_mae_mm: set-up, quick start and tests. See README.md.
PY := .venv/bin/python

.PHONY: setup quickstart test lint clean-venv

setup:
	bash tools/setup_env.sh

quickstart: setup
	$(PY) tools/quickstart.py

test: setup
	$(PY) -m pytest tests

lint:
	$(PY) -m flake8 sce_mae_mm tools tests configs projects
	$(PY) -m isort --check-only sce_mae_mm tools tests configs projects

clean-venv:
	rm -rf .venv
