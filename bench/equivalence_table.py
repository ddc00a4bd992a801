"""Measure max |diff| of TF1 reference vs Keras 3 port for every construct; print a Markdown table.

    python bench/equivalence_table.py            # the table pasted into README.md

Random non-trivial weights and non-zero inputs/states, sequence lengths on
(a length-0 row included), float32 and float64, as in tests/test_port_equivalence.py.
"""

from __future__ import annotations

import sys

from migrate.compare_sides import compare_spec
from tf2_port.cases import CONSTRUCTS, DRIVER_OPTIONS, driver_case


def _worst_state(comparison) -> float:
    return max((v for k, v in comparison.diffs.items() if k != "outputs"), default=0.0)


def main() -> int:
    rows = []
    for name in sorted(CONSTRUCTS):
        pair = [compare_spec(CONSTRUCTS[name](dtype=dtype, use_sequence_length=True))
                for dtype in ("float32", "float64")]
        rows.append((name, pair))
    for name in sorted(DRIVER_OPTIONS):
        rows.append((f"driver: {name}", [compare_spec(driver_case(name, dtype=d)) for d in ("float32", "float64")]))
    print("| construct | float32 outputs | float32 states | float64 outputs | float64 states |")
    print("| --- | ---: | ---: | ---: | ---: |")
    failed = False
    for name, (f32, f64) in rows:
        failed |= not (f32.passed and f64.passed)
        print(f"| {name} | {f32.diffs['outputs']:.1e} | {_worst_state(f32):.1e} | "
              f"{f64.diffs['outputs']:.1e} | {_worst_state(f64):.1e} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
