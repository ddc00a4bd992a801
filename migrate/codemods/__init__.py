"""The codemods, one per module, and the levels that compose them (ARCHITECTURE.md: the codemod engine).

Order matters within a level: the engine runs the codemods' leave methods in this order on
each node, and a codemod that replaces a node by one of another kind ends the chain for it.
"""

from __future__ import annotations

from migrate.codemods.disable_eager import DisableEagerCommand
from migrate.codemods.enable_legacy_keras import EnableLegacyKerasCommand
from migrate.codemods.fix_arguments import FixArgumentsCommand
from migrate.codemods.fix_dimension_value import FixDimensionValueCommand
from migrate.codemods.port_rnn_to_keras import PortRNNToKerasCommand
from migrate.codemods.rename_symbols import RenameSymbolsCommand
from migrate.codemods.restructure_session_program import RestructureSessionProgramCommand
from migrate.codemods.untie_cells import UntieCellsCommand

COMPAT = (
    RenameSymbolsCommand,
    FixArgumentsCommand,
    FixDimensionValueCommand,
    UntieCellsCommand,
    DisableEagerCommand,
    EnableLegacyKerasCommand,
)

# The keras level runs in three passes, each on the previous one's output: compat without
# the legacy-Keras setting (so every RNN name is in its tf.compat.v1 home), the port to Keras
# 3, then the legacy-Keras setting again only where a use the port cannot convert remains.
KERAS = (
    tuple(command for command in COMPAT if command is not EnableLegacyKerasCommand),
    (PortRNNToKerasCommand,),
    (EnableLegacyKerasCommand,),
)

# The tf2 level restructures the keras level's output: state built once, one tf.function per
# Session.run site, no Session (migrate.session_program); a file it cannot restructure exactly
# stays as the keras level left it, with one finding.
TF2 = (*KERAS, (RestructureSessionProgramCommand,))

STAGES = {"compat": (COMPAT,), "keras": KERAS, "tf2": TF2}
LEVELS = {name: tuple(command for stage in stages for command in stage) for name, stages in STAGES.items()}

__all__ = [
    "COMPAT",
    "KERAS",
    "LEVELS",
    "STAGES",
    "DisableEagerCommand",
    "EnableLegacyKerasCommand",
    "FixArgumentsCommand",
    "FixDimensionValueCommand",
    "PortRNNToKerasCommand",
    "RenameSymbolsCommand",
    "RestructureSessionProgramCommand",
    "TF2",
    "UntieCellsCommand",
]
