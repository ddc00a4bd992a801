"""Reference vs port: run a spec through TF1 and through Keras 3, report per-tensor max |diff|.

This is the one place that links both sides. It imports the TF1 reference
(and with it legacy Keras) only when a comparison runs, so importing
``tf2_port`` never loads ``tf_keras``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tf1_reference.spec import StackSpec
from tf2_port.build import StackPort
from tf2_port.state import keras_state_to_tf1, tf1_state_to_keras

# Round-off allowances used by the equivalence suite and `tf1-migrate verify`.
# float32: TF1 computes concat([x, h]) @ W in one matmul, Keras x @ K + h @ R, so
# sums round differently (measured <= 4e-7 on unit-scale values); float64: the
# same at 1e-16 relative. Both scale with the magnitude of the values.
TOLERANCES = {"float32": 1e-6, "float64": 1e-14}


def tf1_outputs_in_port_layout(spec: StackSpec, outputs: Any) -> np.ndarray:
    """TF1 driver outputs -> one array in the port's layout (bidirectional: ``concat(fw, bw)``)."""
    if spec.is_static:
        return np.stack(outputs, axis=1)
    if spec.driver == "bidirectional_dynamic_rnn":
        return np.concatenate(outputs, axis=-1)
    return np.asarray(outputs)


def _leaves(structure: Any) -> list[np.ndarray]:
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _leaves(item)]
    return [np.asarray(structure)]


@dataclass
class Comparison:
    """One reference-vs-port run: the arrays and the per-tensor max |diff|."""

    spec: StackSpec
    reference: Any
    port_outputs: np.ndarray
    port_state: Any
    diffs: dict[str, float] = field(default_factory=dict)

    @property
    def max_diff(self) -> float:
        return max(self.diffs.values())

    @property
    def tolerance(self) -> float:
        # Relative round-off grows with magnitude (relu stacks are unbounded).
        scale = max(1.0, float(np.max(np.abs(self.port_outputs))))
        return TOLERANCES[self.spec.dtype] * scale

    @property
    def passed(self) -> bool:
        return self.max_diff <= self.tolerance


def compare_port(spec: StackSpec, reference: Any, *, fast: bool = False, training: bool = False) -> Comparison:
    """Load ``reference.variables`` into a port of ``spec``, run it on the reference's feeds, compare."""
    port = StackPort(spec, fast=fast)
    port.set_tf1_variables(reference.variables)
    result = port(
        reference.inputs,
        initial_state=tf1_state_to_keras(spec, reference.initial_state),
        sequence_length=reference.sequence_length,
        training=training,
    )
    port_outputs = np.asarray(result[0])
    port_state = keras_state_to_tf1(spec, [np.asarray(s) for s in result[1:]])
    expected_outputs = tf1_outputs_in_port_layout(spec, reference.outputs)
    if port_outputs.shape != expected_outputs.shape:
        raise ValueError(
            f"Port outputs have shape {port_outputs.shape}, expected the reference's {expected_outputs.shape}."
        )
    diffs = {"outputs": float(np.max(np.abs(port_outputs - expected_outputs)))}
    expected_leaves, got_leaves = _leaves(reference.final_state), _leaves(port_state)
    if len(expected_leaves) != len(got_leaves):
        raise ValueError(f"Port state has {len(got_leaves)} tensors, expected {len(expected_leaves)}.")
    for index, (got, expected) in enumerate(zip(got_leaves, expected_leaves)):
        if got.shape != expected.shape:
            raise ValueError(f"Port state[{index}] has shape {got.shape}, expected {expected.shape}.")
        diffs[f"state[{index}]"] = float(np.max(np.abs(got - expected)))
    return Comparison(spec, reference, port_outputs, port_state, diffs)


def compare_spec(spec: StackSpec, *, fast: bool = False, seed: int = 0, training: bool = False,
                 reference: Any = None) -> Comparison:
    """Build and run the TF1 reference of ``spec`` (random weights, inputs, state), then compare."""
    if reference is None:
        from tf1_reference.builder import run_reference  # legacy Keras: only when comparing

        reference = run_reference(spec, seed=seed)
    return compare_port(spec, reference, fast=fast, training=training)


def format_diff_table(rows: list[tuple[str, Comparison]]) -> str:
    """A text table: name, dtype, outputs max |diff|, worst state max |diff|, tolerance, verdict."""
    header = f"{'case':<34} {'dtype':<8} {'outputs':>10} {'states':>10} {'tolerance':>10}  result"
    lines = [header, "-" * len(header)]
    for name, comparison in rows:
        states = max((v for k, v in comparison.diffs.items() if k != "outputs"), default=0.0)
        lines.append(
            f"{name:<34} {comparison.spec.dtype:<8} {comparison.diffs['outputs']:>10.1e} {states:>10.1e} "
            f"{comparison.tolerance:>10.1e}  {'ok' if comparison.passed else 'FAIL'}"
        )
    return "\n".join(lines)


__all__ = ["Comparison", "TOLERANCES", "compare_port", "compare_spec", "format_diff_table",
           "tf1_outputs_in_port_layout"]
