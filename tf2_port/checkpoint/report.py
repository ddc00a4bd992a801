"""A conversion as text, for the command line: library code here never prints."""

from __future__ import annotations

from typing import Sequence

from tf2_port.checkpoint.discovery import _fmt_shape
from tf2_port.checkpoint.results import ConversionResult


def format_mapping(result: ConversionResult) -> str:
    """The conversion as a text table: per stack its settings and TF1 -> Keras weights; the rest; the skipped."""
    lines = [f"checkpoint: {result.checkpoint}",
             f"settings from: {result.meta_path or 'arguments (no .meta graph)'}"]
    for stack in result.stacks:
        lines.append("")
        lines.append(f"stack `{stack.root}` -> {stack.keras_path} ({stack.model_class})")
        for prefix, settings in stack.settings.items():
            described = ", ".join(f"{key}={setting.value!r} [{setting.source}]" for key, setting in settings.items())
            lines.append(f"  {prefix}: {described or 'no unstored settings'}")
        rows = [(m.tf1_name, _fmt_shape(m.tf1_shape), m.keras_path, _fmt_shape(m.keras_shape)) for m in stack.mapping]
        lines.extend(_table(("TF1 variable", "shape", "Keras weight", "shape"), rows))
    lines.append("")
    lines.append(f"rest -> {result.rest_path} ({len(result.rest)} arrays)")
    lines.extend(f"  {name} {_fmt_shape(shape) if shape else '()'}" for name, shape in result.rest)
    lines.append(f"skipped ({len(result.skipped)})")
    lines.extend(f"  {name}: {reason}" for name, reason in result.skipped)
    return "\n".join(lines)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    render = lambda row: "  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()  # noqa: E731
    return [render(header), "  " + "  ".join("-" * width for width in widths), *map(render, rows)]
