"""``tf.compat.v1.summary.FileWriter`` as a TensorFlow 2 summary writer, written out.

A TF1 FileWriter made a log directory for TensorBoard and, given the Session's graph (or
``add_graph``), wrote that graph into it. A TF2 program has no Session graph: its graphs are
those of its ``tf.function`` steps, so

- ``writer = tf.compat.v1.summary.FileWriter(logdir)`` becomes
  ``writer = tf.summary.create_file_writer(logdir)`` (``flush`` and ``close`` as they were);
- the graph -- the FileWriter's second argument, or ``writer.add_graph(sess.graph)`` -- becomes
  ``write_step_graphs(writer)``, which writes each step function's graph (traced from its
  ``input_signature``, running nothing).

Summaries themselves (``tf.summary.scalar`` fetched and passed to ``add_summary``) are not
mapped yet: such a file stays at the keras level.
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
