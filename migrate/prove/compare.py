"""Comparing two runs' recorded ``Session.run`` results, value by value (NumPy only).

A recorded call is ``{"call": n, "structure": ..., "leaves": [{"path", "label", "kind",
"value", "random_op"}, ...]}`` (see :mod:`migrate.prove.hooks`). Structures compare with lists
and tuples alike (an ``LSTMStateTuple`` is the pair (c, h) whatever class holds it); leaves
compare by kind:

- floating arrays: same shape and dtype, NaNs in the same places, and
  ``max |reference - candidate| <= tolerance * max(1, max |reference|)``;
- integer, boolean, string and bytes values: exactly equal;
- fetched operations (a train op, an initializer) give ``None`` on both sides;
- summaries: scalars compare as float32 values, histograms by TF1's statistics (min, max, count,
  sum, sum of squares; computed from the values a migrated program returns); other summaries
  (images, audio) and the path a ``Saver`` returns (often with a time stamp) are listed, not
  compared.

With dropout kept on (``keep_dropout``), values are random on both sides: only shapes and
dtypes are compared.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

# Default tolerances, relative to max(1, max |reference value|). The rewritten cells compute
# TF1's joined [x, h] @ W as x @ W_x + h @ W_h, which rounds differently: single forward
# passes differ by ~1e-7 in float32 and ~1e-16 in float64, and 20 training steps measured on
# the fixture corpus stay below ~1e-6 / 1e-14. 1e-5 (float32) and 1e-10 (float64) leave ten to
# a hundred times that margin for longer trajectories, and stay far below what a real
# migration error gives: a gate out of order or a (c, h) swap moves values by ~1e-1, a lost
# forget bias by ~1e-2.
RELATIVE_TOLERANCE = {"float16": 1e-2, "bfloat16": 1e-2, "float32": 1e-5, "float64": 1e-10}
DEFAULT_RELATIVE_TOLERANCE = 1e-5


@dataclass
class ValueComparison:
    """One compared value: a leaf of one call's fetches."""

    call: int
    path: str
    label: str
    shape: tuple[int, ...] | None
    dtype: str
    ok: bool
    compared: str  # "values", "exact", "shape and dtype", "operation", "not compared: summary"
    max_abs_diff: float | None = None
    limit: float | None = None
    magnitude: float | None = None  # max |reference value| (a fetch of zeros proves little)
    drift: float | None = None  # max |diff| of the reference against its one-ulp-perturbed rerun
    drift_limit: float | None = None  # DRIFT_FACTOR * drift, when that widened the limit
    reason: str = ""
    random_op: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["shape"] = list(self.shape) if self.shape is not None else None
        return data


def tolerance_for(dtype: str, override: float | None) -> float:
    if override is not None:
        return override
    return RELATIVE_TOLERANCE.get(dtype, DEFAULT_RELATIVE_TOLERANCE)


# A training trajectory amplifies rounding: after some updates, two runs that differ only in
# the order of their sums drift apart by much more than the first forward pass showed. prove
# measures that amplification on the reference itself: the same program rerun from the same
# weights (the trainable variables, not optimizer slots or counters), each moved by one unit in
# the last place. The candidate is perturbed at every operation of every step, not once, so it
# may drift further than that rerun, at the same exponential rate: measured on the corpus, the
# keras-level rewrite drifted 0.5x the rerun's drift on a char-RNN after 20 Adam updates (a_03,
# 1.3e-4 vs 2.7e-4), 0.6x on a sine regressor after 900 (a_21), and 5-6.4x on a four-layer GRU
# regressor after 600-900 (a_22, whose Keras GRU orders its sums differently at every gate). A
# value may therefore differ by up to 10x the rerun's drift. Before any update the drift is of the
# order of one ulp and the dtype tolerance decides: a real error (a gate out of order ~1e-1, a
# lost forget bias ~1e-2) shows at the first forward pass.
DRIFT_FACTOR = 10.0


def drift_by_value(reference: Sequence[dict[str, Any]], perturbed: Sequence[dict[str, Any]]) -> dict[tuple[int, str], float]:
    """``{(call, path): max |reference - perturbed rerun|}`` for the floating values both recorded
    with the same structure (empty where they differ: then nothing is widened), as a running
    maximum along the calls: rounding growth does not shrink back, and one sample of it is noisy."""
    drift: dict[tuple[int, str], float] = {}
    highest: dict[str, float] = {}
    for ref_call, other_call in zip(reference, perturbed):
        if ref_call["structure"] != other_call["structure"]:
            break
        for ref_leaf, other_leaf in zip(ref_call["leaves"], other_call["leaves"]):
            a, b = ref_leaf["value"], other_leaf["value"]
            if (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype.kind == "f"
                    and a.shape == b.shape and a.size):
                both = np.isfinite(a) & np.isfinite(b)
                if both.any():
                    path = ref_leaf["path"]
                    here = float(np.max(np.abs(a[both].astype(np.float64) - b[both].astype(np.float64))))
                    highest[path] = max(here, highest.get(path, 0.0))
                    drift[(ref_call["call"], path)] = highest[path]
    return drift


