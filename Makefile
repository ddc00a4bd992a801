# The two commands the README leads with. Each does its own set-up on a fresh
# machine: create .venv if missing, install the project with the extras it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-tf-dev-backends

.PHONY: test demo install clean chromium

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[tf,dev,backends]'
	touch $(STAMP)

test: $(STAMP) chromium
	$(PY) -m pytest $(PYTEST_ARGS)

# tests/test_examples_reading.py renders the examples page in Debian's headless chromium.
# Idempotent: installs only when absent (needs root, as on CI machines).
chromium:
	command -v chromium >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

demo: $(STAMP)
	$(VENV)/bin/tf1-migrate demo

clean:
	rm -rf $(VENV) build *.egg-info
