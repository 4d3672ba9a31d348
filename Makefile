# Two entry points, each sets itself up from this project's own files:
#   make run   -> venv, install, start the app on the built-in default dataset
#   make test  -> venv, install, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install torch==2.13.0
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

run: setup
	$(BIN)/streamlit run streamlit_app.py

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/train.py

clean:
	rm -rf $(VENV)
