"""``tf.compat.v1.summary.FileWriter`` as a TensorFlow 2 summary writer, written out.

A TF1 FileWriter made a log directory for TensorBoard and, given the Session's graph (or
``add_graph``), wrote that graph into it. A TF2 program has no Session graph: its graphs are
those of its ``tf.function`` steps, so

- ``writer = tf.compat.v1.summary.FileWriter(logdir)`` becomes
  ``writer = tf.summary.create_file_writer(logdir)`` (``flush`` and ``close`` as they were);
- the graph -- the FileWriter's second argument, or ``writer.add_graph(sess.graph)`` -- becomes
  ``write_step_graphs(writer)``, which writes each step function's graph (traced from its
  ``input_signature``, running nothing).

- a summary op is the dict of the values it summarises (written so by :mod:`.inline`:
  ``tf.summary.scalar("loss", loss)`` -> ``{"loss": loss}``, the name scope in the tag as TF1 put
  it), so a step that fetched one returns the values, and ``writer.add_summary(summary, step)``
  becomes ``write_summaries(writer, summary, step)``: each value under its tag, as the scalar
  or histogram TF1 wrote.
"""

from __future__ import annotations

import libcst as cst


def writer_creation(logdir: cst.BaseExpression) -> cst.Call:
    return cst.Call(cst.parse_expression("tf.summary.create_file_writer"), [cst.Arg(logdir)])


def graphs_function(name: str, steps: list[str]) -> cst.FunctionDef:
    listed = ", ".join(steps) + ("," if len(steps) == 1 else "")
    return cst.parse_statement(
        f"def {name}(writer):\n"
        f'    """What FileWriter.add_graph(sess.graph) did for TensorBoard: the graph of each step function\n'
        f'    (traced from its input signature; nothing runs). Returns the writer."""\n'
        f"    with writer.as_default():\n"
        f"        for step in ({listed}):\n"
        f"            tf.summary.graph(step.get_concrete_function().graph)\n"
        f"    return writer\n"
    ).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])


def graphs_call(name: str, writer: cst.BaseExpression) -> cst.Call:
    return cst.Call(cst.Name(name), [cst.Arg(writer)])


def summaries_function(name: str, kinds: dict[str, str]) -> cst.FunctionDef:
    table = "".join(f"        {tag!r}: tf.summary.{kind},\n" for tag, kind in sorted(kinds.items()))
    return cst.parse_statement(
        f"def {name}(writer, summary, global_step=None):\n"
        f'    """What FileWriter.add_summary(summary, global_step) did: each fetched value under its tag, as the\n'
        f'    summary TF1 wrote for it (scalar or histogram), at that step."""\n'
        f"    writers = {{\n{table}    }}\n"
        f"    with writer.as_default(step=global_step):\n"
        f"        for tag, value in summary.items():\n"
        f"            writers[tag](tag, value)\n"
    ).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])


def summaries_call(name: str, call: cst.Call) -> cst.Call:
    """``writer.add_summary(summary, step)`` -> ``write_summaries(writer, summary, step)``."""
    return cst.Call(cst.Name(name), [cst.Arg(call.func.value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                                     *call.args])
