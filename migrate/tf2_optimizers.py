"""Which Keras 3 optimizer computes the same update as a ``tf.compat.v1.train`` optimizer.

The ``tf2`` level rewrites ``opt = tf.compat.v1.train.AdamOptimizer(0.01); opt.minimize(loss)``
into ``keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-08)`` plus ``GradientTape`` /
``apply_gradients``. It may do that only where the Keras optimizer's update is TF1's update
with the same numbers; this table says where that holds and with which arguments, or (rule
``keras_name`` None) what differs, for the finding that leaves the file alone. Standard library
only: the ``migrate`` package imports without TensorFlow (ARCHITECTURE.md §1).

Every Keras argument not written here stays at its Keras default, and those defaults are
"off" for everything outside the update rule: ``weight_decay=None``, ``clipnorm=None``,
``clipvalue=None``, ``global_clipnorm=None``, ``use_ema=False``, ``loss_scale_factor=None``,
``gradient_accumulation_steps=None`` (Keras 3.15 ``BaseOptimizer``). A TF1 ``learning_rate``
is required wherever TF1 requires it: Keras' own default (0.01 or 0.001) is never used silently.

Below, ``g`` is the gradient, ``lr`` the learning rate, ``t`` the 1-based step. TF1 formulas are
the kernels' (``tensorflow/python/ops/gen_training_ops.py`` docstrings, TF 2.21) as the
``tensorflow/python/training/*.py`` optimizers call them; Keras formulas are the
``update_step`` methods of ``keras/src/optimizers/*.py`` (Keras 3.15; the TensorFlow backend
does not override them). ``tests/test_tf2_optimizers.py`` runs both sides for 20 steps and
compares the weights after every step.

GradientDescentOptimizer -> SGD (exact)
    TF1 ``var -= lr * g``; Keras (momentum 0) ``var -= g * lr``.

AdamOptimizer -> Adam, ``epsilon`` written out (exact)
    TF1 ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g^2``,
    ``var -= lr sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)``; m, v start at zeros.
    Keras: the same, ``m += (g-m)(1-b1)``, ``v += (g^2-v)(1-b2)``,
    ``var -= m * lr sqrt(1-b2^t)/(1-b1^t) / (sqrt(v) + eps)``; zeros; ``amsgrad=False``.
    Both add eps outside the square root and after the bias correction of the step size (the
    paper's "epsilon hat"). Only the defaults differ: TF1 eps 1e-8, Keras 1e-7, so TF1's is
    written out. Rounding differs, not the rule: TF1 keeps ``b^t`` as a running product where
    Keras computes ``b**t``, and TF1 computes ``1-b2`` in float32 from float32(b2) where Keras
    computes it in float64 before the cast (for 0.999: 9.9998713e-4 against 1e-3), so each
    update differs by about 1e-5 relative (measured: 1.3e-6 on the weights after 20 steps at
    lr 0.01). So the betas are written as their float32 values (``beta_2=0.9990000128746033`` for
    0.999), with which Keras computes TF1's ``1-b2``: 2.4e-7 after 20 steps.

AdagradOptimizer -> Adagrad, ``epsilon=0.0`` (exact)
    TF1 ``accum += g^2``, ``var -= lr * g / sqrt(accum)``: no epsilon at all.
    Keras ``accum += g^2``, ``var -= lr * g / sqrt(accum + epsilon)``: epsilon=0.0 is accepted
    (no check in the constructor) and is TF1's rule; TF1 requires
    ``initial_accumulator_value > 0``, so the root is never of zero. Both start the
    accumulator at ``initial_accumulator_value`` (default 0.1 on both sides).

MomentumOptimizer -> SGD(momentum=..., nesterov=...) (exact for a constant learning rate)
    TF1 ``a = mu a + g``, then ``var -= lr a`` (or, Nesterov, ``var -= lr (g + mu a)``).
    Keras ``m = mu m - lr g``, then ``var += m`` (or, Nesterov, ``var += mu m - lr g``).
    With ``m = -lr a`` these are the same recurrence only while lr is constant: TF1 multiplies
    the whole accumulated history by the *current* lr, Keras each gradient by the lr of its own
    step, so under a decaying learning rate (a tensor computed from the global step, a
    schedule) they differ. Keras ``SGD`` requires ``momentum`` to be a Python float in [0, 1]
    (an int 0 is refused), so an integer literal is written as a float literal.

AdadeltaOptimizer -> Adadelta, ``epsilon`` written out (exact)
    TF1 ``A = rho A + (1-rho) g^2``, ``u = sqrt(U + eps) / sqrt(A + eps) * g``,
    ``U = rho U + (1-rho) u^2``, ``var -= lr u`` (the kernel multiplies by lr although its
    docstring omits it). Keras: ``delta = -sqrt(U + eps) g / sqrt(A + eps)``, the same U update,
    ``var += lr delta``. Defaults lr 0.001 and rho 0.95 agree; eps is 1e-8 in TF1, 1e-7 in Keras,
    and the first updates scale with sqrt(eps), so TF1's is written out.

FtrlOptimizer -> Ftrl (exact)
    TF1 (``apply_ftrl``; ``apply_ftrl_v2`` when l2_shrinkage > 0):
    ``g' = g + 2 l2_shrinkage var``, ``n' = n + g^2``,
    ``z += g' - (n'^(-p) - n^(-p)) / lr * var``, ``q = n'^(-p) / lr + 2 l2'``,
    ``var = (sign(z) l1 - z) / q if |z| > l1 else 0``, ``n = n'``; ``l2' = l2 + beta / (2 lr)``
    (TF1 folds beta into l2 in ``_prepare``, with ``max(lr, 1e-36)``).
    Keras: the same with ``(clip(z, -l1, l1) - z) / q``, which is ``sign(z) l1 - z`` when
    ``|z| > l1`` and 0 otherwise, and ``l2' = l2 + beta / (2 lr)``. All defaults agree (TF1 beta
    None means 0.0, Keras' default; an explicit ``beta=None`` is left out).

ProximalGradientDescentOptimizer -> SGD (exact when l1 and l2 are 0)
    TF1 ``p = var - lr g``, ``var = sign(p) / (1 + lr l2) * max(|p| - lr l1, 0)``; the kernel
    takes ``var = p / (1 + lr l2)`` when l1 is 0, which is ``p`` when l2 is 0: plain SGD.
    Keras has no proximal (FOBOS) step, so non-zero l1 or l2 is refused.

ProximalAdagradOptimizer -> Adagrad, ``epsilon=0.0`` (exact when l1 and l2 are 0)
    TF1 ``accum += g^2``, ``p = var - lr g / sqrt(accum)``, then the same proximal step as
    above with ``lr / sqrt(accum)``; at l1 = l2 = 0 it is TF1's Adagrad, hence Keras Adagrad
    with epsilon 0.

RMSPropOptimizer -> TF1RMSprop (a keras.optimizers.RMSprop subclass the output defines)
    TF1 ``ms = rho ms + (1-rho) g^2``, ``mom = mu mom + lr g / sqrt(ms + eps)``,
    ``var -= mom`` (centered: ``mg = rho mg + (1-rho) g``, root of ``ms - mg^2 + eps``).
    Keras RMSprop has the same formulas (``rho`` for ``decay``) but starts ``ms`` at zeros where
    TF1 starts it at ONES (``_create_slots``: ``ones_initializer``). TF1's mean square carries
    ``rho^t`` of that 1 at step t, so the updates differ by a large factor at first (Keras'
    first step is about ``lr / sqrt(1-rho)``, TF1's ``lr * |g|``) and until ``rho^t`` is small
    against the mean squared gradient, tens to hundreds of steps (the tests measure 0.47 on the
    weights after 20 steps). No constructor argument sets Keras' initial mean square, so the
    output defines ``TF1RMSprop``, whose ``build`` is RMSprop's with the mean-square slots
    created at ones (``TF1_RMSPROP``; an assignment after creation would run at every call of
    the ``tf.function`` step that traced it). Epsilon: TF1's 1e-10 is written (Keras' is 1e-7).

AdagradDAOptimizer -> none
    TF1 keeps ``G = sum g`` and ``H = sum g^2`` and *sets*
    ``var = -lr G / (l2 t lr + sqrt(H))`` (with an l1 shrinkage of G by ``l1 t``): dual
    averaging, which forgets the variable's initial value. No Keras optimizer does this.
"""

