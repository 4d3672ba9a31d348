# Two entry points, each sets itself up from this project's own files:
#   make run   -> venv, install, start the app on the built-in default dataset (trains it on first start)
#   make test  -> venv, install, Debian packages the tests read (when missing), the whole test suite
# `make run ARGS="--server.port 8600"` passes options to streamlit.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: setup system-packages run test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install torch==2.13.0
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

# Chromium (browser tests) and dataset-fashion-mnist, via apt-get only when missing.
system-packages:
	scripts/system-packages.sh

run: setup
	$(BIN)/streamlit run streamlit_app.py $(ARGS)

test: setup system-packages
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/train.py

clean:
	rm -rf $(VENV)
