"""TF1 variable names <-> Keras 3 weights: the one table, for every cell family and naming era.

A TF1 RNN variable name is ``<place of the cell>/<cell scope>/<role>``:

* the place: the driver's scope (``rnn``, ``bidirectional_rnn``, ``stack_bidirectional_rnn``, or
  the ``scope=`` given, under any enclosing ``variable_scope``), then ``fw``/``bw`` for
  bidirectional drivers, then ``multi_rnn_cell/cell_<i>`` for a ``MultiRNNCell`` layer;
  ``stack_bidirectional_dynamic_rnn`` puts each layer at ``<root>/cell_<i>/bidirectional_rnn/<fw|bw>``;
* the cell scope: the cell class's default (``lstm_cell``...) or the ``name=`` it was given;
* the role: the variable relative to the cell scope (``kernel``, ``gates/bias``, ``w_f_diag``...),
  whose last component TF 1.0-1.1 wrote ``weights``/``biases`` instead of ``kernel``/``bias``.

``DropoutWrapper`` and ``ResidualWrapper`` pass the scope they are called in straight to the
cell they wrap and create no variables: a wrapped cell's names are the bare cell's, and nothing
here has a wrapper argument. Pre-1.0 names (``MultiRNNCell/Cell0/BasicLSTMCell/Linear/Matrix``)
are recognised only to be refused (:func:`is_pre_tf1_name`).

Tables first, then small pure functions over them. Pure Python (no TensorFlow, Keras or NumPy),
so that every reader of TF1 names -- checkpoint conversion, ``restore_tf1_checkpoint`` (and
``prove`` through it), the port builders, their tests -- can use it without loading a framework.
The measured facts behind the tables are in ARCHITECTURE.md, "Facts the code encodes" (Names).
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

# --- Tables ---------------------------------------------------------------------------

# Naming eras: what TF1 called the last component of a fused kernel or bias variable.
KERNEL_ERA = "kernel"  # TF >= 1.2
WEIGHTS_ERA = "weights"  # TF 1.0 and 1.1 (`_linear`'s `weights`/`biases`)
ERAS = (KERNEL_ERA, WEIGHTS_ERA)
# Per era: the leaf a role ending in `kernel` or `bias` is stored under.
ERA_LEAF_NAMES: dict[str, dict[str, str]] = {
    KERNEL_ERA: {"kernel": "kernel", "bias": "bias"},
    WEIGHTS_ERA: {"kernel": "weights", "bias": "biases"},
}

# Pre-1.0 names (`tf.nn.rnn_cell` of TF 0.x): refused with a pointer, never guessed.
PRE_TF1_NAME_PATTERNS = (
    re.compile(r"(^|/)(Basic)?LSTMCell/W_\d+$"),
    re.compile(r"(^|/)Linear/(Matrix|Bias)$"),
    re.compile(r"(^|/)MultiRNNCell/Cell\d+/"),
)

# Cell families: the roles of one cell scope as (required, optional). The required roles are
# in the order the family's converter in tf2_port.convert takes them.
FAMILY_ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "basic_rnn": (("kernel", "bias"), ()),
    # LSTMCell / BasicLSTMCell / contrib LSTMBlockCell (same layout).
    "lstm": (("kernel", "bias"), ("w_i_diag", "w_f_diag", "w_o_diag", "projection/kernel")),
    "gru": (("gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias"), ()),
    "gru_block": (("w_ru", "b_ru", "w_c", "b_c"), ()),
    "cudnn_lstm": (("kernel", "bias"), ()),
    "cudnn_gru": (
        ("gates/kernel", "gates/bias", "candidate/input_projection/kernel", "candidate/input_projection/bias",
         "candidate/hidden_projection/kernel", "candidate/hidden_projection/bias"),
        (),
    ),
}
PEEPHOLE_ROLES = ("w_i_diag", "w_f_diag", "w_o_diag")
PROJECTION_ROLE = "projection/kernel"
# The keyword argument of tf2_port.convert's LSTM converters each optional role is passed as.
OPTIONAL_ROLE_KEYWORDS = {
    "w_i_diag": "w_i_diag", "w_f_diag": "w_f_diag", "w_o_diag": "w_o_diag", PROJECTION_ROLE: "projection_kernel",
}
# The eras each family's variables were written in. CudnnCompatible cells arrived after TF 1.1;
# GRUBlockCell's names (`w_ru`...) carry no era.
FAMILY_ERAS: dict[str, tuple[str, ...]] = {
    "basic_rnn": ERAS, "lstm": ERAS, "gru": ERAS, "gru_block": ERAS,
    "cudnn_lstm": (KERNEL_ERA,), "cudnn_gru": (KERNEL_ERA,),
}

# Default variable scope of each TF1 cell class -> the families that use it; per family the
# scopes are listed most common first.
CELL_SCOPE_FAMILIES: dict[str, tuple[str, ...]] = {
    "basic_rnn_cell": ("basic_rnn",),
    "gru_cell": ("gru", "gru_block"),  # contrib GRUBlockCell keeps GRUCell's scope
    "lstm_cell": ("lstm",),  # contrib LSTMBlockCell keeps LSTMCell's scope
    "basic_lstm_cell": ("lstm",),
    "cudnn_compatible_lstm_cell": ("cudnn_lstm",),
    "cudnn_compatible_gru_cell": ("cudnn_gru",),
}
# Families a custom-named cell may be: all but CudnnLSTM's, whose `kernel`/`bias` would also read
# as an LSTMCell's (a CudnnCompatibleLSTMCell is known by its default scope alone).
CUSTOM_NAME_FAMILIES = ("basic_rnn", "lstm", "gru", "gru_block", "cudnn_gru")

# StackSpec cell kinds: the scope TF1 gives the cell when LayerSpec.name is None, and its family.
SPEC_KIND_SCOPES = {"basic_rnn": "basic_rnn_cell", "gru": "gru_cell", "basic_lstm": "basic_lstm_cell",
                    "lstm": "lstm_cell"}
SPEC_KIND_FAMILIES = {"basic_rnn": "basic_rnn", "gru": "gru", "basic_lstm": "lstm", "lstm": "lstm"}
# The StackSpec kind a family becomes (a `basic_lstm_cell` scope makes an lstm `basic_lstm`).
FAMILY_SPEC_KINDS = {"basic_rnn": "basic_rnn", "lstm": "lstm", "gru": "gru", "gru_block": "gru",
                     "cudnn_lstm": "lstm", "cudnn_gru": "gru"}

# The variable scope a TF1 driver opens when it is given no scope=.
DRIVER_SCOPES = {
    "dynamic_rnn": "rnn",
    "static_rnn": "rnn",
    "bidirectional_dynamic_rnn": "bidirectional_rnn",
    "static_bidirectional_rnn": "bidirectional_rnn",
    "stack_bidirectional_dynamic_rnn": "stack_bidirectional_rnn",
}
# Drivers that name their variables alike -> the one a parsed name reports.
DRIVER_LAYOUTS = {
    "dynamic_rnn": "dynamic_rnn",
    "static_rnn": "dynamic_rnn",
    "bidirectional_dynamic_rnn": "bidirectional_dynamic_rnn",
    "static_bidirectional_rnn": "bidirectional_dynamic_rnn",
    "stack_bidirectional_dynamic_rnn": "stack_bidirectional_dynamic_rnn",
}
DIRECTION_SCOPES = ("fw", "bw")
MULTI_RNN_CELL_SCOPE = "multi_rnn_cell"
LAYER_SCOPE = "cell_{index}"  # a MultiRNNCell layer, or a stacked bidirectional layer
LAYER_SCOPE_PATTERN = re.compile(r"cell_(\d+)$")
# stack_bidirectional_dynamic_rnn runs each layer through bidirectional_dynamic_rnn, which opens
# its default scope inside `<root>/cell_<i>`.
STACKED_LAYER_DRIVER_SCOPE = DRIVER_SCOPES["bidirectional_dynamic_rnn"]

# The Keras weights of each family in `cell.set_weights` order, with the TF1 roles each is made
# from (a fused TF1 kernel feeds two). LSTMs append one weight per optional role present.
KERAS_WEIGHT_SOURCES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "basic_rnn": (("kernel", ("kernel",)), ("recurrent_kernel", ("kernel",)), ("bias", ("bias",))),
    "lstm": (("kernel", ("kernel",)), ("recurrent_kernel", ("kernel",)), ("bias", ("bias",))),
    "cudnn_lstm": (("kernel", ("kernel",)), ("recurrent_kernel", ("kernel",)), ("bias", ("bias",))),
    "gru": (("kernel", ("gates/kernel", "candidate/kernel")),
            ("recurrent_kernel", ("gates/kernel", "candidate/kernel")),
            ("bias", ("gates/bias", "candidate/bias"))),
    "gru_block": (("kernel", ("w_ru", "w_c")), ("recurrent_kernel", ("w_ru", "w_c")), ("bias", ("b_ru", "b_c"))),
    "cudnn_gru": (("kernel", ("gates/kernel", "candidate/input_projection/kernel")),
                  ("recurrent_kernel", ("gates/kernel", "candidate/hidden_projection/kernel")),
                  ("bias", ("gates/bias", "candidate/input_projection/bias", "candidate/hidden_projection/bias"))),
}
# tf2_port.cells.TF1LSTMCell's weight after the three, per optional role, in its weight order.
KERAS_OPTIONAL_WEIGHTS = {
    "w_i_diag": "input_gate_peephole", "w_f_diag": "forget_gate_peephole", "w_o_diag": "output_gate_peephole",
    PROJECTION_ROLE: "projection_kernel",
}


# --- Names of one cell -----------------------------------------------------------------


@dataclass(frozen=True)
class CellPlace:
    """Where one TF1 cell's variables sit.

    Attributes:
        root: the driver's scope, e.g. ``rnn``, ``lm/rnn``, ``encoder``,
            ``stack_bidirectional_rnn`` (``""`` for a cell run with no driver scope).
        cell_scope: the cell's own scope, ``lstm_cell`` or a custom ``name=``.
        driver: a key of ``DRIVER_SCOPES``; parsing reports the ``DRIVER_LAYOUTS`` value
            (static drivers name their variables as the dynamic ones).
        direction: ``""``, or ``"fw"``/``"bw"`` for bidirectional drivers.
        index: the layer (``multi_rnn_cell/cell_<index>``, or the stacked bidirectional layer).
        multi_rnn_cell: whether the cell is a ``MultiRNNCell`` layer; True for every layer of
            ``stack_bidirectional_dynamic_rnn`` (one cell per layer, as a stack has).
    """

    root: str
    cell_scope: str
    driver: str = "dynamic_rnn"
    direction: str = ""
    index: int = 0
    multi_rnn_cell: bool = False


@dataclass(frozen=True)
class VariableName:
    """A parsed TF1 RNN variable name.

    Attributes:
        place: where its cell sits.
        role: the variable relative to the cell scope, in TF >= 1.2 spelling (``gates/kernel``).
        era: ``KERNEL_ERA`` or ``WEIGHTS_ERA`` as its last component says, or None for roles
            TF1 never renamed (``w_f_diag``, ``w_ru``).
    """

    place: CellPlace
    role: str
    era: str | None

    @property
    def prefix(self) -> str:
        return format_cell_prefix(self.place)


# {stored leaf: (era, TF >= 1.2 leaf)}, and every role longest first (so `gates/kernel` wins over `kernel`).
_LEAF_ERAS = {stored: (era, leaf) for era, leaves in ERA_LEAF_NAMES.items() for leaf, stored in leaves.items()}
_ALL_ROLES = sorted({role for required, optional in FAMILY_ROLES.values() for role in required + optional},
                    key=lambda role: (-role.count("/"), role))


def era_of(name: str) -> str | None:
    """The naming era the last component of ``name`` marks (``.../weights`` -> ``WEIGHTS_ERA``), or None."""
    found = _LEAF_ERAS.get(name.rpartition("/")[2])
    return found[0] if found else None


def canonical_name(name: str) -> str:
    """``name`` with a TF 1.0-1.1 ``weights``/``biases`` leaf renamed ``kernel``/``bias``.

    >>> canonical_name("rnn/lstm_cell/projection/weights")
    'rnn/lstm_cell/projection/kernel'
    """
    head, _, leaf = name.rpartition("/")
    found = _LEAF_ERAS.get(leaf)
    return f"{head}/{found[1]}" if head and found else name


def stored_role(role: str, era: str = KERNEL_ERA) -> str:
    """How ``role`` (TF >= 1.2 spelling) is written in ``era``: ``gates/kernel`` -> ``gates/weights``."""
    if era not in ERA_LEAF_NAMES:
        raise ValueError(f"Invalid value for `era`: expected one of {ERAS}, received {era!r}.")
    head, _, leaf = role.rpartition("/")
    leaf = ERA_LEAF_NAMES[era].get(leaf, leaf)
    return f"{head}/{leaf}" if head else leaf


def variable_name_candidates(prefix: str, role: str) -> tuple[str, ...]:
    """The names ``role`` under ``prefix`` may have been stored as, newest era first.

    >>> variable_name_candidates("rnn/lstm_cell", "kernel")
    ('rnn/lstm_cell/kernel', 'rnn/lstm_cell/weights')
    >>> variable_name_candidates("rnn/lstm_cell", "w_f_diag")
    ('rnn/lstm_cell/w_f_diag',)
    """
    return tuple(dict.fromkeys(f"{prefix}/{stored_role(role, era)}" if prefix else stored_role(role, era)
                               for era in ERAS))


def find_variable_name(names: Container[str], prefix: str, role: str) -> str | None:
    """The name ``role`` under ``prefix`` has among ``names`` (any container: a checkpoint's
    ``{name: array}``...), in whichever era wrote it, or None.

    >>> find_variable_name({"rnn/gru_cell/gates/weights": 0}, "rnn/gru_cell", "gates/kernel")
    'rnn/gru_cell/gates/weights'
    """
    return next((name for name in variable_name_candidates(prefix, role) if name in names), None)


def split_role(name: str, roles: tuple[str, ...] | None = None) -> tuple[str, str] | None:
    """``(cell prefix, role)`` for the longest known role ``name`` ends with (either era), or None.

    Args:
        name: a TF1 variable name.
        roles: the roles to look for (default: every family's).

    >>> split_role("enc/multi_rnn_cell/cell_1/gru_cell/candidate/biases")
    ('enc/multi_rnn_cell/cell_1/gru_cell', 'candidate/bias')
    """
    canonical = canonical_name(name)
    for role in _ALL_ROLES if roles is None else sorted(roles, key=lambda r: -r.count("/")):
        if canonical.endswith("/" + role):
            return canonical[: -len(role) - 1], role
    return None


def _layer_index(part: str) -> int | None:
    match = LAYER_SCOPE_PATTERN.match(part)
    return int(match.group(1)) if match else None


def parse_cell_prefix(prefix: str) -> CellPlace | None:
    """Where the cell scope ``prefix`` sits, or None when nothing in it says RNN.

    A prefix says RNN when it is a ``MultiRNNCell`` layer, under ``fw``/``bw``, a default cell
    scope (``lstm_cell``...), or a custom-named cell directly under a default driver scope
    (``rnn/x``). ``encoder/x`` alone looks exactly like a dense layer and gives None.

    >>> parse_cell_prefix("m/rnn/multi_rnn_cell/cell_1/lstm_cell")
    CellPlace(root='m/rnn', cell_scope='lstm_cell', driver='dynamic_rnn', direction='', index=1, multi_rnn_cell=True)
    """
    parts = prefix.split("/")
    cell_scope, context = parts[-1], parts[:-1]
    index = _layer_index(context[-1]) if len(context) >= 2 and context[-2] == MULTI_RNN_CELL_SCOPE else None
    multi = index is not None
    if multi:
        context = context[:-2]
    if context and context[-1] in DIRECTION_SCOPES:
        direction, context = context[-1], context[:-1]
        stacked = (len(context) >= 2 and context[-1] == STACKED_LAYER_DRIVER_SCOPE
                   and _layer_index(context[-2]) is not None)
        if stacked and not multi:
            return CellPlace("/".join(context[:-2]), cell_scope, "stack_bidirectional_dynamic_rnn", direction,
                             _layer_index(context[-2]), True)
        return CellPlace("/".join(context), cell_scope, "bidirectional_dynamic_rnn", direction, index or 0, multi)
    known_scope = cell_scope in CELL_SCOPE_FAMILIES
    under_driver_scope = bool(context) and context[-1] in set(DRIVER_SCOPES.values())
    if multi or known_scope or under_driver_scope:
        return CellPlace("/".join(context), cell_scope, "dynamic_rnn", "", index or 0, multi)
    return None


def _check_layout(driver: str, direction: str, index: int, multi_rnn_cell: bool) -> str:
    """The layout of ``driver``, the other arguments checked against it."""
    if driver not in DRIVER_LAYOUTS:
        raise ValueError(f"Invalid `driver`: expected one of {tuple(DRIVER_LAYOUTS)}, received {driver!r}.")
    layout = DRIVER_LAYOUTS[driver]
    directions = ("",) if layout == "dynamic_rnn" else DIRECTION_SCOPES
    if direction not in directions:
        raise ValueError(
            f"Invalid `direction` for driver {driver!r}: expected one of {directions}, received {direction!r}."
        )
    if layout == "stack_bidirectional_dynamic_rnn" and not multi_rnn_cell:
        raise ValueError(
            "Invalid `multi_rnn_cell`: expected True for 'stack_bidirectional_dynamic_rnn' (one cell per "
            "layer), received False."
        )
    if not isinstance(index, int) or index < 0 or (index and not multi_rnn_cell):
        raise ValueError(
            f"Invalid `index`: expected 0 for a cell outside a MultiRNNCell, or an int >= 0 in one, received {index!r}."
        )
    return layout


def layer_scope(root: str, *, driver: str = "dynamic_rnn", direction: str = "", index: int = 0,
                multi_rnn_cell: bool = False) -> str:
    """The scope a layer's cell opens its own scope in (the fields of :class:`CellPlace`).

    >>> layer_scope("rnn", index=2, multi_rnn_cell=True)
    'rnn/multi_rnn_cell/cell_2'
    """
    layout = _check_layout(driver, direction, index, multi_rnn_cell)
    layer = LAYER_SCOPE.format(index=index)
    if layout == "stack_bidirectional_dynamic_rnn":
        parts = [root, layer, STACKED_LAYER_DRIVER_SCOPE, direction]
    else:
        parts = [root, direction] + ([MULTI_RNN_CELL_SCOPE, layer] if multi_rnn_cell else [])
    return "/".join(part for part in parts if part)


def format_cell_prefix(place: CellPlace) -> str:
    """The TF1 cell prefix of ``place``.

    >>> format_cell_prefix(CellPlace("bidirectional_rnn", "gru_cell", "bidirectional_dynamic_rnn", "bw"))
    'bidirectional_rnn/bw/gru_cell'
    """
    if not place.cell_scope or "/" in place.cell_scope:
        raise ValueError(f"Invalid `cell_scope`: expected one scope name, received {place.cell_scope!r}.")
    scope = layer_scope(place.root, driver=place.driver, direction=place.direction, index=place.index,
                        multi_rnn_cell=place.multi_rnn_cell)
    return f"{scope}/{place.cell_scope}" if scope else place.cell_scope


def format_variable_name(place: CellPlace, role: str, era: str = KERNEL_ERA) -> str:
    """The TF1 name of ``role`` of the cell at ``place`` as ``era`` wrote it.

    >>> format_variable_name(CellPlace("rnn", "lstm_cell"), "projection/kernel", WEIGHTS_ERA)
    'rnn/lstm_cell/projection/weights'
    """
    if role not in _ALL_ROLES:
        raise ValueError(f"Invalid `role`: expected one of {tuple(sorted(_ALL_ROLES))}, received {role!r}.")
    return f"{format_cell_prefix(place)}/{stored_role(role, era)}"


def parse_variable_name(name: str) -> VariableName | None:
    """``name`` read as a TF1 RNN cell variable, or None (a dense layer, an embedding, a slot...).

    >>> parsed = parse_variable_name("rnn/multi_rnn_cell/cell_0/lstm_cell/weights")
    >>> parsed.place.index, parsed.place.cell_scope, parsed.role, parsed.era
    (0, 'lstm_cell', 'kernel', 'weights')
    """
    split = split_role(name)
    if split is None:
        return None
    prefix, role = split
    place = parse_cell_prefix(prefix)
    if place is None:
        return None
    return VariableName(place, role, era_of(name))


def is_pre_tf1_name(name: str) -> bool:
    """Whether ``name`` is a TF 0.x cell variable (``LSTMCell/W_0``, ``Linear/Matrix``, ``MultiRNNCell/CellN``)."""
    return any(pattern.search(name) for pattern in PRE_TF1_NAME_PATTERNS)


# --- Families and Keras weights --------------------------------------------------------


def _require_family(family: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if family not in FAMILY_ROLES:
        raise ValueError(f"Invalid `family`: expected one of {tuple(FAMILY_ROLES)}, received {family!r}.")
    return FAMILY_ROLES[family]


def cell_roles(family: str, *, peepholes: bool = False, projection: bool = False) -> tuple[str, ...]:
    """The roles of one cell of ``family``, required first, then the optional ones asked for.

    >>> cell_roles("lstm", peepholes=True, projection=True)
    ('kernel', 'bias', 'w_i_diag', 'w_f_diag', 'w_o_diag', 'projection/kernel')
    """
    required, optional = _require_family(family)
    wanted = (PEEPHOLE_ROLES if peepholes else ()) + ((PROJECTION_ROLE,) if projection else ())
    absent = [role for role in wanted if role not in optional]
    if absent:
        raise ValueError(
            f"Invalid options for family {family!r}: it has no {', '.join(absent)} (optional roles: "
            f"{optional or 'none'})."
        )
    return required + tuple(role for role in optional if role in wanted)


def fitting_families(roles: set[str] | frozenset[str]) -> tuple[str, ...]:
    """The families whose variable set is exactly ``roles`` (required ones all there, nothing unknown)."""
    return tuple(family for family, (required, optional) in FAMILY_ROLES.items()
                 if set(required) <= set(roles) <= set(required) | set(optional))


def scope_families(cell_scope: str) -> tuple[str, ...]:
    """The families a cell scope may hold: its class's for a default scope, else ``CUSTOM_NAME_FAMILIES``."""
    return CELL_SCOPE_FAMILIES.get(cell_scope, CUSTOM_NAME_FAMILIES)


def default_cell_scopes(family: str) -> tuple[str, ...]:
    """The default cell scopes of ``family``, most common first: ``lstm`` -> ``lstm_cell``, ``basic_lstm_cell``."""
    _require_family(family)
    return tuple(scope for scope, families in CELL_SCOPE_FAMILIES.items() if family in families)


def spec_kind(family: str, cell_scope: str) -> str:
    """The StackSpec kind a cell of ``family`` under ``cell_scope`` becomes."""
    _require_family(family)
    if family == "lstm" and cell_scope == SPEC_KIND_SCOPES["basic_lstm"]:
        return "basic_lstm"
    return FAMILY_SPEC_KINDS[family]


def keras_weight_sources(family: str, roles: tuple[str, ...] | set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """``[(Keras weight name, TF1 roles it is made from)]`` in ``cell.set_weights`` order.

    ``roles`` are the roles the cell has; an LSTM's optional ones add ``TF1LSTMCell`` weights.

    >>> keras_weight_sources("lstm", {"kernel", "bias", "projection/kernel"})[-1]
    ('projection_kernel', ('projection/kernel',))
    """
    _, optional = _require_family(family)
    sources = list(KERAS_WEIGHT_SOURCES[family])
    sources += [(KERAS_OPTIONAL_WEIGHTS[role], (role,)) for role in optional if role in roles]
    return sources


def keras_weight_indices(family: str, role: str, roles: tuple[str, ...] | set[str]) -> tuple[int, ...]:
    """The indices in ``cell.set_weights`` order of the Keras weights ``role`` feeds.

    >>> keras_weight_indices("gru", "gates/kernel", cell_roles("gru"))
    (0, 1)
    """
    indices = tuple(index for index, (_, sources) in enumerate(keras_weight_sources(family, roles))
                    if role in sources)
    if not indices:
        raise ValueError(
            f"Invalid `role` for family {family!r}: expected one of {tuple(sorted(roles))}, received {role!r}."
        )
    return indices


__all__ = [
    "CELL_SCOPE_FAMILIES", "CUSTOM_NAME_FAMILIES", "CellPlace", "DIRECTION_SCOPES", "DRIVER_LAYOUTS",
    "DRIVER_SCOPES", "ERAS", "ERA_LEAF_NAMES", "FAMILY_ERAS", "FAMILY_ROLES",
    "FAMILY_SPEC_KINDS", "KERAS_OPTIONAL_WEIGHTS", "KERAS_WEIGHT_SOURCES", "KERNEL_ERA", "LAYER_SCOPE",
    "MULTI_RNN_CELL_SCOPE", "OPTIONAL_ROLE_KEYWORDS", "PEEPHOLE_ROLES", "PRE_TF1_NAME_PATTERNS",
    "PROJECTION_ROLE", "SPEC_KIND_FAMILIES", "SPEC_KIND_SCOPES", "VariableName", "WEIGHTS_ERA",
    "canonical_name", "cell_roles", "default_cell_scopes", "era_of", "find_variable_name", "fitting_families",
    "format_cell_prefix", "format_variable_name", "is_pre_tf1_name", "keras_weight_indices",
    "keras_weight_sources", "layer_scope", "parse_cell_prefix", "parse_variable_name", "scope_families",
    "spec_kind", "split_role", "stored_role", "variable_name_candidates",
]