from __future__ import annotations

import ast
import dataclasses
import struct

TF1_TRAIN = "tensorflow.compat.v1.train"
# The TF1 spelling; both are keys of RULES.
TF1_TRAIN_LEGACY = "tensorflow.train"


@dataclasses.dataclass(frozen=True)
class OptimizerRule:
    """How one TF1 optimizer's constructor call becomes the Keras 3 one, or why it does not.

    ``parameters`` with ``defaults`` is TF1's constructor signature (parameters without a
    default are required). ``tf1_defaults`` holds the TF1 defaults that differ from Keras' and
    so are written out; ``keras_fixed`` holds Keras arguments TF1 has no parameter for but
    whose Keras default is not TF1's rule (Adagrad's epsilon). ``float_keywords`` are Keras
    keywords that must be Python floats (an integer literal is written as a float literal).
    ``exact_when`` is the condition under which the match is exact, when there is one beyond
    the arguments (for a finding of severity info).
    """

    tf1_name: str
    keras_name: str | None
    parameters: tuple[str, ...]
    defaults: dict[str, str]
    renames: dict[str, str] = dataclasses.field(default_factory=dict)
    tf1_defaults: dict[str, str] = dataclasses.field(default_factory=dict)
    keras_fixed: dict[str, str] = dataclasses.field(default_factory=dict)
    dropped: frozenset[str] = frozenset({"use_locking", "name"})
    unsupported: dict[str, str] = dataclasses.field(default_factory=dict)
    float_keywords: frozenset[str] = frozenset()
    # TF1 parameters the kernel uses as float32 in ``1 - x``, where Keras computes ``1 - x`` in
    # float64 before its cast: a literal is written as its float32 value (0.999 ->
    # 0.9990000128746033), so that Keras computes TF1's number.
    float32_keywords: frozenset[str] = frozenset()
    exact_when: str = ""
    why_not: str = ""
    # Where Keras' optimizer needs a small change to take TF1's steps: the source of a subclass
    # the output defines (its class name is ``keras_name``), and the Keras class it extends.
    definition: str = ""
    keras_base: str = ""


