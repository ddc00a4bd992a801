"""Look old TensorFlow names up in the symbol tables (pure functions; no libcst, no TensorFlow).

A *qualified name* is what libcst's QualifiedNameProvider gives for a use: the dotted path the
name was imported as plus the attributes after it (``tensorflow.nn.rnn_cell.LSTMCell`` for
``tf.nn.rnn_cell.LSTMCell`` under ``import tensorflow as tf``, ``tensorflow.compat.v1.placeholder``
for ``tf.placeholder`` under ``import tensorflow.compat.v1 as tf``). Lookups use its *canonical*
form, ``tensorflow.<path>`` without ``compat.v1``, remembering whether it came through
``tf.compat.v1`` (then TF1 semantics are already explicit and generated renames do not apply).
"""

from __future__ import annotations

import dataclasses

from migrate import symbols
from migrate import symbols_generated as generated

TF = "tensorflow"
V1 = symbols.V1


@dataclasses.dataclass(frozen=True)
class CallShape:
    """The argument structure of a call, which decides whether a v2 drop-in fits it."""

    positional: int
    keywords: tuple[str, ...]
    starred: bool


@dataclasses.dataclass(frozen=True)
class Resolution:
    """What an old name becomes.

    ``target`` is the full new dotted name; None means the name has no TF2 home, and
    ``suggestion`` says what to use instead. ``call_rewrite`` names a function in
    ``migrate.argument_fixes`` that replaces a call of it as a whole.
    """

    key: str
    target: str | None
    via_v1: bool
    suggestion: str = ""
    call_rewrite: str | None = None


def canonical(qualified_name: str) -> tuple[str, bool] | None:
    """``(tensorflow.<path>, spelled_through_compat_v1)``, or None for non-TensorFlow names."""
    if qualified_name.startswith(V1 + "."):
        return TF + qualified_name[len(V1) :], True
    if qualified_name.startswith(TF + ".compat") or not qualified_name.startswith(TF + "."):
        return None
    return qualified_name, False


def longest_prefix(name: str, table) -> str | None:
    """The longest key of ``table`` equal to ``name`` or to a dotted prefix of it."""
    while name:
        if name in table:
            return name
        cut = name.rfind(".")
        if cut < 0:
            return None
        name = name[:cut]
    return None


def drop_in_keywords(relative: str, shape: CallShape | None) -> dict[str, str] | None:
    """Keyword renames that keep a call of ``tf.<relative>`` on its v2 form, or None if it cannot.

    The v2 form is kept only for names in ``symbols.V2_DROP_INS`` and only when the call fits
    v2's signature: no more positional arguments than v1 and v2 share, no ``*args`` or
    ``**kwargs``, and every keyword known to v2 after renaming.
    """
    renames = symbols.V2_DROP_INS.get(relative)
    if renames is None:
        return None
    if shape is None:
        return renames
    signatures = generated.SIGNATURES.get(relative)
    if signatures is None or shape.starred:
        return None
    v1_params, v2_params = signatures
    shared = 0
    for old, new in zip(v1_params, v2_params):
        if renames.get(old, old) != new or old.startswith("*"):
            break
        shared += 1
    if shape.positional > shared:
        return None
    keywords = [renames.get(keyword, keyword) for keyword in shape.keywords]
    if len(set(keywords)) != len(keywords) or not set(keywords) <= set(v2_params):
        return None
    return renames


def resolve(qualified_name: str, shape: CallShape | None = None) -> Resolution | None:
    """What ``qualified_name`` becomes at the compat level; None when it stays as it is."""
    found = canonical(qualified_name)
    if found is None:
        return None
    key, via_v1 = found
    if key in symbols.CALL_REWRITES:
        return Resolution(
            key, None, via_v1, symbols.NO_HOME.get(key, ""), symbols.CALL_REWRITES[key]
        )
    renamed = longest_prefix(key, symbols.RENAMES)
    homeless = longest_prefix(key, symbols.NO_HOME)
    if renamed is not None and (homeless is None or len(renamed) >= len(homeless)):
        return Resolution(key, symbols.RENAMES[renamed] + key[len(renamed) :], via_v1)
    if homeless is not None:
        return Resolution(key, None, via_v1, symbols.NO_HOME[homeless])
    relative = key[len(TF) + 1 :]
    dropped = longest_prefix(relative, generated.DROPPED)
    if dropped is not None:
        members = generated.V1_MODULE_MEMBERS.get(dropped)
        if members is not None and relative != dropped:
            member = relative[len(dropped) + 1 :].split(".")[0]
            if member not in members:
                return Resolution(
                    key, None, via_v1, f"tf.compat.v1.{dropped} has no {member}; port by hand"
                )
        return None if via_v1 else Resolution(key, f"{V1}.{relative}", via_v1)
    changed = longest_prefix(relative, generated.CHANGED)
    if changed is None or via_v1:
        return None
    if changed == relative and drop_in_keywords(relative, shape) is not None:
        return None
    return Resolution(key, f"{V1}.{relative}", via_v1)


def compat_form(name: str) -> str:
    """``name`` spelled through ``tensorflow.compat.v1`` when v1 has it (TF1 meaning either way)."""
    if not name.startswith(TF + ".") or name.startswith(TF + ".compat."):
        return name
    relative = name[len(TF) + 1 :]
    if longest_prefix(relative, generated.V2_ONLY) is not None:
        return name
    return f"{V1}.{relative}"


def express(target: str, bound_to: str) -> str | None:
    """The attribute path after a name bound to ``bound_to`` that reaches ``target``.

    ``""`` when the name itself is the target, ``".x.y"`` otherwise, None when ``target`` is
    not reachable from ``bound_to`` (a ``tensorflow.compat.v1`` binding reaches the v1
    spelling of v2 names).
    """
    if target == bound_to or target.startswith(bound_to + "."):
        return target[len(bound_to) :]
    if bound_to == V1 or bound_to.startswith(V1 + "."):
        spelled = compat_form(target)
        if spelled != target:
            return express(spelled, bound_to)
    return None


def is_legacy_path(path: str) -> bool:
    """True when ``import``ing ``path`` (or a name from it) fails or means something else in TF2."""
    if any(path == package or path.startswith(package + ".") for package in symbols.LEGACY_PACKAGES):
        return True
    if path in symbols.MODULE_HOMES:
        return True
    return resolve(path) is not None


def star_members(module: str) -> dict[str, str]:
    """The names a star import of the old ``module`` provided that the tables know about.

    Value: the full old name (``module.Name``); its resolution says where it went.
    """
    prefix = module + "."
    names = {}
    for table in (symbols.RENAMES, symbols.NO_HOME, symbols.CALL_REWRITES):
        for key in table:
            if key.startswith(prefix) and "." not in key[len(prefix) :]:
                names[key[len(prefix) :]] = key
    return names
