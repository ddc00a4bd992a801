"""Each cell's unstored settings resolved, and the ``StackSpec`` of a discovered stack.

A setting comes from an explicit argument, else the ``.meta`` graph, else ``tf1_defaults``
(never for ``forget_bias``), else it is an error that says which argument to pass; families
with fixed settings (cuDNN, GRUBlockCell) need none. Nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from tf1_reference.spec import ACTIVATIONS, LayerSpec, ResidualSpec, StackSpec
from tf2_port.checkpoint.discovery import DiscoveredCell, DiscoveredStack
from tf2_port.checkpoint.tables import (
    FIXED_SETTINGS,
    SETTING_HELP,
    SETTING_NAMES,
    TF1_DEFAULT_SETTINGS,
)
from tf2_port.tf1_names import DRIVER_SCOPES as TF1_DRIVER_SCOPES
from tf2_port.tf1_names import SPEC_KIND_SCOPES


@dataclass(frozen=True)
class Setting:
    """A resolved setting and where it came from: "argument", "meta", "tf1_defaults" or "fixed"."""

    value: Any
    source: str


def _applicable_settings(cell: DiscoveredCell) -> tuple[str, ...]:
    """The unstored settings this cell's numbers depend on."""
    if cell.family in FIXED_SETTINGS:
        return ()
    if cell.family != "lstm":
        return ("activation",)
    if cell.kind == "basic_lstm":
        return ("forget_bias", "activation")
    return ("forget_bias", "activation", "cell_clip") + (("proj_clip",) if cell.num_proj is not None else ())


def _check_setting(name: str, value: Any) -> Any:
    """An argument value checked, with False (no clipping) returned as None."""
    if name == "forget_bias":
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise ValueError(f"Invalid value for `forget_bias`: expected a number, received {value!r}.")
        return float(value)
    if name == "activation":
        if value not in ACTIVATIONS:
            raise ValueError(f"Invalid value for `activation`: expected one of {ACTIVATIONS}, received {value!r}.")
        return value
    if value is False:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not value > 0:
        raise ValueError(
            f"Invalid value for `{name}`: expected a positive number or False (no clipping), received {value!r}."
        )
    return float(value)


def _argument_value(name: str, argument: Any, prefix: str) -> tuple[bool, Any]:
    """(given, value) of an argument for one cell; a Mapping gives per-cell values."""
    if argument is None:
        return False, None
    if isinstance(argument, Mapping):
        if prefix not in argument:
            return False, None
        return True, _check_setting(name, argument[prefix])
    return True, _check_setting(name, argument)


def _resolve_settings(
    stacks: Sequence[DiscoveredStack],
    arguments: Mapping[str, Any],
    meta_settings: Mapping[str, Mapping[str, Any]] | None,
    tf1_defaults: bool,
    checkpoint: str,
) -> dict[str, dict[str, Setting]]:
    cells = [cell for stack in stacks for layers in stack.cells.values() for cell in layers]
    prefixes = {cell.prefix for cell in cells}
    for name, argument in arguments.items():
        if isinstance(argument, Mapping):
            unknown = sorted(set(argument) - prefixes)
            if unknown:
                raise ValueError(
                    f"Unknown cell prefix(es) {unknown} in `{name}`: expected some of {sorted(prefixes)}."
                )
    resolved: dict[str, dict[str, Setting]] = {}
    missing: dict[str, list[str]] = {}
    for cell in cells:
        settings = {key: Setting(value, "fixed") for key, value in FIXED_SETTINGS.get(cell.family, {}).items()}
        from_meta = (meta_settings or {}).get(cell.prefix, {})
        for key in _applicable_settings(cell):
            given, value = _argument_value(key, arguments.get(key), cell.prefix)
            if given:
                settings[key] = Setting(value, "argument")
            elif key in from_meta:
                settings[key] = Setting(from_meta[key], "meta")
            elif tf1_defaults and key in TF1_DEFAULT_SETTINGS:
                settings[key] = Setting(TF1_DEFAULT_SETTINGS[key], "tf1_defaults")
            else:
                missing.setdefault(key, []).append(cell.prefix)
        if from_meta.get("residual"):
            # No variables of its own and no argument: only the .meta graph shows it.
            settings["residual"] = Setting(True, "meta")
        resolved[cell.prefix] = settings
    if missing:
        kinds = "LSTM layers" if "forget_bias" in missing else "layers"
        where = ("no .meta graph" if meta_settings is None
                 else "a .meta graph that does not show these settings")
        lines = [f"The checkpoint `{checkpoint}` has {kinds} but {where}; settings checkpoints do not "
                 "store must be passed, never guessed:"]
        for key in SETTING_NAMES:
            if key in missing:
                cells_listed = ", ".join(f"`{prefix}`" for prefix in missing[key])
                lines.append(f"  - {key} of {cells_listed}: {SETTING_HELP[key]}.")
        raise ValueError("\n".join(lines))
    return resolved


def _layer_spec(cell: DiscoveredCell, settings: Mapping[str, Setting]) -> LayerSpec:
    value = {key: setting.value for key, setting in settings.items()}
    name = None if SPEC_KIND_SCOPES.get(cell.kind) == cell.scope_name else cell.scope_name
    options: dict[str, Any] = {"activation": value.get("activation", "tanh"), "name": name,
                               "wrappers": (ResidualSpec(),) if value.get("residual") else ()}
    if cell.kind in ("lstm", "basic_lstm"):
        options["forget_bias"] = value["forget_bias"]
    if cell.kind == "lstm":
        options.update(use_peepholes=cell.use_peepholes, num_proj=cell.num_proj,
                       cell_clip=value.get("cell_clip"), proj_clip=value.get("proj_clip"))
    return LayerSpec(cell.kind, cell.units, **options)


def stack_spec(stack: DiscoveredStack, settings: Mapping[str, Mapping[str, Setting]]) -> StackSpec | None:
    """The ``StackSpec`` of a discovered stack (None for CudnnGRU, which it cannot express)."""
    if stack.family == "cudnn_gru":
        return None
    layers = []
    for index, cell in enumerate(stack.layers):
        specs = {_layer_spec(cells[index], settings[cells[index].prefix]) for cells in stack.cells.values()}
        if len(specs) != 1:
            prefixes = [cells[index].prefix for cells in stack.cells.values()]
            raise ValueError(
                f"Unsupported bidirectional stack `{stack.root}`: the settings of {prefixes} differ "
                f"({sorted(map(repr, specs))}); StackSpec needs the same layer both ways."
            )
        layers.append(specs.pop())
    default_root = TF1_DRIVER_SCOPES[stack.driver]
    return StackSpec(
        layers=tuple(layers), driver=stack.driver, multi_rnn_cell=stack.multi_rnn_cell,
        scope=None if stack.root == default_root else stack.root, dtype=stack.layers[0].dtype,
        input_size=stack.layers[0].input_size,
    )