# keras.optimizers.RMSprop with TF1's initial mean square (see RMSPropOptimizer in the module
# docstring); the output defines it where it builds the optimizer.
TF1_RMSPROP = '''class TF1RMSprop(keras.optimizers.RMSprop):
    """keras.optimizers.RMSprop whose mean square of the gradients starts at ones, as
    tf.compat.v1.train.RMSPropOptimizer's did (Keras starts it at zeros; the update is the same)."""

    def build(self, var_list):
        # RMSprop.build with the mean squares created at ones (an assign after creation would be
        # traced into the first tf.function step that builds the optimizer, and run every step).
        if self.built:
            return
        super(keras.optimizers.RMSprop, self).build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity", initializer="ones")
        self._momentums = self.add_optimizer_variables(var_list, "momentum") if self.momentum > 0 else []
        self._average_gradients = (self.add_optimizer_variables(var_list, "average_gradient")
                                   if self.centered else [])
'''

# Reasons shared by several rules.
_NO_PROXIMAL_STEP = "Keras optimizers have no proximal (FOBOS) step; only 0.0 matches"

# --- The table ---------------------------------------------------------------------------
# One rule per optimizer, keyed below under both spellings. Each is proven (or disproven) in
# tests/test_tf2_optimizers.py; the module docstring writes out both update rules.

