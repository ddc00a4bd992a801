"""The abstract values of the binding analysis, its answer, and the chains it joins.

A value is a frozenset of atoms: every thing an expression may hold at run time. Sites that
share a cell are joined into one chain by :class:`UnionFind`.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

# --- abstract values -------------------------------------------------------------------------
# A value is a frozenset of atoms: every thing the expression may hold at run time.


@dataclasses.dataclass(frozen=True, eq=False)
class Cell:
    """A cell the level converts (or a ``tf.keras`` cell, which the keras_rnn drivers run as it
    is), identified by its origin: the constructor (or wrapper / stack) call, or the class
    reference whose calls build it (``cell_fn = rnn.LSTMCell``)."""

    origin: cst.CSTNode


@dataclasses.dataclass(frozen=True, eq=False)
class CellClass:
    """A convertible TF1 cell class used as a value."""

    reference: cst.CSTNode


@dataclasses.dataclass(frozen=True, eq=False)
class Foreign:
    """A TF1 cell-like value the level does not convert (another legacy cell or wrapper, a
    class deriving from a TF1 cell), or a class producing one."""

    node: cst.CSTNode
    what: str
    is_class: bool = False


@dataclasses.dataclass(frozen=True, eq=False)
class Function:
    """One of the module's functions, methods or lambdas: calling it gives what it returns."""

    node: cst.CSTNode


@dataclasses.dataclass(frozen=True, eq=False)
class ModuleClass:
    """A plain class of the module (no TF1 cell among its bases)."""

    node: cst.ClassDef


@dataclasses.dataclass(frozen=True, eq=False)
class Instance:
    """An object of a plain class of the module: provably not a TF1 cell."""

    node: cst.ClassDef


@dataclasses.dataclass(frozen=True, eq=False)
class Sequence:
    """A list or tuple; ``elements`` is the union of what its items may hold."""

    elements: frozenset


@dataclasses.dataclass(frozen=True, eq=False)
class Unknown:
    """A value the analysis cannot trace (a parameter of an unknown caller, an import...)."""

    node: cst.CSTNode


# Provably not a cell: numbers, strings, TensorFlow tensors and functions, None.
NOT_A_CELL = frozenset({"not-a-cell"})

# Modules whose classes are TF1 cells or wrappers: a name there that is not in ks.CELLS or a
# converted wrapper is a cell the keras level leaves alone.
FOREIGN_CELL_MODULES = (
    "tensorflow.nn.rnn_cell.",
    "tensorflow.contrib.rnn.",
    "tensorflow.contrib.seq2seq.",
    "tensorflow.contrib.cudnn_rnn.",
    "tensorflow.contrib.grid_rnn.",
)

CELL_WRAPPERS = ("DropoutWrapper", "ResidualWrapper")


@dataclasses.dataclass
class Blocker:
    node: cst.CSTNode
    message: str
    suggestion: str


@dataclasses.dataclass
class CellFlow:
    """The analysis' answer for one module (every node an original node of it)."""

    # Sites kept at their compat form: constructor / wrapper / stack / driver calls, their
    # callee expressions, and class references.
    kept: set = dataclasses.field(default_factory=set)
    # Receivers provably holding converted cells: ``X`` of ``X.zero_state(...)``,
    # ``X.state_size`` and of a direct step ``X(inputs, state)``.
    cells: set = dataclasses.field(default_factory=set)
    blockers: list = dataclasses.field(default_factory=list)


class UnionFind:
    def __init__(self) -> None:
        self._parent: dict = {}

    def add(self, node) -> None:
        self._parent.setdefault(node, node)

    def find(self, node):
        self.add(node)
        while self._parent[node] is not node:
            self._parent[node] = self._parent[self._parent[node]]
            node = self._parent[node]
        return node

    def join(self, a, b) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a is not root_b:
            self._parent[root_a] = root_b

    def nodes(self):
        return list(self._parent)
