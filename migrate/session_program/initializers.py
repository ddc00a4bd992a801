"""``tf.compat.v1.get_variable`` as ``tf.Variable``: TF1's initializers and their Keras 3 twins.

``get_variable(name, shape, dtype, initializer)`` drew its initial value from ``initializer``
(default ``glorot_uniform`` for floating dtypes, zeros otherwise). A TF2 program writes
``tf.Variable(initializer(shape, dtype), name=...)`` with the Keras 3 initializer that draws from
the same distribution, every TF1 default written out where Keras' differs (TF1's
``random_normal_initializer`` has stddev 1.0, Keras' ``RandomNormal`` 0.05). Random draws are
never the same numbers on both sides (different generators); what a migration keeps is the
distribution, and ``prove`` hands the reference's actual values over anyway.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InitializerRule:
    keras_name: str
    parameters: tuple[str, ...]  # TF1's constructor parameters, in order
    tf1_defaults: dict[str, str]  # written out: TF1's default, where Keras' is another
    dropped: frozenset[str] = frozenset({"dtype"})  # the variable's dtype decides
    renames: dict[str, str] | None = None


# Keys: normalised TF1 paths (``tensorflow.X``, ``tensorflow.compat.v1.X`` read as ``tensorflow.X``).
RULES: dict[str, InitializerRule] = {
    "tensorflow.truncated_normal_initializer": InitializerRule(
        "keras.initializers.TruncatedNormal", ("mean", "stddev", "seed", "dtype"), {"mean": "0.0", "stddev": "1.0"}),
    "tensorflow.random_normal_initializer": InitializerRule(
        "keras.initializers.RandomNormal", ("mean", "stddev", "seed", "dtype"), {"mean": "0.0", "stddev": "1.0"}),
    "tensorflow.random_uniform_initializer": InitializerRule(
        "keras.initializers.RandomUniform", ("minval", "maxval", "seed", "dtype"), {"minval": "0.0", "maxval": "1.0"}),
    "tensorflow.constant_initializer": InitializerRule(
        "keras.initializers.Constant", ("value", "dtype", "verify_shape"), {"value": "0.0"},
        dropped=frozenset({"dtype", "verify_shape"})),
    "tensorflow.zeros_initializer": InitializerRule("keras.initializers.Zeros", ("dtype",), {}),
    "tensorflow.ones_initializer": InitializerRule("keras.initializers.Ones", ("dtype",), {}),
    "tensorflow.glorot_uniform_initializer": InitializerRule("keras.initializers.GlorotUniform", ("seed", "dtype"), {}),
    "tensorflow.glorot_normal_initializer": InitializerRule("keras.initializers.GlorotNormal", ("seed", "dtype"), {}),
    "tensorflow.orthogonal_initializer": InitializerRule(
        "keras.initializers.Orthogonal", ("gain", "seed", "dtype"), {"gain": "1.0"}),
}
# get_variable's own default for floating variables.
DEFAULT_FLOAT = "keras.initializers.GlorotUniform()"
DEFAULT_OTHER = "keras.initializers.Zeros()"
# get_variable parameters, in order, and those with no effect on the values of a TF2 program.
GET_VARIABLE_PARAMETERS = ("name", "shape", "dtype", "initializer", "regularizer", "trainable", "collections",
                           "caching_device", "partitioner", "validate_shape", "use_resource", "custom_getter",
                           "constraint", "synchronization", "aggregation")
NO_EFFECT = frozenset({"caching_device", "validate_shape", "use_resource", "synchronization", "aggregation"})


def keras_initializer(rule: InitializerRule, positional: list[str], keywords: dict[str, str]) -> str:
    """The Keras initializer's constructor call, as code, for a TF1 initializer call."""
    if len(positional) > len(rule.parameters):
        raise ValueError(f"{rule.keras_name}: expected at most {len(rule.parameters)} positional arguments, "
                         f"got {len(positional)}")
    given = dict(zip(rule.parameters, positional))
    for keyword, text in keywords.items():
        if keyword not in rule.parameters:
            raise ValueError(f"{rule.keras_name}: expected keywords among {rule.parameters}, got {keyword!r}")
        given[keyword] = text
    written = []
    for parameter in rule.parameters:
        if parameter in rule.dropped:
            continue
        text = given.get(parameter, rule.tf1_defaults.get(parameter))
        if text is not None:
            written.append(f"{parameter}={text}")
    return f"{rule.keras_name}({', '.join(written)})"
