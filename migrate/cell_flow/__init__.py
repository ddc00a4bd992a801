"""Which expressions provably hold TF1 cells: the keras level's binding analysis.

The keras level turns a call into a cell, state or driver operation only when the value it acts
on provably comes from a TF1 cell constructor, and converts a chain (constructors -> wrappers ->
stacks -> drivers, ``zero_state``, direct cell steps) only when every cell that reaches any of
its sites converts: all or nothing. This module decides that, before the rewrite, from the
bindings libcst's scope analysis gives and a small local data flow:

- assignments (several bindings of one name are a union: the analysis is not flow-sensitive,
  which only ever joins more sites into one chain), ``for`` and comprehension targets,
  ``list.append`` / ``extend`` / ``+=`` on a list name;
- list and tuple literals, comprehensions, ``[cell] * n``, subscripts of such lists;
- returns of the module's own functions, methods and lambdas;
- ``self.attr`` assigned in any method of a class and read in another;
- function parameters, only when every call site of the function is a direct call and passes
  a traceable value.

Anything else is *unknown*. A chain reached by something the level does not convert (a custom
``RNNCell`` subclass, ``OutputProjectionWrapper``...) stays at its compat form; a driver, wrapper
or stack reached by an unknown value keeps the whole module's cells compat (a converted cell
could reach it along the path the analysis cannot see). Either way the blocking site gets an
error finding (TFM506) naming it and saying what a person must do.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from migrate import keras_symbols as ks
from migrate.cell_flow.tracing import Analysis
from migrate.cell_flow.values import Blocker, CellFlow

__all__ = ["Blocker", "CellFlow", "analyse"]


def analyse(module: cst.Module, scopes, qualified: Callable[[cst.CSTNode], str | None],
            kept_references: set, display: Callable[[cst.CSTNode], str]) -> CellFlow:
    """Decide, for ``module``, which cell sites convert and which receivers hold converted cells.

    ``scopes`` is libcst's ScopeProvider mapping, ``qualified`` gives the normalised
    ``tensorflow...`` name of a Name / Attribute node (None for others), ``kept_references``
    are class references that must stay the class (``isinstance``, bases), ``display`` prints
    a node for a message.
    """
    analysis = Analysis(module, scopes, qualified, kept_references, display)
    try:
        return analysis.run()
    except RecursionError:
        # A data flow deeper than the interpreter's stack: nothing is decided, so every cell
        # site of the module keeps its compat form (never a half-converted chain).
        flow = CellFlow()
        flow.kept = {call for call in analysis.facts.calls if qualified(call.func) is not None}
        flow.kept |= {call.func for call in flow.kept}
        flow.kept |= {node for node in analysis.facts.references if qualified(node) in ks.CELLS}
        flow.blockers = [Blocker(module, "the file's data flow is too deep to trace: no cell of it is converted",
                                 "port the file by hand, or split its long assignment chains")]
        return flow
