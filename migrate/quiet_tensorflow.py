"""Import TensorFlow without its C++ start-up noise reaching the user's terminal.

TensorFlow 2.21 writes, while ``import tensorflow`` loads its shared libraries,
lines such as "WARNING: All log messages before absl::InitializeLog() is called
are written to STDERR", the oneDNN and "Could not find cuda drivers" notices
(measured on a CPU-only machine: they come twice, once per library, all inside
the import). They are written by C++ straight to file descriptor 2, before
absl logging is initialised, so ``TF_CPP_MIN_LOG_LEVEL`` does not reach them:
only redirecting descriptor 2 for the duration of the import does.

After the import, C++ logging does honour ``TF_CPP_MIN_LOG_LEVEL``: at 3 it
hides the ``cuInit`` error of the first device enumeration and the
per-graph oneDNN / MLIR notices ("oneDNN supports DT_BOOL only...", "Not
handling type DT_DOUBLE"). Level 2 still shows them (they are logged as
errors). Real failures still reach the user: TensorFlow raises them as Python
exceptions, and if the import itself fails, the captured text goes with the
exception. ``CUDA_VISIBLE_DEVICES`` is left alone: hiding the devices does not
remove the ``cuInit`` line (measured), and it would take a real GPU away.

This module imports nothing heavy: ``migrate`` must import without TensorFlow.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

# 3 = FATAL only; see the module docstring for what 2 would still print.
QUIET_CPP_LOG_LEVEL = "3"


class TensorFlowImportError(ImportError):
    """``import tensorflow`` failed; ``captured`` is what it wrote to stderr meanwhile."""

    def __init__(self, message: str, captured: str) -> None:
        super().__init__(message)
        self.captured = captured


def import_tensorflow() -> Any:
    """``import tensorflow`` with descriptor 2 sent to a temporary file for the import only.

    ``TF_CPP_MIN_LOG_LEVEL`` is set to 3 unless the user set it. Idempotent: once
    TensorFlow is imported, it is returned as is.

    Raises:
        TensorFlowImportError: the import failed; its message names the error and
            ``captured`` holds what the import wrote to stderr.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", QUIET_CPP_LOG_LEVEL)
    try:
        sys.stderr.flush()
        saved_stderr = os.dup(2)
    except (OSError, ValueError):  # no descriptor 2 (a daemon): nothing to silence
        import tensorflow

        return tensorflow
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow
        except BaseException as error:  # ImportError, a crash in a module init, Ctrl-C: all re-raised
            text = _restore(saved_stderr, captured)
            if isinstance(error, Exception):
                raise TensorFlowImportError(f"cannot import TensorFlow: {error}", text) from error
            raise
        _restore(saved_stderr, captured)
    return tensorflow


def _restore(saved_stderr: int, captured: Any) -> str:
    """Put the user's stderr back; return what was written meanwhile."""
    sys.stderr.flush()
    os.dup2(saved_stderr, 2)
    os.close(saved_stderr)
    captured.seek(0)
    return captured.read().decode("utf-8", errors="replace")


__all__ = ["QUIET_CPP_LOG_LEVEL", "TensorFlowImportError", "import_tensorflow"]
