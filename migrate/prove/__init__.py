"""``tf1-migrate prove``: a rewritten script against its compat reference, fetch by fetch.

    from migrate.prove import prove_script, format_report
    report = prove_script("train.py", level="keras", steps=20)
    print(format_report(report)); report.exit_code   # 0 agree, 1 differ, 2 a run failed

The script is rewritten twice: at ``compat`` (the *reference*: TF1's own legacy cells through
``tf_keras``) and at ``level`` (the *candidate*). Each runs in a subprocess of this interpreter
(:mod:`migrate.prove.child`), in its own copy of the script's folder, from the same seeds; the
reference saves its freshly initialised variables with a real ``Saver`` and the candidate loads
them through the project's converter; every ``Session.run`` result is recorded in order, and
the first ``steps`` calls are compared value by value (:mod:`migrate.prove.compare`).

This package imports without TensorFlow; only the child processes import it.
"""

from migrate.prove.orchestrate import ProofReport, format_report, observe_scripts, prove_script, prove_scripts

__all__ = ["ProofReport", "format_report", "observe_scripts", "prove_script", "prove_scripts"]
