"""The codemods, one per module, and the levels that compose them (DESIGN.md §4).

Order matters within a level: the engine runs the codemods' leave methods in this order on
each node, and a codemod that replaces a node by one of another kind ends the chain for it.
"""

from __future__ import annotations

from migrate.codemods.disable_eager import DisableEagerCommand
from migrate.codemods.enable_legacy_keras import EnableLegacyKerasCommand
from migrate.codemods.fix_arguments import FixArgumentsCommand
from migrate.codemods.rename_symbols import RenameSymbolsCommand
from migrate.codemods.untie_cells import UntieCellsCommand

COMPAT = (
    RenameSymbolsCommand,
    FixArgumentsCommand,
    UntieCellsCommand,
    DisableEagerCommand,
    EnableLegacyKerasCommand,
)

LEVELS = {"compat": COMPAT}

__all__ = [
    "COMPAT",
    "LEVELS",
    "DisableEagerCommand",
    "EnableLegacyKerasCommand",
    "FixArgumentsCommand",
    "RenameSymbolsCommand",
    "UntieCellsCommand",
]
