# The two commands the README leads with. Each does its own set-up on a fresh
# machine: create .venv if missing, install the project with the extras it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-tf-dev-backends

.PHONY: test demo install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[tf,dev,backends]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	$(PY) -m tf1_reference.demo

clean:
	rm -rf $(VENV) build *.egg-info
