"""A plain description of a TF1 RNN stack, shared by the reference and the port.

This module imports no TensorFlow: ``tf2_port``, the CLI's ``verify --spec`` and
the tests read specs without loading legacy Keras.

A :class:`StackSpec` says everything needed to build the same network twice —
once as a ``tf.compat.v1`` graph of legacy cells (``tf1_reference.builder``) and
once as native Keras 3 (``tf2_port``):

    StackSpec(
        layers=(LayerSpec("lstm", 8, use_peepholes=True),
                LayerSpec("gru", 6, wrappers=(DropoutSpec(output_keep_prob=0.5),))),
        driver="dynamic_rnn", time_major=True, use_sequence_length=True,
    )

Invalid specs raise ``ValueError`` naming the field, what was expected and what
was received. ``to_dict`` / ``from_dict`` give a JSON-able form.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Union

# --- Tables (names the spec accepts) -------------------------------------------------

CELL_KINDS = ("basic_rnn", "gru", "basic_lstm", "lstm")
LSTM_KINDS = ("basic_lstm", "lstm")

DRIVERS = (
    "dynamic_rnn",
    "static_rnn",
    "bidirectional_dynamic_rnn",
    "static_bidirectional_rnn",
    # contrib.rnn.stack_bidirectional_dynamic_rnn: one bidirectional layer per
    # cell, each layer fed the previous layer's concatenated fw/bw outputs.
    "stack_bidirectional_dynamic_rnn",
)
BIDIRECTIONAL_DRIVERS = (
    "bidirectional_dynamic_rnn",
    "static_bidirectional_rnn",
    "stack_bidirectional_dynamic_rnn",
)
STATIC_DRIVERS = ("static_rnn", "static_bidirectional_rnn")

# Activation names accepted for a cell; each maps to the same function in TF1
# (tf.nn.*) and in Keras 3 (keras.activations.*).
ACTIVATIONS = ("tanh", "relu", "sigmoid", "softsign", "elu", "linear")

DTYPES = ("float32", "float64")


def _invalid(field_name: str, expected: str, received: Any) -> ValueError:
    return ValueError(
        f"Invalid value for `{field_name}`: expected {expected}, received {received!r}."
    )


def _require_positive_int(field_name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _invalid(field_name, "a positive int", value)


def _require_keep_prob(field_name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
        raise _invalid(field_name, "a keep probability in (0, 1]", value)


def _require_optional_positive_number(field_name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise _invalid(field_name, "None or a positive number", value)


# --- Wrappers -------------------------------------------------------------------------


@dataclass(frozen=True)
class DropoutSpec:
    """``DropoutWrapper`` settings (TF1 semantics: ARCHITECTURE.md, facts: dropout).

    A keep probability below 1.0 is fed to the TF1 graph through a
    ``placeholder_with_default``, as real scripts fed ``keep_prob``: the
    reference runs it at its value in training mode and at 1.0 in inference
    mode. A keep probability of exactly 1.0 adds nothing to the graph.
    """

    input_keep_prob: float = 1.0
    output_keep_prob: float = 1.0
    state_keep_prob: float = 1.0
    variational_recurrent: bool = False
    seed: int | None = None

    def validate(self, where: str) -> None:
        _require_keep_prob(f"{where}.input_keep_prob", self.input_keep_prob)
        _require_keep_prob(f"{where}.output_keep_prob", self.output_keep_prob)
        _require_keep_prob(f"{where}.state_keep_prob", self.state_keep_prob)
        if not isinstance(self.variational_recurrent, bool):
            raise _invalid(f"{where}.variational_recurrent", "a bool", self.variational_recurrent)
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise _invalid(f"{where}.seed", "None or an int", self.seed)

    @property
    def is_identity(self) -> bool:
        """True when every keep probability is 1.0: the wrapper changes nothing."""
        return self.input_keep_prob == self.output_keep_prob == self.state_keep_prob == 1.0


@dataclass(frozen=True)
class ResidualSpec:
    """``ResidualWrapper`` with TF1's default residual function: output = input + cell output."""

    def validate(self, where: str) -> None:
        return None


WrapperSpec = Union[DropoutSpec, ResidualSpec]
_WRAPPER_TYPES = {"dropout": DropoutSpec, "residual": ResidualSpec}


