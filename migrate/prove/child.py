"""Runs rewritten scripts under prove's hooks (a subprocess; imports TensorFlow).

    python -m migrate.prove.child CONFIG.json

``CONFIG.json`` (written by :mod:`migrate.prove.orchestrate`) holds what the process needs
once -- the legacy-Keras setting (the reference) or ``tf_keras`` blocked (a candidate that
must run without it), the reference's TF1-formula shims, dropout off -- and one *job* per
script: its rewritten copy, arguments, the number of calls to record, the seed, the checkpoint
folder the two runs share and the record file. Jobs run one after another in this process
(one TensorFlow start-up for many scripts), each as ``__main__`` with its folder as working
directory, in a fresh default graph, with the seeds set again and its folder's own modules
forgotten afterwards.

Whatever a script does, its record stream ends with an ``end`` event; the process leaves with
``os._exit`` so that threads a script left running (queue runners) cannot hold it.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
from typing import Any


class _BlockTfKeras:
    """``import tf_keras`` fails as if it were not installed (the keras level must not need it)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "tf_keras" or name.startswith("tf_keras."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by tf1-migrate prove: the "
                                      "candidate must run without tf_keras)", name=name)
        return None


class JobTimeout(BaseException):
    """The script ran longer than its job's timeout (raised in the main thread by SIGALRM)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise JobTimeout


def _flag_names() -> set[str]:
    """The absl flags defined so far (``tf.app.flags`` is absl's): a script's flags must not
    collide with those of the script proved before it in this process."""
    flags = sys.modules.get("absl.flags")
    return set(flags.FLAGS) if flags is not None else set()


def _forget_flags(names: set[str]) -> None:
    flags = sys.modules.get("absl.flags")
    if flags is None:
        return
    for name in set(flags.FLAGS) - names:
        delattr(flags.FLAGS, name)
    flags.FLAGS.unparse_flags()


def run_job(hooks: Any, job: dict[str, Any]) -> None:
    recorder = hooks.Recorder(job)
    end, error = "ended", None
    script = job["script"]
    folder = os.path.dirname(script)
    before_modules = set(sys.modules)
    before_flags = _flag_names()
    saved_argv, saved_path, saved_cwd = list(sys.argv), list(sys.path), os.getcwd()
    try:
        hooks.seed_everything(int(job["seed"]))
        hooks.activate(recorder)
        os.chdir(folder)
        sys.argv = [script, *job["args"]]
        sys.path.insert(0, folder)
        # A script stuck before its next Session.run (or never calling it) must not hold the
        # jobs after it: an alarm ends it at the job's timeout.
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, float(job["timeout"]))
        if job.get("ipython"):
            hooks.run_under_ipython(script)
        else:
            runpy.run_path(script, run_name="__main__")
    except hooks.StopScript:
        end = "steps"
    except JobTimeout:
        end, error = "timeout", {"type": "Timeout", "message": f"no result within {job['timeout']:.0f} s",
                                 "traceback": "", "frames": []}
    except SystemExit as exit_request:
        if exit_request.code not in (None, 0):
            end, error = "error", {"type": "SystemExit", "message": f"the script exited with {exit_request.code!r}",
                                  "traceback": "", "frames": []}
    except BaseException as failure:  # noqa: BLE001 -- any failure of the script is a result to report
        end, error = "error", hooks.error_record(failure)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        hooks.activate(None)
        sys.argv, sys.path[:] = saved_argv, saved_path
        os.chdir(saved_cwd)
        for name in set(sys.modules) - before_modules:
            module_file = getattr(sys.modules.get(name), "__file__", None) or ""
            if module_file.startswith(folder + os.sep):
                del sys.modules[name]  # the next job's folder may have a module of the same name
        _forget_flags(before_flags)
    sys.stdout.flush()
    sys.stderr.flush()
    recorder.finish(end, error)


def main(argv: list[str]) -> None:
    with open(argv[0], encoding="utf-8") as handle:
        config = json.load(handle)
    if config["legacy_keras"]:
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
    else:
        os.environ.pop("TF_USE_LEGACY_KERAS", None)
    if config["block_tf_keras"]:
        sys.meta_path.insert(0, _BlockTfKeras())
    try:
        from migrate.prove import hooks

        hooks.install_seed_hooks(config["legacy_keras"])
        if not config["keep_dropout"]:
            hooks.disable_dropout(config["legacy_keras"])
        hooks.neutralise_interaction(config["uses_matplotlib"])
        if config["reference_shims"]:
            from migrate.prove import reference_shims

            reference_shims.install()
        hooks.install_session_hook()
        if any(job.get("tf2_steps") for job in config["jobs"]):
            hooks.install_step_hook()
        for job in config["jobs"]:
            print(f"=== prove: {job['role']} run of {job['script']}", flush=True)
            run_job(hooks, job)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
