"""Test-side helpers for reference-vs-port comparisons (the comparison itself lives in tf2_port.verify)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from tf1_reference.builder import run_reference
from tf2_port.build import StackPort
from tf2_port.state import tf1_state_to_keras
from migrate.compare_sides import compare_spec  # noqa: F401
from tf2_port.verify import Comparison, compare_port, tf1_outputs_in_port_layout  # noqa: F401

SCRIPTS = Path(__file__).parent / "scripts"


def run_saved_port_in_fresh_process(spec, tmp_path, *, fast=False, backend="tensorflow"):
    """Save the port of a TF1 reference run as .keras, load and run it in a fresh process.

    The child has no TF_USE_LEGACY_KERAS and KERAS_BACKEND=backend; it runs
    tests/scripts/run_keras_file.py, whose JSON line is returned: backend,
    max |diff| against the TF1 outputs, whether tf_keras was imported, and the
    legacy flag it saw.
    """
    reference = run_reference(spec)
    port = StackPort(spec, fast=fast)
    port.set_tf1_variables(reference.variables)
    model_path, io_path = tmp_path / "port.keras", tmp_path / "io.npz"
    port.save(model_path)
    np.savez(io_path, inputs=reference.inputs, lengths=reference.sequence_length,
             expected=tf1_outputs_in_port_layout(spec, reference.outputs),
             *tf1_state_to_keras(spec, reference.initial_state))
    env = {k: v for k, v in os.environ.items() if k not in ("TF_USE_LEGACY_KERAS", "KERAS_BACKEND")}
    env["KERAS_BACKEND"] = backend
    run = subprocess.run([sys.executable, str(SCRIPTS / "run_keras_file.py"), str(model_path), str(io_path)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])