# --- Layers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerSpec:
    """One cell of the stack and the wrappers around it.

    Args:
        kind: one of ``CELL_KINDS`` (``BasicRNNCell``, ``GRUCell``,
            ``BasicLSTMCell``, ``LSTMCell``).
        units: ``num_units``.
        forget_bias: LSTM kinds only; TF1 adds it to the forget gate at every step.
        activation: one of ``ACTIVATIONS``.
        use_peepholes, cell_clip, num_proj, proj_clip: ``LSTMCell`` only.
        state_is_tuple: LSTM kinds only; ``False`` gives TF1's ``concat([c, h])``.
        wrappers: applied innermost first, e.g. ``(DropoutSpec(...), ResidualSpec())``
            is ``ResidualWrapper(DropoutWrapper(cell))``.
        name: the cell's ``name=`` (changes its variable scope), or None for TF1's default.
    """

    kind: str
    units: int
    forget_bias: float = 1.0
    activation: str = "tanh"
    use_peepholes: bool = False
    cell_clip: float | None = None
    num_proj: int | None = None
    proj_clip: float | None = None
    state_is_tuple: bool = True
    wrappers: tuple[WrapperSpec, ...] = ()
    name: str | None = None

    @property
    def is_lstm(self) -> bool:
        return self.kind in LSTM_KINDS

    @property
    def output_size(self) -> int:
        """Width of the emitted output (``num_proj`` when projecting)."""
        return self.num_proj if self.num_proj is not None else self.units

    @property
    def dropout(self) -> DropoutSpec | None:
        """The (single) dropout wrapper of this layer, if any."""
        for wrapper in self.wrappers:
            if isinstance(wrapper, DropoutSpec):
                return wrapper
        return None

    @property
    def has_residual(self) -> bool:
        return any(isinstance(wrapper, ResidualSpec) for wrapper in self.wrappers)

    def validate(self, where: str, input_size: int) -> None:
        if self.kind not in CELL_KINDS:
            raise _invalid(f"{where}.kind", f"one of {CELL_KINDS}", self.kind)
        _require_positive_int(f"{where}.units", self.units)
        if self.activation not in ACTIVATIONS:
            raise _invalid(f"{where}.activation", f"one of {ACTIVATIONS}", self.activation)
        if isinstance(self.forget_bias, bool) or not isinstance(self.forget_bias, (int, float)):
            raise _invalid(f"{where}.forget_bias", "a number", self.forget_bias)
        if not self.is_lstm:
            if self.forget_bias != 1.0:
                raise _invalid(
                    f"{where}.forget_bias", f"the default 1.0 for a {self.kind!r} cell (LSTM only)",
                    self.forget_bias,
                )
            if self.state_is_tuple is not True:
                raise _invalid(
                    f"{where}.state_is_tuple", f"True for a {self.kind!r} cell (LSTM only)",
                    self.state_is_tuple,
                )
        if not isinstance(self.state_is_tuple, bool):
            raise _invalid(f"{where}.state_is_tuple", "a bool", self.state_is_tuple)
        lstm_cell_only = {
            "use_peepholes": (self.use_peepholes, False),
            "cell_clip": (self.cell_clip, None),
            "num_proj": (self.num_proj, None),
            "proj_clip": (self.proj_clip, None),
        }
        if self.kind != "lstm":
            for option, (value, default) in lstm_cell_only.items():
                if value != default:
                    raise _invalid(
                        f"{where}.{option}",
                        f"{default!r} for a {self.kind!r} cell (an LSTMCell option)",
                        value,
                    )
        if not isinstance(self.use_peepholes, bool):
            raise _invalid(f"{where}.use_peepholes", "a bool", self.use_peepholes)
        _require_optional_positive_number(f"{where}.cell_clip", self.cell_clip)
        _require_optional_positive_number(f"{where}.proj_clip", self.proj_clip)
        if self.num_proj is not None:
            _require_positive_int(f"{where}.num_proj", self.num_proj)
        if self.proj_clip is not None and self.num_proj is None:
            raise _invalid(f"{where}.proj_clip", "None when num_proj is None", self.proj_clip)
        if self.name is not None and (not isinstance(self.name, str) or not self.name or "/" in self.name):
            raise _invalid(f"{where}.name", "None or a non-empty name without '/'", self.name)
        if not isinstance(self.wrappers, tuple):
            raise _invalid(f"{where}.wrappers", "a tuple of DropoutSpec / ResidualSpec", self.wrappers)
        dropout_count = 0
        for index, wrapper in enumerate(self.wrappers):
            if not isinstance(wrapper, (DropoutSpec, ResidualSpec)):
                raise _invalid(f"{where}.wrappers[{index}]", "a DropoutSpec or ResidualSpec", wrapper)
            wrapper.validate(f"{where}.wrappers[{index}]")
            dropout_count += isinstance(wrapper, DropoutSpec)
        if dropout_count > 1:
            raise _invalid(f"{where}.wrappers", "at most one DropoutSpec", self.wrappers)
        if self.has_residual and input_size != self.output_size:
            raise _invalid(
                f"{where}.wrappers",
                f"a ResidualSpec only where the layer's input width equals its output width "
                f"(input {input_size}, output {self.output_size})",
                self.wrappers,
            )