_RULES = (
    OptimizerRule(
        tf1_name=f"{TF1_TRAIN}.GradientDescentOptimizer",
        keras_name="keras.optimizers.SGD",
        parameters=("learning_rate", "use_locking", "name"),
        defaults={"use_locking": "False", "name": "'GradientDescent'"},
    ),
    OptimizerRule(
        tf1_name=f"{TF1_TRAIN}.AdamOptimizer",
        keras_name="keras.optimizers.Adam",
        parameters=(
            "learning_rate", "beta1", "beta2", "epsilon", "use_locking", "name",
            "use_own_namescope_for_non_slot_vars",
        ),
        defaults={
            "learning_rate": "0.001", "beta1": "0.9", "beta2": "0.999", "epsilon": "1e-08",
            "use_locking": "False", "name": "'Adam'",
            "use_own_namescope_for_non_slot_vars": "False",
        },
        renames={"beta1": "beta_1", "beta2": "beta_2"},
        # epsilon: Keras' is 1e-07; the betas are Keras' too, written out as float32 values.
        tf1_defaults={"beta1": "0.9", "beta2": "0.999", "epsilon": "1e-08"},
        float32_keywords=frozenset({"beta1", "beta2"}),
        # Where TF1 puts the beta-power variables in the graph: names only.
        dropped=frozenset({"use_locking", "name", "use_own_namescope_for_non_slot_vars"}),
    ),
    OptimizerRule(
        tf1_name=f"{TF1_TRAIN}.AdagradOptimizer",
        keras_name="keras.optimizers.Adagrad",
        parameters=("learning_rate", "initial_accumulator_value", "use_locking", "name"),
        defaults={"initial_accumulator_value": "0.1", "use_locking": "False", "name": "'Adagrad'"},
        keras_fixed={"epsilon": "0.0"},  # TF1's Adagrad has no epsilon; Keras' default is 1e-07
    ),
    OptimizerRule(
        tf1_name=f"{TF1_TRAIN}.MomentumOptimizer",
        keras_name="keras.optimizers.SGD",
        parameters=("learning_rate", "momentum", "use_locking", "name", "use_nesterov"),
        defaults={"use_locking": "False", "name": "'Momentum'", "use_nesterov": "False"},
        renames={"use_nesterov": "nesterov"},
        float_keywords=frozenset({"momentum"}),
        exact_when=(
            "the learning rate is constant: TF1 scales the whole momentum accumulator by the "
            "current learning rate, Keras SGD each gradient by the learning rate of its own step"
        ),
    ),
    OptimizerRule(
        tf1_name=f"{TF1_TRAIN}.AdadeltaOptimizer",
        keras_name="keras.optimizers.Adadelta",
        parameters=("learning_rate", "rho", "epsilon", "use_locking", "name"),
        defaults={
            "learning_rate": "0.001", "rho": "0.95", "epsilon": "1e-08",
            "use_locking": "False", "name": "'Adadelta'",
        },
        # epsilon: Keras' is 1e-07; rho is Keras' too, written out as its float32 value.
        tf1_defaults={"rho": "0.95", "epsilon": "1e-08"},
        float32_keywords=frozenset({"rho"}),
    ),
    OptimizerRule(
        tf1_name=f"{TF1_TRAIN}.FtrlOptimizer",
        keras_name="keras.optimizers.Ftrl",
        parameters=(
            "learning_rate", "learning_rate_power", "initial_accumulator_value",
            "l1_regularization_strength", "l2_regularization_strength", "use_locking", "name",
            "accum_name", "linear_name", "l2_shrinkage_regularization_strength", "beta",
        ),
        defaults={
            "learning_rate_power": "-0.5", "initial_accumulator_value": "0.1",
            "l1_regularization_strength": "0.0", "l2_regularization_strength": "0.0",
            "use_locking": "False", "name": "'Ftrl'", "accum_name": "None",
            "linear_name": "None", "l2_shrinkage_regularization_strength": "0.0",
            "beta": "None",  # TF1 reads None as 0.0, Keras' default
        },
        # Names of the slot variables: no effect on the values.
        dropped=frozenset({"use_locking", "name", "accum_name", "linear_name"}),
    ),
    OptimizerRule(
        tf1_name=f"{TF1_TRAIN}.ProximalGradientDescentOptimizer",
        keras_name="keras.optimizers.SGD",
        parameters=(
            "learning_rate", "l1_regularization_strength", "l2_regularization_strength",
            "use_locking", "name",
        ),
        defaults={
            "l1_regularization_strength": "0.0", "l2_regularization_strength": "0.0",
            "use_locking": "False", "name": "'ProximalGradientDescent'",
        },
        unsupported={
            "l1_regularization_strength": _NO_PROXIMAL_STEP,
            "l2_regularization_strength": _NO_PROXIMAL_STEP,
        },
    ),
    OptimizerRule(
        tf1_name=f"{TF1_TRAIN}.ProximalAdagradOptimizer",
        keras_name="keras.optimizers.Adagrad",
        parameters=(
            "learning_rate", "initial_accumulator_value", "l1_regularization_strength",
            "l2_regularization_strength", "use_locking", "name",
        ),
        defaults={
            "initial_accumulator_value": "0.1", "l1_regularization_strength": "0.0",
            "l2_regularization_strength": "0.0", "use_locking": "False",
            "name": "'ProximalAdagrad'",
        },
        keras_fixed={"epsilon": "0.0"},  # as AdagradOptimizer: no epsilon in TF1
        unsupported={
            "l1_regularization_strength": _NO_PROXIMAL_STEP,
            "l2_regularization_strength": _NO_PROXIMAL_STEP,
        },
    ),
    OptimizerRule(
        tf1_name=f"{TF1_TRAIN}.RMSPropOptimizer",
        keras_name="TF1RMSprop",
        keras_base="keras.optimizers.RMSprop",
        definition=TF1_RMSPROP,
        parameters=(
            "learning_rate", "decay", "momentum", "epsilon", "use_locking", "centered", "name",
        ),
        defaults={
            "decay": "0.9", "momentum": "0.0", "epsilon": "1e-10", "use_locking": "False",
            "centered": "False", "name": "'RMSProp'",
        },
        renames={"decay": "rho"},
        # Keras' RMSprop defaults are rho 0.9 (TF1's decay), momentum 0.0, epsilon 1e-07.
        tf1_defaults={"epsilon": "1e-10"},
    ),
    OptimizerRule(
        tf1_name=f"{TF1_TRAIN}.AdagradDAOptimizer",
        keras_name=None,
        parameters=(
            "learning_rate", "global_step", "initial_gradient_squared_accumulator_value",
            "l1_regularization_strength", "l2_regularization_strength", "use_locking", "name",
        ),
        defaults={
            "initial_gradient_squared_accumulator_value": "0.1",
            "l1_regularization_strength": "0.0", "l2_regularization_strength": "0.0",
            "use_locking": "False", "name": "'AdagradDA'",
        },
        why_not=(
            "tf.compat.v1.train.AdagradDAOptimizer is dual averaging: it sets each variable to "
            "-lr * sum(g) / (l2 * t * lr + sqrt(sum(g**2))) from the accumulated gradients and "
            "the global step, forgetting the variable's value; no Keras optimizer computes that"
        ),
    ),
)

