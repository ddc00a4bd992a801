"""What a conversion returns: the TF1 -> Keras weight mapping, per stack and for the checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from tf1_reference.spec import StackSpec
from tf2_port.checkpoint.discovery import DiscoveredCell
from tf2_port.checkpoint.settings import Setting


class WeightMapping(NamedTuple):
    """One TF1 variable feeding one Keras weight (a fused TF1 kernel feeds two).

    ``keras_path`` is ``<model name>/[<direction>/]layer_<i>/<weight name>``: the
    weight of ``tf2_port.build.base_cell(model.cells[direction][i])`` (direction
    ``""`` for unidirectional stacks). Keras' own variable paths are not used
    because their auto-numbered cell names change from process to process.
    """

    tf1_name: str
    tf1_shape: tuple[int, ...]
    keras_path: str
    keras_shape: tuple[int, ...]


@dataclass
class StackConversion:
    """One converted stack.

    Attributes:
        root: the TF1 driver scope, e.g. ``lm/rnn``.
        spec: the ``StackSpec`` its ``StackPort`` was built from (``None`` for
            ``CudnnGRU``, which StackSpec cannot express: see ``layers``).
        keras_path: the ``.keras`` file (in ``out_dir``).
        model_class: ``"StackPort"`` or ``"CudnnGRUStackPort"``.
        layers: the discovered cells per direction.
        settings: ``{cell prefix: {setting: Setting}}``.
        mapping: every (TF1 variable, Keras weight) pair.
    """

    root: str
    spec: StackSpec | None
    keras_path: str
    model_class: str
    layers: dict[str, tuple[DiscoveredCell, ...]]
    settings: dict[str, dict[str, Setting]]
    mapping: list[WeightMapping]


@dataclass
class ConversionResult:
    """What :func:`convert_checkpoint` wrote.

    Attributes:
        checkpoint: the checkpoint prefix that was read.
        meta_path: the ``.meta`` graph settings were read from, or None.
        out_dir: the output directory.
        stacks: one ``StackConversion`` per RNN stack.
        rest_path: ``rest.npz``: every other array, keys = TF1 names.
        rest: ``[(TF1 name, shape)]`` of the arrays in ``rest.npz``.
        skipped: ``[(TF1 name, reason)]`` of the arrays converted nowhere.
    """

    checkpoint: str
    meta_path: str | None
    out_dir: str
    stacks: list[StackConversion]
    rest_path: str
    rest: list[tuple[str, tuple[int, ...]]]
    skipped: list[tuple[str, str]] = field(default_factory=list)
