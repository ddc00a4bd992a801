"""``tf.compat.v1.train.Saver`` as an object-based TensorFlow 2 checkpoint, written out.

A TF1 ``Saver()`` saved every variable that existed when it was built, by graph name. The TF2
program keeps the same values in ``tf.Variable`` s, Keras layers and the Keras optimizer, so:

- the Saver becomes ``checkpoint = tf.train.Checkpoint(...)`` where it was built, tracking each
  weight under a key made of its TF1 name (``LM/rnn`` -> ``LM_rnn``) and the optimizers whose
  ``minimize`` came before it (TF1 saved their slots then). An RNN's cells are tracked one by
  one: ``tf.train.Checkpoint`` sees none of the weights of a ``keras.layers.RNN`` over
  ``StackedRNNCells`` (DESIGN.md 3.5);
- ``saver.save(sess, path, global_step=n)`` becomes ``save_checkpoint(path, n)``: the prefix
  ``path-n``, listed in the directory's ``checkpoint`` file, the last ``max_to_keep`` kept
  (``tf.train.CheckpointManager``, what Saver did); without ``global_step``, ``path`` itself;
- ``saver.restore(sess, path)`` becomes ``restore_checkpoint(path)``, which reads a checkpoint
  the program wrote, or one the TF1 script wrote -- by TF1 names, through the project's
  converter (``tf2_port.tf1_restore.restore_tf1_checkpoint_into``).
"""

from __future__ import annotations

import re

import libcst as cst

from migrate.session_program import Refusal
from migrate.session_program.sites import SaverCall

# TF1 Saver's max_to_keep when not given.
DEFAULT_MAX_TO_KEEP = "5"
# Where the output finds TF1's checkpoint reader (the project's converter).
TF1_RESTORE = ("tf2_port.tf1_restore", "restore_tf1_checkpoint_into")
# RNN cell families whose cell is a StackedRNNCells (native_rnn's families).
STACK_FAMILIES = frozenset({"lstm_stack", "single_stack"})


def tracked_key(tf1_name: str, taken: set[str]) -> str:
    """A checkpoint key for a TF1 name: ``LM/rnn`` -> ``LM_rnn``, unique, a Python name."""
    key = re.sub(r"\W+", "_", tf1_name).strip("_") or "weight"
    if key[0].isdigit() or key == "save_counter":  # save_counter: tf.train.Checkpoint's own
        key = "weight_" + key
    base, index = key, 2
    while key in taken:
        key, index = f"{base}_{index}", index + 1
    taken.add(key)
    return key


def checkpoint_statement(name: str, weights: list[tuple[str, str]], rnn_families: dict[str, str],
                         optimizers: list[str]) -> cst.BaseStatement:
    """``name = tf.train.Checkpoint(key=object, ...)`` for the weights built so far.

    ``rnn_families`` maps the expression of an RNN layer's cell (``cell_rnn.cell``) to its family:
    a stack is tracked as the list of its base cells (a wrapper holds no weights of its own)."""
    if not weights and not optimizers:
        raise Refusal(None, "a Saver built before any variable (TF1 saved nothing through it)", "")
    taken: set[str] = set()
    items = []
    for tf1_name, expression in weights:
        family = rnn_families.get(expression)
        if family is None:
            tracked = expression
        elif family in STACK_FAMILIES:
            tracked = f'[getattr(layer, "cell", layer) for layer in {expression}.cells]'
        else:
            tracked = f'getattr({expression}, "cell", {expression})'
        items.append(f"    {tracked_key(tf1_name, taken)}={tracked},")
    for optimizer in optimizers:
        items.append(f"    {tracked_key('optimizer', taken) if len(optimizers) == 1 else tracked_key(optimizer, taken)}"
                     f"={optimizer},  # its slots: TF1 saved them, created by minimize() before the Saver")
    code = ("# tf.compat.v1.train.Saver: an object-based checkpoint of the same weights, each tracked under its TF1\n"
            "# name (an RNN's cells one by one: tf.train.Checkpoint would not see them through keras.layers.RNN)\n"
            f"{name} = tf.train.Checkpoint(\n" + "\n".join(items) + "\n)\n")
    return cst.parse_statement(code)


def save_function(name: str, checkpoint: str, max_to_keep: str) -> cst.FunctionDef:
    return cst.parse_statement(
        f"def {name}(save_path, global_step=None):\n"
        f'    """What saver.save(sess, save_path, global_step) did: the prefix written, `save_path-global_step`\n'
        f"    listed in its directory's `checkpoint` file with the last {max_to_keep} kept; without a global step,\n"
        f'    `save_path` itself (TF1 also listed that one; tf.train.latest_checkpoint will not)."""\n'
        f"    if global_step is None:\n"
        f"        return {checkpoint}.write(save_path)\n"
        f"    manager = tf.train.CheckpointManager({checkpoint}, os.path.dirname(save_path) or \".\", "
        f"max_to_keep={max_to_keep},\n"
        f"                                         checkpoint_name=os.path.basename(save_path))\n"
        f"    return manager.save(checkpoint_number=global_step)\n"
    ).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])


def restore_function(name: str, checkpoint: str, weights: list[tuple[str, str]]) -> cst.FunctionDef:
    table = "".join(f"            {tf1_name!r}: {expression},\n" for tf1_name, expression in weights)
    return cst.parse_statement(
        f"def {name}(save_path):\n"
        f'    """What saver.restore(sess, save_path) did: every saved weight read back, from a checkpoint this\n'
        f"    program wrote or from one the TF1 program wrote (by its TF1 names, through tf1-migrate's converter;\n"
        f'    the optimizer then starts afresh)."""\n'
        f"    if \"_CHECKPOINTABLE_OBJECT_GRAPH\" in dict(tf.train.list_variables(save_path)):\n"
        f"        {checkpoint}.read(save_path).assert_existing_objects_matched().expect_partial()\n"
        f"    else:\n"
        f"        {TF1_RESTORE[1]}(save_path, {{\n"
        f"{table}"
        f"        }})\n"
    ).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])


def saver_call(call: SaverCall, save: str, restore: str) -> cst.Call:
    if call.method == "restore":
        return cst.Call(cst.Name(restore), [cst.Arg(call.save_path)])
    arguments = [cst.Arg(call.save_path)]
    if call.global_step is not None:
        arguments = [cst.Arg(call.save_path, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                     cst.Arg(call.global_step)]
    return cst.Call(cst.Name(save), arguments)