def compare_calls(
    reference: Sequence[dict[str, Any]],
    candidate: Sequence[dict[str, Any]],
    *,
    tolerance: float | None = None,
    keep_dropout: bool = False,
    drift: dict[tuple[int, str], float] | None = None,
) -> list[ValueComparison]:
    """Every leaf of the calls both runs recorded, in call order. ``drift`` (from
    :func:`drift_by_value`) widens a floating value's limit to ``DRIFT_FACTOR`` times it."""
    rows: list[ValueComparison] = []
    for ref_call, cand_call in zip(reference, candidate):
        call = ref_call["call"]
        if ref_call["structure"] != cand_call["structure"]:
            rows.append(ValueComparison(
                call, "", "(the fetched structure)", None, "", False, "structure",
                reason=(f"the results have different structures: reference {ref_call['types']}, "
                        f"candidate {cand_call['types']}"),
            ))
            continue
        for ref_leaf, cand_leaf in zip(ref_call["leaves"], cand_call["leaves"]):
            rows.append(compare_leaf(call, ref_leaf, cand_leaf, tolerance, keep_dropout,
                                     (drift or {}).get((call, ref_leaf["path"]))))
    return rows


def compare_leaf(
    call: int, reference: dict[str, Any], candidate: dict[str, Any], tolerance: float | None, keep_dropout: bool,
    drift: float | None = None,
) -> ValueComparison:
    path, label = reference["path"], reference["label"]
    ref_value, cand_value = reference["value"], candidate["value"]

    def row(ok: bool, compared: str, **details: Any) -> ValueComparison:
        shape = tuple(np.shape(ref_value)) if isinstance(ref_value, np.ndarray) else None
        dtype = str(ref_value.dtype) if isinstance(ref_value, np.ndarray) else type(ref_value).__name__
        return ValueComparison(call, path, label, shape, dtype, ok, compared,
                               random_op=reference.get("random_op"), **details)

    if reference["kind"] in ("summary", "checkpoint path"):
        return row(True, f"not compared: {reference['kind']}")
    if reference["kind"] == "histogram" and candidate.get("kind") != "histogram" and isinstance(cand_value, np.ndarray):
        # TF1 kept a histogram's statistics; a tf2 program returns the values themselves (a
        # keras-level run, a Session's proto too: its statistics compare as they are).
        values = cand_value.astype(np.float64).ravel()
        cand_value = np.array([values.min(), values.max(), values.size, values.sum(), np.sum(values * values)]
                              if values.size else [0.0] * 5, np.float64)
        return _compare_floats(row, ref_value, cand_value, tolerance_for("float32", tolerance), drift)
    if ref_value is None or cand_value is None:
        same = ref_value is None and cand_value is None
        return row(same, "operation", reason="" if same else "one run fetched a value, the other None")
    if not isinstance(ref_value, np.ndarray) or not isinstance(cand_value, np.ndarray):
        same = type(ref_value) is type(cand_value) and ref_value == cand_value
        return row(bool(same), "exact", reason="" if same else f"{ref_value!r} != {cand_value!r}")
    if ref_value.shape != cand_value.shape:
        return row(False, "values", reason=f"shape {ref_value.shape} became {cand_value.shape}")
    if ref_value.dtype != cand_value.dtype:
        return row(False, "values", reason=f"dtype {ref_value.dtype} became {cand_value.dtype}")
    if keep_dropout:
        return row(True, "shape and dtype")
    if ref_value.dtype.kind == "f":
        return _compare_floats(row, ref_value, cand_value, tolerance_for(str(ref_value.dtype), tolerance), drift)
    if ref_value.dtype.kind in "iub":
        same = bool(np.array_equal(ref_value, cand_value))
        diff = float(np.max(np.abs(ref_value.astype(np.float64) - cand_value.astype(np.float64)))) if ref_value.size else 0.0
        magnitude = float(np.max(np.abs(ref_value.astype(np.float64)))) if ref_value.size else 0.0
        return row(same, "exact", max_abs_diff=diff, limit=0.0, magnitude=magnitude,
                   reason="" if same else f"{int(np.sum(ref_value != cand_value))} of {ref_value.size} entries differ")
    same = bool(np.array_equal(ref_value, cand_value))
    return row(same, "exact", reason="" if same else "the values differ")


def _compare_floats(row, reference: np.ndarray, candidate: np.ndarray, tolerance: float,
                    drift: float | None = None) -> ValueComparison:
    ref = reference.astype(np.float64)
    cand = candidate.astype(np.float64)
    ref_finite, cand_finite = np.isfinite(ref), np.isfinite(cand)
    same_specials = np.array_equal(ref_finite, cand_finite) and np.array_equal(
        np.where(ref_finite, 0.0, ref), np.where(cand_finite, 0.0, cand), equal_nan=True,
    )
    finite = ref_finite & cand_finite
    diff = float(np.max(np.abs(ref[finite] - cand[finite]))) if finite.any() else 0.0
    magnitude = float(np.max(np.abs(ref[finite]))) if finite.any() else 0.0
    limit = tolerance * max(1.0, magnitude)
    drift_limit = DRIFT_FACTOR * drift if drift is not None and DRIFT_FACTOR * drift > limit else None
    limit = drift_limit or limit
    extra = dict(magnitude=magnitude, drift=drift, drift_limit=drift_limit)
    if not same_specials:
        return row(False, "values", max_abs_diff=diff, limit=limit, **extra,
                   reason="NaN or infinity in different places")
    ok = diff <= limit
    return row(ok, "values", max_abs_diff=diff, limit=limit, **extra,
               reason="" if ok else f"max |diff| {diff:.3g} > {limit:.3g}")


def first_divergence(rows: Sequence[ValueComparison]) -> ValueComparison | None:
    return next((row for row in rows if not row.ok), None)
