"""Comparing two runs' recorded ``Session.run`` results, value by value (NumPy only).

A recorded call is ``{"call": n, "structure": ..., "leaves": [{"path", "label", "kind",
"value", "random_op"}, ...]}`` (see :mod:`migrate.prove.hooks`). Structures compare with lists
and tuples alike (an ``LSTMStateTuple`` is the pair (c, h) whatever class holds it); leaves
compare by kind:

- floating arrays: same shape and dtype, NaNs in the same places, and
  ``max |reference - candidate| <= tolerance * max(1, max |reference|)``;
- integer, boolean, string and bytes values: exactly equal;
- fetched operations (a train op, an initializer) give ``None`` on both sides;
- summaries (serialised protobufs naming variables, which a migration renames) and the path a
  ``Saver`` returns (often with a time stamp) are listed, not compared.

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


def compare_calls(
    reference: Sequence[dict[str, Any]],
    candidate: Sequence[dict[str, Any]],
    *,
    tolerance: float | None = None,
    keep_dropout: bool = False,
) -> list[ValueComparison]:
    """Every leaf of the calls both runs recorded, in call order."""
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
            rows.append(compare_leaf(call, ref_leaf, cand_leaf, tolerance, keep_dropout))
    return rows


def compare_leaf(
    call: int, reference: dict[str, Any], candidate: dict[str, Any], tolerance: float | None, keep_dropout: bool,
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
        return _compare_floats(row, ref_value, cand_value, tolerance_for(str(ref_value.dtype), tolerance))
    if ref_value.dtype.kind in "iub":
        same = bool(np.array_equal(ref_value, cand_value))
        diff = float(np.max(np.abs(ref_value.astype(np.float64) - cand_value.astype(np.float64)))) if ref_value.size else 0.0
        magnitude = float(np.max(np.abs(ref_value.astype(np.float64)))) if ref_value.size else 0.0
        return row(same, "exact", max_abs_diff=diff, limit=0.0, magnitude=magnitude,
                   reason="" if same else f"{int(np.sum(ref_value != cand_value))} of {ref_value.size} entries differ")
    same = bool(np.array_equal(ref_value, cand_value))
    return row(same, "exact", reason="" if same else "the values differ")


def _compare_floats(row, reference: np.ndarray, candidate: np.ndarray, tolerance: float) -> ValueComparison:
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
    if not same_specials:
        return row(False, "values", max_abs_diff=diff, limit=limit, magnitude=magnitude,
                   reason="NaN or infinity in different places")
    ok = diff <= limit
    return row(ok, "values", max_abs_diff=diff, limit=limit, magnitude=magnitude,
               reason="" if ok else f"max |diff| {diff:.3g} > {limit:.3g}")


def first_divergence(rows: Sequence[ValueComparison]) -> ValueComparison | None:
    return next((row for row in rows if not row.ok), None)
