"""Generate ``migrate/symbols_generated.py`` from the installed TensorFlow.

The compat level maps ``tf.X`` to ``tf.compat.v1.X`` wherever TensorFlow 2 dropped ``X`` or
changed what it means. Which names those are is a property of the installed TensorFlow, so the
table is generated rather than typed: this script walks ``tf.compat.v1`` and ``tf`` side by side
(the top level and the submodules old scripts use) and compares their ``dir()``.

Run it after a TensorFlow upgrade::

    .venv/bin/python -m migrate.tools.generate_symbols            # rewrites the module
    .venv/bin/python -m migrate.tools.generate_symbols --check    # exit 1 if it is stale

This tool needs TensorFlow and tf_keras; the migrate engine never imports it.
"""

from __future__ import annotations

import inspect
import pathlib
import sys
import types
from migrate.tools import generated_file_main

# Submodules of tf.compat.v1 that appear in TF1 scripts. Modules like keras, estimator,
# raw_ops or tpu are left out on purpose: either they are not TF1 graph code (keras) or they
# are too large to be useful here and never appear in the scripts this tool migrates.
WALKED_MODULES = (
    "nn",
    "train",
    "summary",
    "losses",
    "metrics",
    "initializers",
    "random",
    "math",
    "linalg",
    "image",
    "io",
    "sparse",
    "strings",
    "data",
    "saved_model",
    "errors",
    "test",
    "lookup",
    "debugging",
    "bitwise",
    "signal",
    "sets",
    "dtypes",
    "feature_column",
    "queue",
    "config",
    "nest",
    "ragged",
)
# Whole modules that TF2 dropped and whose member lists the engine checks names against
# (the RNN-adjacent ones; other dropped modules are mapped wholesale).
MEMBER_LISTED_MODULES = ("nn.rnn_cell", "layers")
# Never touched: a different library behind the same attribute, or the API versioning itself.
SKIPPED = frozenset({"keras", "compat", "estimator", "raw_ops", "experimental", "tools"})

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "symbols_generated.py"


def _public(module: types.ModuleType) -> set[str]:
    return {name for name in dir(module) if not name.startswith("_")}


def _parameters(value) -> tuple[str, ...] | None:
    """Parameter names in order; ``*args`` / ``**kwargs`` keep their stars."""
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):  # builtins and some classes have no signature
        return None
    prefix = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    return tuple(prefix.get(p.kind, "") + p.name for p in signature.parameters.values())


def compare(tf) -> dict[str, object]:
    """Compare ``tf.compat.v1`` with ``tf``; return the sets that the generated module holds."""
    v1_root = tf.compat.v1
    dropped: set[str] = set()
    dropped_modules: set[str] = set()
    changed: set[str] = set()
    v2_only: set[str] = set()
    members: dict[str, frozenset[str]] = {}
    signatures: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def walk(prefix: str, v1_module, v2_module, depth: int) -> None:
        v1_names, v2_names = _public(v1_module), _public(v2_module)
        for name in sorted(v2_names - v1_names):
            if name not in SKIPPED:
                v2_only.add(prefix + name)
        for name in sorted(v1_names):
            if name in SKIPPED:
                continue
            dotted = prefix + name
            v1_value = getattr(v1_module, name)
            if name not in v2_names:
                dropped.add(dotted)
                if isinstance(v1_value, types.ModuleType):
                    dropped_modules.add(dotted)
                if dotted in MEMBER_LISTED_MODULES:
                    members[dotted] = frozenset(_public(v1_value))
                continue
            v2_value = getattr(v2_module, name)
            if isinstance(v1_value, types.ModuleType):
                if depth == 0 and name in WALKED_MODULES and isinstance(v2_value, types.ModuleType):
                    walk(dotted + ".", v1_value, v2_value, depth + 1)
                continue
            # The API exports wrap one function in a fresh decorator per namespace, so
            # identity of the exported objects says little: compare what they wrap.
            if inspect.unwrap(v1_value) is not inspect.unwrap(v2_value):
                changed.add(dotted)
                v1_params, v2_params = _parameters(v1_value), _parameters(v2_value)
                if v1_params is not None and v2_params is not None:
                    signatures[dotted] = (v1_params, v2_params)

    walk("", v1_root, tf, 0)
    for dotted in MEMBER_LISTED_MODULES:
        if dotted not in members:
            raise RuntimeError(f"expected tf.compat.v1.{dotted} to be a module TF2 dropped, it is not")
    return {"signatures": signatures, "dropped": dropped, "dropped_modules": dropped_modules, "changed": changed, "v2_only": v2_only, "members": members}


def _format_set(name: str, comment: str, values: set[str]) -> str:
    lines = [f"# {comment}", f"{name} = frozenset(", "    {"]
    lines += [f"        {value!r}," for value in sorted(values)]
    lines += ["    }", ")", ""]
    return "\n".join(lines)


def render(tf) -> str:
    tables = compare(tf)
    parts = [
        '"""Names TensorFlow 2 dropped from, or changed in, its top-level API (vs tf.compat.v1).',
        "",
        "GENERATED by migrate/tools/generate_symbols.py; do not edit.",
        "Regenerate with: .venv/bin/python -m migrate.tools.generate_symbols",
        '"""',
        "",
        "# fmt: off",
        f"TENSORFLOW_VERSION = {tf.__version__!r}",
        "",
        _format_set(
            "DROPPED",
            "tf.compat.v1.<name> exists and tf.<name> does not (modules included, not walked).",
            tables["dropped"],
        ),
        _format_set(
            "DROPPED_MODULES",
            "The members of DROPPED that are modules (so `x = tf.<name>` aliases a module).",
            tables["dropped_modules"],
        ),
        _format_set(
            "CHANGED",
            "Both exist but are different objects: the v1 signature or semantics differ.",
            tables["changed"],
        ),
        _format_set(
            "V2_ONLY",
            "tf.<name> exists and tf.compat.v1.<name> does not.",
            tables["v2_only"],
        ),
        "# Public members of the dropped modules whose names the engine checks.",
        "V1_MODULE_MEMBERS = {",
    ]
    for module, names in sorted(tables["members"].items()):
        parts.append(f"    {module!r}: frozenset({{")
        parts += [f"        {name!r}," for name in sorted(names)]
        parts.append("    }),")
    parts += [
        "}",
        "",
        "# Parameter names (v1, v2) of the CHANGED callables, for the drop-in checks.",
        "SIGNATURES = {",
    ]
    for name, (v1_params, v2_params) in sorted(tables["signatures"].items()):
        parts.append(f"    {name!r}: (")
        parts.append(f"        {v1_params!r},")
        parts.append(f"        {v2_params!r},")
        parts.append("    ),")
    parts += ["}", ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    # tf.compat.v1.nn.rnn_cell and tf.compat.v1.layers only resolve with legacy Keras.
    return generated_file_main(argv, __doc__.splitlines()[0], OUTPUT, render, {"TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"})


if __name__ == "__main__":
    sys.exit(main())