# --- The stack ------------------------------------------------------------------------


@dataclass(frozen=True)
class StackSpec:
    """A whole TF1 RNN stack and the shapes it is run on.

    Args:
        layers: one ``LayerSpec`` per layer, bottom first.
        driver: one of ``DRIVERS``. Bidirectional drivers build every layer once
            per direction (``fw`` and ``bw`` get their own variables).
        multi_rnn_cell: wrap the cells in ``MultiRNNCell`` (needed for more than
            one layer with a non-stacked driver). ``False`` drives the bare cell
            of a one-layer spec (variables ``rnn/lstm_cell/...``).
        multi_state_is_tuple: ``MultiRNNCell(state_is_tuple=...)``; ``False``
            concatenates the per-layer flat states (every LSTM layer then needs
            ``state_is_tuple=False``).
        time_major: ``[time, batch, depth]`` inputs and outputs (not for static drivers).
        use_sequence_length: feed a ``sequence_length`` vector.
        scope: the driver's ``scope=`` (default: TF1's own ``rnn`` /
            ``bidirectional_rnn`` / ``stack_bidirectional_rnn``).
        dtype: ``"float32"`` or ``"float64"``.
        batch_size, time_steps, input_size: the shapes the stack is run on.
    """

    layers: tuple[LayerSpec, ...]
    driver: str = "dynamic_rnn"
    multi_rnn_cell: bool = True
    multi_state_is_tuple: bool = True
    time_major: bool = False
    use_sequence_length: bool = False
    scope: str | None = None
    dtype: str = "float32"
    batch_size: int = 3
    time_steps: int = 5
    input_size: int = 4

    def __post_init__(self) -> None:
        if isinstance(self.layers, list):
            object.__setattr__(self, "layers", tuple(self.layers))
        self.validate()

    @property
    def is_bidirectional(self) -> bool:
        return self.driver in BIDIRECTIONAL_DRIVERS

    @property
    def is_static(self) -> bool:
        return self.driver in STATIC_DRIVERS

    def layer_input_sizes(self) -> list[int]:
        """The input width each layer sees, bottom first."""
        sizes = [self.input_size]
        for layer in self.layers[:-1]:
            width = layer.output_size
            if self.driver == "stack_bidirectional_dynamic_rnn":
                width *= 2  # the next layer reads concat(fw, bw)
            sizes.append(width)
        return sizes

    @property
    def output_size(self) -> int:
        """Width of the sequence output of one direction."""
        return self.layers[-1].output_size

    def validate(self) -> None:
        if not isinstance(self.layers, tuple) or not self.layers:
            raise _invalid("layers", "a non-empty tuple of LayerSpec", self.layers)
        for index, layer in enumerate(self.layers):
            if not isinstance(layer, LayerSpec):
                raise _invalid(f"layers[{index}]", "a LayerSpec", layer)
        if self.driver not in DRIVERS:
            raise _invalid("driver", f"one of {DRIVERS}", self.driver)
        if self.dtype not in DTYPES:
            raise _invalid("dtype", f"one of {DTYPES}", self.dtype)
        for name in ("batch_size", "time_steps", "input_size"):
            _require_positive_int(name, getattr(self, name))
        for name in ("multi_rnn_cell", "multi_state_is_tuple", "time_major", "use_sequence_length"):
            if not isinstance(getattr(self, name), bool):
                raise _invalid(name, "a bool", getattr(self, name))
        if self.scope is not None and (not isinstance(self.scope, str) or not self.scope):
            raise _invalid("scope", "None or a non-empty scope name", self.scope)
        for index, (layer, input_size) in enumerate(zip(self.layers, self.layer_input_sizes())):
            layer.validate(f"layers[{index}]", input_size)

        if self.time_major and self.is_static:
            raise _invalid("time_major", f"False with driver {self.driver!r} (it takes a list of steps)", True)
        if self.driver == "stack_bidirectional_dynamic_rnn":
            if not self.multi_rnn_cell or not self.multi_state_is_tuple:
                raise _invalid(
                    "multi_rnn_cell/multi_state_is_tuple",
                    "True for 'stack_bidirectional_dynamic_rnn' (it uses no MultiRNNCell)",
                    (self.multi_rnn_cell, self.multi_state_is_tuple),
                )
        if not self.multi_rnn_cell:
            if len(self.layers) != 1:
                raise _invalid(
                    "multi_rnn_cell", f"True for a stack of {len(self.layers)} layers", False
                )
            if not self.multi_state_is_tuple:
                raise _invalid("multi_state_is_tuple", "True when multi_rnn_cell is False", False)
        if not self.multi_state_is_tuple:
            for index, layer in enumerate(self.layers):
                if layer.is_lstm and layer.state_is_tuple:
                    raise _invalid(
                        f"layers[{index}].state_is_tuple",
                        "False when multi_state_is_tuple is False (MultiRNNCell concatenates flat states)",
                        True,
                    )

    # --- JSON-able form ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["layers"] = [_layer_to_dict(layer) for layer in self.layers]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StackSpec":
        if not isinstance(data, dict):
            raise _invalid("spec", "a JSON object", data)
        _reject_unknown_keys("spec", data, cls)
        if "layers" not in data:
            raise _invalid("layers", "a list of layer objects", None)
        if not isinstance(data["layers"], list):
            raise _invalid("layers", "a list of layer objects", data["layers"])
        layers = tuple(_layer_from_dict(f"layers[{i}]", item) for i, item in enumerate(data["layers"]))
        return cls(**{**data, "layers": layers})


