"""Atomic output: everything is written to a temporary directory beside ``out_dir`` and renamed
into place at the end, so that on any error nothing is written."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Iterator


def checked_out_dir(out_dir: str | os.PathLike[str], overwrite: bool) -> str:
    """``out_dir`` as an absolute path, checked to be new, empty, or ``overwrite=True``.

    Raises:
        FileExistsError: naming the directory and why it cannot be written.
    """
    out_dir = os.path.abspath(os.fspath(out_dir))
    if os.path.exists(out_dir) and not (os.path.isdir(out_dir) and (overwrite or not os.listdir(out_dir))):
        raise FileExistsError(
            f"Invalid `out_dir`: expected a new or empty directory (or overwrite=True), `{out_dir}` "
            f"{'is not empty' if os.path.isdir(out_dir) else 'is a file'}."
        )
    return out_dir


@contextlib.contextmanager
def staged_directory(out_dir: str) -> Iterator[str]:
    """A temporary directory beside ``out_dir``, renamed to ``out_dir`` when the block succeeds."""
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(out_dir)}.partial-", dir=parent)
    try:
        yield staging
        _move_into_place(staging, out_dir)
    except BaseException:
        # Any failure (KeyboardInterrupt included) must leave nothing behind; re-raised as is.
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _move_into_place(staging: str, out_dir: str) -> None:
    if not os.path.exists(out_dir):
        os.rename(staging, out_dir)
        return
    if not os.listdir(out_dir):
        os.rmdir(out_dir)
        os.rename(staging, out_dir)
        return
    # overwrite=True: swap, then drop the old directory.
    retired = tempfile.mkdtemp(prefix=f".{os.path.basename(out_dir)}.old-", dir=os.path.dirname(out_dir))
    os.rmdir(retired)
    os.rename(out_dir, retired)
    os.rename(staging, out_dir)
    shutil.rmtree(retired, ignore_errors=True)
