"""Finding the RNN stacks of a checkpoint from its variable names and shapes alone.

Which names are not weights is decided here (:func:`skip_reason`); what a TF1 name means --
TF <= 1.1 ``weights``/``biases``, pre-1.0 names, the cell role a name ends with, where a cell
scope sits (driver root, ``multi_rnn_cell/cell_N``, ``fw``/``bw``, stacked bidirectional
layers), which families a cell scope's variables fit -- is read from :mod:`tf2_port.tf1_names`,
the one table of TF1 names. Then each cell's family and dimensions are read from its shapes
(the shape tables are in :mod:`.tables`), every shape checked, and each stack's layers chained
so that every layer's input width is the previous layer's output width.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from tf2_port import tf1_names
from tf2_port.checkpoint.tables import (
    CELL_KIND_OPTIONS,
    EXPECTED_SHAPES,
    FAMILY_DESCRIPTIONS,
    FAMILY_FUSED_KERNEL,
    FAMILY_UNITS_SOURCE,
    SKIPPED_VARIABLES,
)
from tf2_port.tf1_names import PEEPHOLE_ROLES, PROJECTION_ROLE, CellPlace


@dataclass(frozen=True)
class DiscoveredCell:
    """One TF1 cell found in a checkpoint.

    Attributes:
        prefix: its variable scope, e.g. ``rnn/multi_rnn_cell/cell_0/lstm_cell``.
        family: a key of ``tf1_names.FAMILY_ROLES``.
        kind: the ``LayerSpec.kind`` it becomes.
        variables: ``{role: TF1 name}``, e.g. ``{"kernel": ".../weights"}`` for TF <= 1.1.
        units, input_size, num_proj, use_peepholes: read from the shapes.
        dtype: ``"float32"`` or ``"float64"``.
    """

    prefix: str
    family: str
    kind: str
    variables: dict[str, str]
    units: int
    input_size: int
    num_proj: int | None
    use_peepholes: bool
    dtype: str

    @property
    def scope_name(self) -> str:
        return self.prefix.rsplit("/", 1)[-1]

    @property
    def output_size(self) -> int:
        return self.num_proj if self.num_proj is not None else self.units

    def structure(self) -> tuple[Any, ...]:
        """What must agree between the fw and bw copies of a layer."""
        return (self.family, self.kind, self.scope_name, self.units, self.input_size, self.num_proj,
                self.use_peepholes, self.dtype)


@dataclass(frozen=True)
class DiscoveredStack:
    """One RNN stack: a driver root and its cells per direction (``""``, or ``"fw"``/``"bw"``)."""

    root: str
    driver: str
    multi_rnn_cell: bool
    cells: dict[str, tuple[DiscoveredCell, ...]]

    @property
    def layers(self) -> tuple[DiscoveredCell, ...]:
        """The layers of one direction (both directions have the same structure)."""
        return next(iter(self.cells.values()))

    @property
    def family(self) -> str:
        return self.layers[0].family

    @property
    def file_stem(self) -> str:
        return keras_name_for_root(self.root)

    def variable_names(self) -> list[str]:
        return [name for cells in self.cells.values() for cell in cells for name in cell.variables.values()]


def skip_reason(name: str) -> str | None:
    """Why ``name`` is not a model weight (an entry of ``SKIPPED_VARIABLES``), or None."""
    last = name.rsplit("/", 1)[-1]
    if name in SKIPPED_VARIABLES:
        return SKIPPED_VARIABLES[name]
    # beta1_power_1 etc.: TF1 uniquifies the non-slot optimizer variables.
    base = re.sub(r"_\d+$", "", last) if last.startswith(("beta1_power", "beta2_power")) else last
    return SKIPPED_VARIABLES.get(base)


def keras_name_for_root(root: str) -> str:
    """A Keras-legal name (and file stem) for a TF1 scope: Keras forbids ``/`` in names."""
    return root.replace("/", "__")


# --- Discovery ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dims:
    units: int
    input_size: int
    num_proj: int | None

    @property
    def recurrent_width(self) -> int:
        return self.num_proj if self.num_proj is not None else self.units


def _fmt_shape(shape: Sequence[int]) -> str:
    shape = tuple(int(dim) for dim in shape)
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(str(dim) for dim in shape) + ")"


def _shape_error(name: str, formula: str, expected: str | None, received: Sequence[int],
                 note: str = "") -> ValueError:
    wanted = formula if expected is None else f"{formula} = {expected}"
    message = f"Invalid `{name}`: expected shape {wanted}, received {_fmt_shape(received)}."
    return ValueError(f"{message} {note}".rstrip())


def _canonical_names(names: Iterable[str]) -> dict[str, str]:
    """``{canonical name: checkpoint name}`` with TF <= 1.1 ``weights``/``biases`` renamed."""
    canonical: dict[str, str] = {}
    for name in names:
        renamed = tf1_names.canonical_name(name)
        if renamed in canonical:
            raise ValueError(
                f"Invalid checkpoint: `{canonical[renamed]}` and `{name}` both name `{renamed}` "
                "(TF <= 1.1 `weights`/`biases` next to TF >= 1.2 `kernel`/`bias`); expected one of them."
            )
        canonical[renamed] = name
    return canonical


def _family_candidates(prefix: str, roles: set[str], cell_kinds: Mapping[str, str]) -> list[tuple[str, str]]:
    """``[(family, spec kind)]`` whose variable set is exactly ``roles``."""
    scope_name = prefix.rsplit("/", 1)[-1]
    fitting = tf1_names.fitting_families(roles)
    if prefix in cell_kinds:
        family, kind = CELL_KIND_OPTIONS[cell_kinds[prefix]]
        return [(family, kind)] if family in fitting else []
    allowed = tf1_names.scope_families(scope_name)
    return [(family, tf1_names.spec_kind(family, scope_name)) for family in fitting if family in allowed]


def _cell_dims(family: str, prefix: str, roles: Mapping[str, str], shapes: Mapping[str, tuple[int, ...]],
               input_size: int | None = None) -> _Dims:
    """Units, input width and projection of one cell read from its shapes, every shape checked."""
    unit_role, blocks = FAMILY_UNITS_SOURCE[family]
    unit_name = roles[unit_role]
    unit_shape = shapes[unit_name]
    formula = EXPECTED_SHAPES[family][unit_role][0]
    if len(unit_shape) != 1 or unit_shape[0] == 0 or unit_shape[0] % blocks:
        raise _shape_error(unit_name, f"{formula} with units >= 1", None, unit_shape)
    units = unit_shape[0] // blocks
    note = f"(units = {units} is read from `{unit_name}` {_fmt_shape(unit_shape)}.)"
    num_proj = None
    if PROJECTION_ROLE in roles:
        projection_shape = shapes[roles[PROJECTION_ROLE]]
        if len(projection_shape) != 2 or projection_shape[0] != units or projection_shape[1] < 1:
            raise _shape_error(roles[PROJECTION_ROLE], "(units, num_proj)", f"({units}, num_proj)",
                               projection_shape, note)
        num_proj = projection_shape[1]
    recurrent_width = num_proj if num_proj is not None else units
    kernel_role = FAMILY_FUSED_KERNEL[family]
    kernel_name = roles[kernel_role]
    kernel_shape = shapes[kernel_name]
    kernel_formula, kernel_expected = EXPECTED_SHAPES[family][kernel_role]
    if input_size is None:
        rows = kernel_shape[0] - recurrent_width if len(kernel_shape) == 2 else 0
        if rows < 1:
            probe = kernel_expected(_Dims(units, 0, num_proj))
            raise _shape_error(kernel_name, kernel_formula, f"(in+{probe[0]}, {probe[1]}) with in >= 1",
                               kernel_shape, note)
        input_size = rows
    dims = _Dims(units, input_size, num_proj)
    for role, name in roles.items():
        role_formula, expected = EXPECTED_SHAPES[family][role]
        if tuple(shapes[name]) != tuple(expected(dims)):
            raise _shape_error(name, role_formula, _fmt_shape(expected(dims)), shapes[name],
                               f"(units = {units} from `{unit_name}`, input width {input_size}"
                               + (f", num_proj = {num_proj}" if num_proj is not None else "") + ".)")
    return dims


@dataclass
class _CellCandidates:
    prefix: str
    placement: CellPlace
    roles: dict[str, str]  # role -> checkpoint name
    options: list[tuple[str, str, _Dims]]  # (family, kind, dims)


def discover_stacks(
    variables: Mapping[str, Any],
    *,
    cell_kinds: Mapping[str, str] | None = None,
) -> list[DiscoveredStack]:
    """Find every RNN stack in ``{name: array}`` (only ``.shape`` and ``.dtype`` are used).

    Args:
        variables: checkpoint arrays; skipped names (``skip_reason``) are ignored.
        cell_kinds: ``{cell prefix: kind}`` for custom-named cells whose kind
            the shapes cannot settle; kinds are the keys of ``CELL_KIND_OPTIONS``.

    Returns:
        The stacks, sorted by root.

    Raises:
        ValueError: naming the variables, for every layout it cannot map exactly.
    """
    cell_kinds = dict(cell_kinds or {})
    for prefix, kind in cell_kinds.items():
        if kind not in CELL_KIND_OPTIONS:
            raise ValueError(
                f"Invalid value for `cell_kinds[{prefix!r}]`: expected one of {tuple(CELL_KIND_OPTIONS)}, "
                f"received {kind!r}."
            )
    names = [name for name in variables if skip_reason(name) is None]
    for name in names:
        if tf1_names.is_pre_tf1_name(name):
            raise ValueError(
                f"Unsupported variable `{name}`: pre-1.0 TensorFlow cell names (`LSTMCell/W_0`, "
                "`Linear/Matrix`, `MultiRNNCell/CellN`) are not converted; expected TF >= 1.0 names "
                "(`multi_rnn_cell/cell_N/<cell>/kernel` or `.../weights`)."
            )
    shapes = {name: tuple(int(dim) for dim in np.shape(variables[name])) for name in names}
    dtypes = {name: np.dtype(getattr(variables[name], "dtype", None) or np.asarray(variables[name]).dtype).name
              for name in names}
    canonical = _canonical_names(names)

    by_prefix: dict[str, dict[str, str]] = {}
    for canonical_name, name in canonical.items():
        split = tf1_names.split_role(canonical_name)
        if split is not None:
            prefix, role = split
            by_prefix.setdefault(prefix, {})[role] = name

    candidates: list[_CellCandidates] = []
    for prefix, roles in sorted(by_prefix.items()):
        placement = tf1_names.parse_cell_prefix(prefix)
        if placement is None:
            continue  # no RNN context: a dense layer or similar, kept in rest.npz
        if not placement.root:
            raise ValueError(
                f"Unsupported cell `{prefix}`: expected it under a driver scope (`rnn/{prefix}/...`, "
                f"`<scope>/{prefix}/...`), found it at the top level; convert it with `load_checkpoint_into_port` "
                "and an explicit spec."
            )
        families = _family_candidates(prefix, set(roles), cell_kinds)
        if not families:
            listed = ", ".join(f"`{name}` {_fmt_shape(shapes[name])}" for name in sorted(roles.values()))
            hint = (f" (`cell_kinds` says {cell_kinds[prefix]!r}, which does not fit these variables)"
                    if prefix in cell_kinds else "")
            raise ValueError(
                f"Unknown cell layout under `{prefix}`: variables {listed}{hint}. Expected the variables of one "
                f"of: {'; '.join(FAMILY_DESCRIPTIONS.values())}."
            )
        options, errors = [], []
        for family, kind in families:
            try:
                options.append((family, kind, _cell_dims(family, prefix, roles, shapes)))
            except ValueError as error:
                errors.append(str(error))
        if not options:
            raise ValueError(errors[0])
        dtype_set = {dtypes[name] for name in roles.values()}
        if len(dtype_set) != 1 or next(iter(dtype_set)) not in ("float32", "float64"):
            raise ValueError(
                f"Invalid variables of `{prefix}`: expected float32 or float64 arrays of one dtype, "
                f"received {sorted(dtype_set)}."
            )
        candidates.append(_CellCandidates(prefix, placement, roles, options))

    unknown = sorted(set(cell_kinds) - {c.prefix for c in candidates})
    if unknown:
        raise ValueError(
            f"Unknown cell prefix(es) {unknown} in `cell_kinds`: expected some of {[c.prefix for c in candidates]}."
        )
    _reject_unmapped(canonical, by_prefix, [c.prefix for c in candidates])

    by_root: dict[str, list[_CellCandidates]] = {}
    for candidate in candidates:
        by_root.setdefault(candidate.placement.root, []).append(candidate)
    return [_assemble_stack(root, members, shapes, dtypes) for root, members in sorted(by_root.items())]


def _reject_unmapped(canonical: Mapping[str, str], by_prefix: Mapping[str, Mapping[str, str]],
                     cell_prefixes: Sequence[str]) -> None:
    used = {name for prefix in cell_prefixes for name in by_prefix[prefix].values()}
    for canonical_name, name in canonical.items():
        if name in used:
            continue
        for prefix in cell_prefixes:
            if canonical_name.startswith(prefix + "/"):
                raise ValueError(
                    f"Unmapped variable `{name}` inside the cell scope `{prefix}`: expected only the cell's "
                    f"own variables ({', '.join(sorted(by_prefix[prefix]))})."
                )


def _assemble_stack(root: str, members: list[_CellCandidates], shapes: Mapping[str, tuple[int, ...]],
                    dtypes: Mapping[str, str]) -> DiscoveredStack:
    drivers = {m.placement.driver for m in members}
    multis = {m.placement.multi_rnn_cell for m in members}
    if len(drivers) != 1 or len(multis) != 1:
        listed = ", ".join(f"`{m.prefix}`" for m in members)
        raise ValueError(
            f"Invalid stack `{root}`: expected one driver layout per scope (a MultiRNNCell, a bare cell, "
            f"fw/bw directions, or stacked bidirectional layers), received a mix: {listed}."
        )
    driver, multi = drivers.pop(), multis.pop()
    directions: dict[str, dict[int, _CellCandidates]] = {}
    for member in members:
        layers = directions.setdefault(member.placement.direction, {})
        if member.placement.index in layers:
            raise ValueError(
                f"Invalid stack `{root}`: `{layers[member.placement.index].prefix}` and `{member.prefix}` "
                "are both its layer " f"{member.placement.index}; expected one cell per layer."
            )
        layers[member.placement.index] = member
    if driver != "dynamic_rnn" and set(directions) != {"fw", "bw"}:
        raise ValueError(
            f"Invalid bidirectional stack `{root}`: expected `fw` and `bw` cells, received only "
            f"{sorted(directions)}."
        )
    cells: dict[str, tuple[DiscoveredCell, ...]] = {}
    for direction in sorted(directions, key=lambda d: ("", "fw", "bw").index(d)):
        layers = directions[direction]
        if sorted(layers) != list(range(len(layers))):
            raise ValueError(
                f"Invalid stack `{root}`{f' ({direction})' if direction else ''}: expected layers "
                f"cell_0..cell_{len(layers) - 1}, received cell indices {sorted(layers)}."
            )
        ordered = [layers[index] for index in range(len(layers))]
        cells[direction] = _resolve_chain(root, driver, ordered, shapes, dtypes)
    if driver != "dynamic_rnn":
        fw, bw = cells["fw"], cells["bw"]
        if len(fw) != len(bw) or any(a.structure() != b.structure() for a, b in zip(fw, bw)):
            raise ValueError(
                f"Unsupported bidirectional stack `{root}`: its fw layers {[c.prefix for c in fw]} and bw layers "
                f"{[c.prefix for c in bw]} differ in kind or size; StackSpec needs the same layers both ways."
            )
    stack = DiscoveredStack(root, driver, multi, cells)
    if stack.family == "cudnn_gru" and driver != "dynamic_rnn":
        raise ValueError(
            f"Unsupported stack `{root}`: a bidirectional CudnnGRU (reset_after=True GRU) is not converted; "
            "expected a unidirectional one."
        )
    if any(cell.family == "cudnn_gru" for cell in stack.layers) and any(
            cell.family != "cudnn_gru" for cell in stack.layers):
        raise ValueError(f"Unsupported stack `{root}`: CudnnGRU layers mixed with other cells.")
    return stack


def _resolve_chain(root: str, driver: str, layers: list[_CellCandidates], shapes: Mapping[str, tuple[int, ...]],
                   dtypes: Mapping[str, str]) -> tuple[DiscoveredCell, ...]:
    """Pick each layer's reading so that every layer's input width is the previous output width."""
    width_factor = 2 if driver == "stack_bidirectional_dynamic_rnn" else 1
    solutions = []
    for choice in itertools.product(*(layer.options for layer in layers)):
        if all(choice[i + 1][2].input_size == width_factor * choice[i][2].recurrent_width
               for i in range(len(choice) - 1)):
            solutions.append(choice)
    if len(solutions) != 1:
        if not solutions and all(len(layer.options) == 1 for layer in layers):
            for i in range(len(layers) - 1):
                _, _, below = layers[i].options[0]
                family, _, dims = layers[i + 1].options[0]
                expected_in = width_factor * below.recurrent_width
                if dims.input_size != expected_in:
                    kernel_role = FAMILY_FUSED_KERNEL[family]
                    formula, expected = EXPECTED_SHAPES[family][kernel_role]
                    name = layers[i + 1].roles[kernel_role]
                    wanted = expected(_Dims(dims.units, expected_in, dims.num_proj))
                    source = (f"{'2 x ' if width_factor == 2 else ''}the output width "
                              f"{below.recurrent_width} of layer {i} (`{layers[i].prefix}`)")
                    raise _shape_error(name, formula, _fmt_shape(wanted), shapes[name],
                                       f"(in = {expected_in} is {source}.)")
        ambiguous = [layer for layer in layers if len({opt[:2] for opt in layer.options}) > 1]
        described = "; ".join(
            f"`{layer.prefix}` ({', '.join(f'`{n}` {_fmt_shape(shapes[n])}' for n in sorted(layer.roles.values()))})"
            f" could be {' or '.join(f'{kind} (units={dims.units}, input {dims.input_size})' for _, kind, dims in layer.options)}"
            for layer in ambiguous or layers
        )
        raise ValueError(
            f"Cannot tell the kind of the custom-named cell(s) of `{root}` from the checkpoint: {described}. "
            "Pass `cell_kinds={<cell prefix>: 'lstm' | 'basic_rnn' | ...}`."
            if solutions else
            f"No reading of the cells of `{root}` fits together (each layer's input width must be the previous "
            f"layer's output width): {described}. Pass `cell_kinds` or check the checkpoint."
        )
    cells = []
    for layer, (family, kind, dims) in zip(layers, solutions[0]):
        dtype = dtypes[next(iter(layer.roles.values()))]
        cells.append(DiscoveredCell(
            prefix=layer.prefix, family=family, kind=kind, variables=dict(layer.roles), units=dims.units,
            input_size=dims.input_size, num_proj=dims.num_proj,
            use_peepholes=any(role in layer.roles for role in PEEPHOLE_ROLES), dtype=dtype,
        ))
    return tuple(cells)
