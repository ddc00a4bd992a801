"""Generate ``migrate/tf2_renames_generated.py`` from the installed TensorFlow.

The tf2 level removes ``tf.compat.v1.X`` from a script. Where TensorFlow 2 still has the very
same op under some public name, the use becomes a plain rename. A rename is exact only when
both names are the same Python object (``tf.compat.v1.truncated_normal is
tf.random.truncated_normal``): same function, same parameters, same behaviour. So this script
walks the public API of ``tf.compat.v1`` and of ``tf`` (both recursively) and pairs names by
object identity, never by name similarity: ``tf.compat.v1.nn.softmax`` is *not* in the table,
because its v1 export (with the deprecated ``dim`` argument) is another function than
``tf.nn.softmax``.

Run it after a TensorFlow upgrade::

    .venv/bin/python -m migrate.tools.generate_tf2_renames            # rewrites the module
    .venv/bin/python -m migrate.tools.generate_tf2_renames --check    # exit 1 if it is stale

This tool needs TensorFlow (not tf_keras: it never sets TF_USE_LEGACY_KERAS); the migrate
engine never imports it.
"""

from __future__ import annotations

import inspect
import pathlib
import sys
import types
from dataclasses import dataclass, field
from migrate.tools import generated_file_main

# Parts of tf.compat.v1 that are not TensorFlow's own ops (Keras, legacy layers and cells,
# estimator) or are the API versioning itself; dotted, relative to tf.compat.v1.
V1_SKIPPED = frozenset({"keras", "layers", "nn.rnn_cell", "estimator", "compat"})
# Parts of tf never offered as a rename target: the versioning itself and other libraries.
V2_SKIPPED = frozenset({"compat", "keras", "estimator"})
# An object defined in one of these packages is not TensorFlow's own, wherever it is exported.
FOREIGN_PACKAGES = ("keras", "tf_keras", "tensorflow.python.keras", "tensorflow_estimator")


OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "tf2_renames_generated.py"


@dataclass
class Walk:
    """The exported objects of one API tree and what the walk left out, by reason."""

    names: dict[str, object] = field(default_factory=dict)  # dotted name -> object
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason -> dotted names

    def skip(self, reason: str, dotted: str) -> None:
        self.skipped.setdefault(reason, []).append(dotted)


def _in_generated_api(module: types.ModuleType) -> bool:
    """A module of TensorFlow's generated public API (``tensorflow/_api/...``).

    Judged by the file, not ``__name__``: ``tf.experimental`` is named ``tensorflow.experimental``
    but is ``tensorflow/_api/v2/experimental``, while ``tf.dtensor`` or ``tf.tools`` are source
    packages that happen to be attributes of ``tensorflow`` once imported.
    """
    if module.__name__.startswith("tensorflow._api."):
        return True
    parts = pathlib.PurePath(getattr(module, "__file__", None) or "").parts
    return any(parts[i:i + 2] == ("tensorflow", "_api") for i in range(len(parts) - 1))


def _is_foreign(value) -> bool:
    module = getattr(value, "__module__", None)
    return isinstance(module, str) and any(
        module == package or module.startswith(package + ".") for package in FOREIGN_PACKAGES)


def _is_renamable(value, dtype_type) -> bool:
    """Functions, classes and dtypes: objects whose identity means "same API"."""
    return inspect.isroutine(value) or inspect.isclass(value) or isinstance(value, dtype_type)


def walk(root: types.ModuleType, skipped: frozenset[str], dtype_type) -> Walk:
    """Every public function, class and dtype under ``root``, by dotted name (relative)."""
    result = Walk()
    on_path: set[int] = set()

    def visit(prefix: str, module: types.ModuleType) -> None:
        on_path.add(id(module))
        try:
            public = sorted(name for name in dir(module) if not name.startswith("_"))
        except Exception:  # a lazy module that cannot load
            result.skip("module did not list", prefix.rstrip("."))
            public = []
        for name in public:
            dotted = prefix + name
            if dotted in skipped:
                result.skip("skipped part of the API", dotted)
                continue
            try:
                value = getattr(module, name)
            except Exception:  # lazy attributes (Keras-backed ones without tf_keras) raise
                result.skip("attribute raised", dotted)
                continue
            if isinstance(value, types.ModuleType):
                if not _in_generated_api(value):
                    # e.g. tf.compat.v1.flags is tensorflow.python.platform.flags (absl), whose
                    # attributes reach the whole of tensorflow.python: not walked.
                    result.skip("module outside the generated API", dotted)
                elif id(value) in on_path:
                    result.skip("module cycle", dotted)
                else:
                    visit(dotted + ".", value)
            elif _is_foreign(value):
                result.skip("defined outside tensorflow", dotted)
            elif _is_renamable(value, dtype_type):
                result.names[dotted] = value
            else:
                result.skip("constant", dotted)
        on_path.discard(id(module))

    visit("", root)
    return result


def _choose(v1_name: str, candidates: list[str]) -> str:
    """The same dotted name if TF2 has it, else the shortest, then alphabetically first."""
    if v1_name in candidates:
        return v1_name
    return min(candidates, key=lambda name: (len(name), name))


def compare(tf) -> dict[str, object]:
    """Pair ``tf.compat.v1`` names with ``tf`` names by object identity."""
    dtype_type = tf.dtypes.DType
    v1 = walk(tf.compat.v1, V1_SKIPPED, dtype_type)
    v2 = walk(tf, V2_SKIPPED, dtype_type)
    by_identity: dict[int, list[str]] = {}
    for name, value in v2.names.items():
        by_identity.setdefault(id(value), []).append(name)
    renames = {}
    for name, value in v1.names.items():
        candidates = by_identity.get(id(value))
        if candidates:
            renames[name] = _choose(name, candidates)
    return {"renames": renames, "v1": v1, "v2": v2}


def render(tf) -> str:
    tables = compare(tf)
    renames: dict[str, str] = tables["renames"]
    v1: Walk = tables["v1"]
    identity = sum(1 for v1_name, v2_name in renames.items() if v1_name == v2_name)
    skipped = ", ".join(f"{reason}: {len(names)}" for reason, names in sorted(v1.skipped.items()))
    parts = [
        '"""tf.compat.v1 names whose object TensorFlow 2 exports, as the very same object, under a public name.',
        "",
        "GENERATED by migrate/tools/generate_tf2_renames.py; do not edit.",
        "Regenerate with: .venv/bin/python -m migrate.tools.generate_tf2_renames",
        "",
        "`tf.compat.v1.<key>` is `tf.<value>` (Python identity) in the TensorFlow named below, so",
        "rewriting one into the other changes nothing. A v1 name absent here has no identical",
        "TF2 object (e.g. `nn.softmax`, `reduce_mean`: their v1 exports take deprecated arguments).",
        '"""',
        "",
        "# fmt: off",
        f"TENSORFLOW_VERSION = {tf.__version__!r}",
        "",
        f"# {len(v1.names)} public functions, classes and dtypes under tf.compat.v1 were compared;",
        f"# {len(renames)} are identical to a TF2 name ({identity} under the same name).",
        f"# Left out of the v1 walk: {skipped}.",
        "V1_TO_TF2: dict[str, str] = {",
    ]
    parts += [f"    {v1_name!r}: {v2_name!r}," for v1_name, v2_name in sorted(renames.items())]
    parts += ["}", ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    return generated_file_main(argv, __doc__.splitlines()[0], OUTPUT, render, {"TF_CPP_MIN_LOG_LEVEL": "3"})


if __name__ == "__main__":
    sys.exit(main())
