"""Maintenance tools for the migrate package (need TensorFlow; never imported by the engine)."""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
from typing import Any, Callable


def generated_file_main(argv: list[str] | None, description: str, output: pathlib.Path,
                        render: Callable[[Any], str], environment: dict[str, str]) -> int:
    """The command of a generator: ``render(tensorflow)`` written to ``output``, or with
    ``--check`` compared with it (exit 1 when stale). ``environment`` is set (if unset) before
    TensorFlow is imported."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--output", type=pathlib.Path, default=output)
    args = parser.parse_args(argv)
    for name, value in environment.items():
        os.environ.setdefault(name, value)
    import tensorflow as tf

    text = render(tf)
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale; regenerate it", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
