"""How the fence modules (of tf2_port and of migrate) say that a private API they rely on has moved.

A fence module (``*_fence.py``) is the one place that reaches a private name of another package;
when the name or its behaviour is not what the fence was checked against, it raises this error
instead of letting the change surface later as an obscure failure. Standard library only, so
that migrate's fences can use it without TensorFlow or Keras.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def fence_broken(fence: str, package: str, checked: str, expected: str, got: str,
                 consequence: str = "") -> RuntimeError:
    """``RuntimeError("expected <expected> in <package> 3.15.x, got <got>; this fence (<fence>) was
    checked against <package> <checked>[; <consequence>]")``."""
    try:
        installed = ".".join(version(package).split(".")[:2]) + ".x"
    except PackageNotFoundError:
        installed = "(not installed)"
    message = f"expected {expected} in {package} {installed}, got {got}; this fence ({fence}) was checked against " \
              f"{package} {checked}"
    return RuntimeError(f"{message}; {consequence}" if consequence else message)
