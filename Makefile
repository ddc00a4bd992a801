# The two commands the README leads with. Each does its own set-up on a fresh
# machine: create .venv if missing, install the project with the extras it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-tf-reference-dev-backends

.PHONY: test demo install clean chromium bench

install: $(STAMP)

$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[tf,reference,dev,backends]'
	touch $(STAMP)

test: $(STAMP) chromium
	$(PY) -m pytest $(PYTEST_ARGS)

# tests/test_examples_reading.py renders the examples page in Debian's headless chromium.
# Idempotent: installs only when absent (needs root, as on CI machines).
chromium:
	command -v chromium >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

demo: $(STAMP)
	$(VENV)/bin/tf1-migrate demo

# The benchmark suite of issue 8 with modest settings (~10 min on 2 cores; numbers go to
# bench/RESULTS.md by hand). PyTorch and JAX are optional: absent ones are reported and skipped.
bench: $(STAMP)
	@$(PY) -c "import importlib.util as u; [print(f'bench: {m} ' + ('installed' if u.find_spec(m) else 'absent: its contenders are skipped')) for m in ('torch', 'jax')]; print('bench: jax has no contender in bench/ yet (single unpaired runs in RESULTS.md)')"
	$(PY) bench/rnn_speed.py --rounds 3 --train-steps 4 --infer-steps 8
	$(PY) bench/codemod_speed.py --rounds 2
	$(PY) bench/stdlib_speed.py --rounds 2
	$(PY) bench/checkpoint_speed.py --layers 4 --units 2048
	$(PY) bench/equivalence_table.py

clean:
	rm -rf $(VENV) build *.egg-info