def _layer_to_dict(layer: LayerSpec) -> dict[str, Any]:
    data = {f.name: getattr(layer, f.name) for f in dataclasses.fields(layer) if f.name != "wrappers"}
    data["wrappers"] = [
        {"type": wrapper_type, **dataclasses.asdict(wrapper)}
        for wrapper in layer.wrappers
        for wrapper_type, wrapper_class in _WRAPPER_TYPES.items()
        if isinstance(wrapper, wrapper_class)
    ]
    return data


def _layer_from_dict(where: str, data: Any) -> LayerSpec:
    if not isinstance(data, dict):
        raise _invalid(where, "a layer object", data)
    _reject_unknown_keys(where, data, LayerSpec)
    wrappers = []
    for index, item in enumerate(data.get("wrappers", [])):
        item_where = f"{where}.wrappers[{index}]"
        if not isinstance(item, dict) or item.get("type") not in _WRAPPER_TYPES:
            raise _invalid(item_where, f"an object with 'type' in {tuple(_WRAPPER_TYPES)}", item)
        wrapper_class = _WRAPPER_TYPES[item["type"]]
        fields = {key: value for key, value in item.items() if key != "type"}
        _reject_unknown_keys(item_where, fields, wrapper_class)
        wrappers.append(wrapper_class(**fields))
    return LayerSpec(**{**data, "wrappers": tuple(wrappers)})


def _reject_unknown_keys(where: str, data: dict[str, Any], spec_class: type) -> None:
    known = {f.name for f in dataclasses.fields(spec_class)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(
            f"Unknown key(s) {unknown} in `{where}`: expected only {sorted(known)}."
        )


def lstm_stack(units: list[int] | tuple[int, ...], **stack_options: Any) -> StackSpec:
    """Shorthand for a stack of plain ``LSTMCell`` layers."""
    return StackSpec(layers=tuple(LayerSpec("lstm", u) for u in units), **stack_options)


__all__ = [
    "ACTIVATIONS", "BIDIRECTIONAL_DRIVERS", "CELL_KINDS", "DRIVERS", "DTYPES", "LSTM_KINDS",
    "STATIC_DRIVERS", "DropoutSpec", "LayerSpec", "ResidualSpec", "StackSpec", "WrapperSpec",
    "lstm_stack",
]
