# Two commands for a newcomer: `make run` and `make test`. Both create .venv on first use.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
ADDRESS ?= 127.0.0.1
PORT    ?= 8501

.PHONY: run test lint cli clean

# Some images set PYTHONDONTWRITEBYTECODE, and pip installs here without compiling: then every
# process the tests start (the app's servers, the stand-in's worker, the pools) compiled torch's
# modules again from source, seconds each. Python may keep what it compiles inside .venv.
unexport PYTHONDONTWRITEBYTECODE

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --no-compile -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	$(PY) -m streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT)

cli: $(STAMP)
	$(PY) -m engine compare

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -n 2 --dist loadfile -m "not quiet"
	$(PY) -m pytest -m quiet

lint: $(STAMP)
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache artifacts