RULES: dict[str, OptimizerRule] = {
    name: dataclasses.replace(rule, tf1_name=name)
    for rule in _RULES
    for name in (rule.tf1_name, rule.tf1_name.replace(TF1_TRAIN, TF1_TRAIN_LEGACY, 1))
}


# --- Logic -------------------------------------------------------------------------------


def _short_name(rule: OptimizerRule) -> str:
    return rule.tf1_name.rsplit(".", 1)[-1]


def _literal(text: str):
    """The value of a literal's source text, or a marker that it is not a literal."""
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NOT_A_LITERAL


_NOT_A_LITERAL = object()


def _is_default(text: str, default: str) -> bool:
    """Whether ``text`` is TF1's default: equal literals (0 is 0.0), or the same source text.

    A value that is not a literal (a name, a call) counts as non-default: it may hold anything.
    """
    value, default_value = _literal(text), _literal(default)
    if value is _NOT_A_LITERAL or default_value is _NOT_A_LITERAL:
        return text.strip() == default.strip()
    # 0 == 0.0 is the same default, but True == 1 is not: a bool is not a number here.
    return value == default_value and isinstance(value, bool) == isinstance(default_value, bool)


def _as_float_literal(text: str) -> str:
    """An integer literal as a float literal (Keras SGD refuses ``momentum=0``); else unchanged."""
    value = _literal(text)
    if type(value) is int:
        return repr(float(value))
    return text


