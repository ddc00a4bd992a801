"""The port beyond one TensorFlow device: MirroredStrategy, and the JAX / PyTorch Keras backends.

Each case runs in a subprocess: logical devices and the Keras backend are
fixed when TensorFlow / Keras first initialize, long before a test runs.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tf1_reference.spec import DropoutSpec, LayerSpec, ResidualSpec, StackSpec

from equivalence import run_saved_port_in_fresh_process

SCRIPTS = Path(__file__).parent / "scripts"


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("TF_USE_LEGACY_KERAS", "KERAS_BACKEND")}
    env.update(extra)
    return env


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus_trains_like_one_device():
    run = subprocess.run([sys.executable, str(SCRIPTS / "mirrored_training.py")], capture_output=True,
                         text=True, env=_clean_env(), timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["variable_types"] == ["ResourceVariable", "MirroredVariable"]
    # Per-replica halves of each batch, gradients all-reduced: the same SGD steps up to
    # summation order. Measured: identical loss curves, trained weights within 1.5e-8.
    np.testing.assert_allclose(result["mirrored"], result["single"], rtol=0, atol=1e-6)
    assert result["trained_weight_max_diff"] < 1e-6
    assert result["single"][-1] < result["single"][0]


BACKEND_SPEC = StackSpec(
    layers=(LayerSpec("lstm", 6, use_peepholes=True, num_proj=4, cell_clip=1.0),
            LayerSpec("gru", 4, wrappers=(ResidualSpec(), DropoutSpec(output_keep_prob=0.5))),
            LayerSpec("basic_rnn", 3)),
    driver="bidirectional_dynamic_rnn", use_sequence_length=True, input_size=4,
)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_same_keras_file_gives_tf1_outputs_on_every_installed_backend(tmp_path, backend):
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"the {backend} backend is not installed (pip install '.[backends]')")
    result = run_saved_port_in_fresh_process(BACKEND_SPEC, tmp_path, backend=backend)
    assert result["backend"] == backend
    assert not result["tf_keras_loaded"] and result["legacy_keras_flag"] is None
    # float32 through 3 layers and both directions; backends order sums differently: 2e-6.
    assert result["max_diff"] <= 2e-6, result
