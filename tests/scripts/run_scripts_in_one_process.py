"""Run several rewritten scripts one after the other in this one process; print a JSON line each.

    python tests/scripts/run_scripts_in_one_process.py A.py B.py ...

Starting TensorFlow costs about 6 s of the ~10 s a smoke run takes; the keras-level corpus
test pays it once per process instead of once per script. Each script runs as ``__main__``
(``runpy``) on a fresh default graph, in its own temporary working directory, with its own
``sys.argv``; its stdout is captured and its ``loss:`` lines are parsed by the caller. A
script that raises (or exits non-zero) is reported with its traceback and the next one runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import tempfile
import traceback


def run_one(path: str) -> dict:
    import tensorflow as tf

    tf.compat.v1.reset_default_graph()
    stdout = io.StringIO()
    error = None
    previous_dir, previous_argv = os.getcwd(), sys.argv
    with tempfile.TemporaryDirectory(prefix="tf1m-run-") as cwd:
        os.chdir(cwd)
        sys.argv = [path]
        try:
            with contextlib.redirect_stdout(stdout):
                runpy.run_path(path, run_name="__main__")
        except SystemExit as exit_:
            if exit_.code not in (None, 0):
                error = f"SystemExit({exit_.code!r})"
        except BaseException:  # noqa: BLE001 -- reported to the caller, then the next script runs
            error = traceback.format_exc()
        finally:
            os.chdir(previous_dir)
            sys.argv = previous_argv
    return {"path": path, "stdout": stdout.getvalue(), "error": error}


def main(paths: list[str]) -> int:
    for path in paths:
        print("RESULT " + json.dumps(run_one(path)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