def _as_float32_literal(text: str) -> str:
    """A number literal as the float32 value TF1 computed with (``0.999`` -> ``0.9990000128746033``)."""
    value = _literal(text)
    if type(value) not in (int, float):
        return text  # an expression: its float64 value, a difference of one float32 rounding
    return repr(struct.unpack("f", struct.pack("f", float(value)))[0])


def keras_arguments(
    rule: OptimizerRule, positional: list[str], keywords: dict[str, str]
) -> list[tuple[str, str]]:
    """The Keras constructor's keyword arguments for a TF1 constructor call, as source text.

    ``positional`` and ``keywords`` are the TF1 call's argument source texts. The result is
    ``(keras_keyword, source_text)`` pairs in TF1's parameter order (so ``learning_rate``
    first), then the fixed Keras arguments; TF1 defaults that differ from Keras' are written
    out, arguments without effect on the values (``use_locking``, ``name``) are left out.

    Raises ``ValueError`` when the rule has no Keras optimizer, or for a call TF1 itself would
    refuse (too many positionals, an unknown or repeated keyword, a missing required
    argument), or for a parameter without a Keras equivalent given a non-default value.
    """
    name = _short_name(rule)
    if rule.keras_name is None:
        raise ValueError(
            f"{name}: expected an optimizer with an exact Keras 3 equivalent, got one without: "
            f"{rule.why_not}"
        )
    if len(positional) > len(rule.parameters):
        raise ValueError(
            f"{name}: expected at most {len(rule.parameters)} positional arguments "
            f"({', '.join(rule.parameters)}), got {len(positional)}"
        )
    given = dict(zip(rule.parameters, positional))
    for keyword, text in keywords.items():
        if keyword not in rule.parameters:
            raise ValueError(
                f"{name}: expected keywords among ({', '.join(rule.parameters)}), got {keyword!r}"
            )
        if keyword in given:
            raise ValueError(
                f"{name}: expected {keyword} once, got it both by position ({given[keyword]}) "
                f"and by keyword ({text})"
            )
        given[keyword] = text
    missing = [p for p in rule.parameters if p not in rule.defaults and p not in given]
    if missing:
        raise ValueError(f"{name}: expected a value for {', '.join(missing)}, got none")
    for parameter, why in rule.unsupported.items():
        if parameter in given and not _is_default(given[parameter], rule.defaults[parameter]):
            raise ValueError(
                f"{name}: {parameter} has no exact Keras equivalent ({why}): expected "
                f"{rule.defaults[parameter]}, got {given[parameter]}"
            )

    arguments = []
    for parameter in rule.parameters:
        if parameter in rule.dropped or parameter in rule.unsupported:
            continue  # no effect on the values, or checked above to be TF1's default
        text = given.get(parameter, rule.tf1_defaults.get(parameter))
        if text is None:
            continue  # TF1's default is Keras' default
        if text.strip() == "None" and rule.defaults.get(parameter) == "None":
            continue  # TF1 reads None as its default, which is Keras' (Ftrl beta)
        keyword = rule.renames.get(parameter, parameter)
        if keyword in rule.float_keywords:
            text = _as_float_literal(text)
        if parameter in rule.float32_keywords:
            text = _as_float32_literal(text)
        arguments.append((keyword, text))
    arguments.extend(rule.keras_fixed.items())
    return arguments
