"""migrate.tf2_optimizers: each rule's Keras 3 optimizer takes TF1's steps, number for number.

The proof runs both sides on one small problem: a float32 two-layer tanh net (weights of
shapes (3, 4), (4,) and (4, 1), NumPy-seeded; 16 fixed examples; mean squared error). The TF1
optimizer runs in a real ``tf.compat.v1`` Graph and Session (``minimize``); the Keras 3
optimizer, built from ``keras_arguments``' output, runs eagerly with ``GradientTape`` and
``apply_gradients``. Both start from the same weights; the weights are compared after every
one of 20 steps. Each case also checks that the weights moved far more than the tolerance, so
a match is not two optimizers standing still.

The counter-proofs run the same comparison with what a plausible wrong rule would build (Keras'
own epsilon, a dropped ``nesterov``, Keras RMSprop, a decaying learning rate under momentum)
and require a difference of at least 100 times the tolerance: the comparison can fail.

Tolerance. The two sides compute the same formulas with different rounding: the gradients come
from a graph on one side and eager kernels on the other, and several updates are algebraically
equal rearrangements (Momentum's ``-lr * accum`` vs Keras' ``m``; TF1's running product
``beta**t`` vs Keras' ``pow``; ``rsqrt`` vs division by ``sqrt``). float32 rounding is 6e-8
relative per operation and compounds over 20 steps through the weights and the gradients.
Allowed: ``ATOL + RTOL * |w|``, ATOL 1e-6 and RTOL 1e-5 (the equivalence suite's float32
bound, relative to magnitude), plus for Adam ``UPDATE_RTOL`` times the path the weight has
travelled, because Adam's constants round differently on the two sides (see UPDATE_RTOL;
``test_adam_difference_is_the_float32_rounding_of_beta2`` shows it is that).

Measured (TF 2.21, Keras 3.15, x86), largest |difference| over all weights and 20 steps, and
its share of the tolerance: SGD, ProximalGradientDescent, Momentum(0) 3.0e-8 (1%); Momentum
6.0e-8 (4%), Nesterov 6.0e-8 (2%); Adagrad and ProximalAdagrad 8.9e-8 (5%), small accumulator
4.5e-8 (2%); Adadelta 6.0e-8 (2%), defaults 3.0e-8 (1%); Ftrl 1.5e-7 (10%), regularised 6.0e-8
(2%); Adam 1.3e-6 at lr 0.01 (16%; 2.4e-7 with beta2 written as float32(0.999)), beta1 0.8
3.6e-7 (2%), small gradients 4.3e-7 (7%). Every counter-proof differs by 5,900 tolerances or
more (0.01 to 0.6 on the weights).
"""

import ast
import dataclasses
import inspect
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from migrate.tf2_optimizers import RULES, TF1_TRAIN, OptimizerRule, keras_arguments

RTOL = 1e-5  # see the module docstring
ATOL = 1e-6
STEPS = 20
# Relative error allowed in each update on top of ATOL/RTOL, where the two sides round a
# constant of the update differently (see the module docstring). Adam: TF1 computes 1 - beta2
# in float32 from float32(beta2), Keras in float64 before casting: for 0.999 that is
# 9.9998713e-4 against 1e-3, 1.3e-5 apart, so sqrt(v) and every update differ by 6.4e-6
# relative; the bias correction sqrt(1 - beta2**t) / (1 - beta1**t) cancels in float32 on both
# sides and differs by up to 9.9e-6 relative (t = 3, running product against pow). Sum 1.6e-5;
# allowed twice that.
UPDATE_RTOL = {"AdamOptimizer": 3e-5}

OPTIMIZERS = (
    "GradientDescentOptimizer", "AdamOptimizer", "AdagradOptimizer", "MomentumOptimizer",
    "RMSPropOptimizer", "AdadeltaOptimizer", "FtrlOptimizer", "ProximalAdagradOptimizer",
    "ProximalGradientDescentOptimizer", "AdagradDAOptimizer",
)


def _rule(short_name: str) -> OptimizerRule:
    return RULES[f"{TF1_TRAIN}.{short_name}"]


# --- The problem -------------------------------------------------------------------------

_rng = np.random.default_rng(20240611)
INPUTS = _rng.normal(size=(16, 3)).astype(np.float32)
TARGETS = _rng.normal(size=(16, 1)).astype(np.float32)
INITIAL_WEIGHTS = (
    (0.5 * _rng.normal(size=(3, 4))).astype(np.float32),
    (0.1 * _rng.normal(size=(4,))).astype(np.float32),
    (0.5 * _rng.normal(size=(4, 1))).astype(np.float32),
)


def _loss(kernel, bias, output_kernel, scale):
    """Scaled mean squared error of a tanh net; ``scale`` makes the gradients as small as needed."""
    hidden = tf.tanh(tf.matmul(INPUTS, kernel) + bias)
    return scale * tf.reduce_mean(tf.square(tf.matmul(hidden, output_kernel) - TARGETS))


def _values(texts):
    return [ast.literal_eval(text) for text in texts]


def run_tf1(short_name, positional, keywords, scale=1.0, learning_rate_decay=None):
    """The weights after each step of the TF1 optimizer, in a TF1 graph and session.

    ``learning_rate_decay`` (rate, steps) makes the learning rate the first positional argument
    decayed by ``tf.compat.v1.train.exponential_decay`` of the global step.
    """
    arguments = _values(positional)
    keyword_arguments = dict(zip(keywords, _values(keywords.values())))
    history = []
    with tf.Graph().as_default():
        weights = [tf.compat.v1.Variable(value) for value in INITIAL_WEIGHTS]
        global_step = tf.compat.v1.train.get_or_create_global_step()
        if learning_rate_decay is not None:
            rate, decay_steps = learning_rate_decay
            arguments[0] = tf.compat.v1.train.exponential_decay(
                arguments[0], global_step, decay_steps, rate
            )
        optimizer = getattr(tf.compat.v1.train, short_name)(*arguments, **keyword_arguments)
        train = optimizer.minimize(_loss(*weights, scale), global_step=global_step)
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            for _ in range(STEPS):
                session.run(train)
                history.append(session.run(weights))
    return history


def keras_class(keras_name):
    """The optimizer class a rule names: Keras' own, or the subclass the output defines from the
    rule's ``definition`` (executed here as the output executes it)."""
    definitions = {rule.keras_name: rule.definition for rule in RULES.values() if rule.definition}
    if keras_name in definitions:
        namespace = {"keras": keras, "tf": tf}
        exec(definitions[keras_name], namespace)
        return namespace[keras_name]
    return getattr(keras.optimizers, keras_name.rsplit(".", 1)[-1])


def run_keras(keras_name, arguments, scale=1.0, learning_rate_decay=None, compiled=False):
    """The weights after each step of ``keras_name(**arguments)``, eagerly."""
    values = dict(zip((k for k, _ in arguments), _values(v for _, v in arguments)))
    if learning_rate_decay is not None:
        rate, decay_steps = learning_rate_decay
        values["learning_rate"] = keras.optimizers.schedules.ExponentialDecay(
            values["learning_rate"], decay_steps, rate
        )
    optimizer = keras_class(keras_name)(**values)
    # Nothing outside the update rule may be on (the table relies on Keras' defaults here).
    assert optimizer.weight_decay is None and optimizer.clipnorm is None
    assert optimizer.global_clipnorm is None and optimizer.clipvalue is None
    assert not optimizer.use_ema
    weights = [keras.Variable(value) for value in INITIAL_WEIGHTS]
    history = []

    def step():
        with tf.GradientTape() as tape:
            loss = _loss(*weights, scale)
        optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))

    if compiled:  # as the tf2 level's programs run it: built inside the first traced step
        step = tf.function(step)
    for _ in range(STEPS):
        step()
        history.append([weight.numpy() for weight in weights])
    return history


def max_violation(tf1_history, keras_history, update_rtol=0.0):
    """(largest |difference| over all steps and weights, largest ratio of it to the tolerance).

    The tolerance of a weight after step t is ``ATOL + RTOL * |w_t| + update_rtol * path_t``,
    ``path_t`` the sum of its TF1 updates' magnitudes so far (see UPDATE_RTOL).
    """
    largest_difference = largest_ratio = 0.0
    previous = [w.astype(np.float64) for w in INITIAL_WEIGHTS]
    paths = [np.zeros(w.shape) for w in INITIAL_WEIGHTS]
    for tf1_weights, keras_weights in zip(tf1_history, keras_history, strict=True):
        for index, (expected, actual) in enumerate(zip(tf1_weights, keras_weights, strict=True)):
            paths[index] += np.abs(expected - previous[index])
            previous[index] = expected.astype(np.float64)
            difference = np.abs(actual.astype(np.float64) - expected)
            largest_difference = max(largest_difference, float(difference.max()))
            tolerance = ATOL + RTOL * np.abs(expected) + update_rtol * paths[index]
            largest_ratio = max(largest_ratio, float((difference / tolerance).max()))
    return largest_difference, largest_ratio


def distance_travelled(history):
    return max(float(np.abs(w - w0).max()) for w, w0 in zip(history[-1], INITIAL_WEIGHTS))


# --- Proofs: the rule's Keras optimizer matches TF1 after every step ---------------------

@dataclasses.dataclass(frozen=True)
class Case:
    optimizer: str
    positional: tuple[str, ...] = ()
    keywords: tuple[tuple[str, str], ...] = ()
    scale: float = 1.0  # loss scale: small gradients bring the epsilons into play


# Measured differences: the module docstring.
CASES = {
    "sgd": Case("GradientDescentOptimizer", ("0.1",)),
    "adam_defaults": Case("AdamOptimizer", (), (("learning_rate", "0.01"),)),
    "rmsprop_defaults": Case("RMSPropOptimizer", ("0.01",)),
    "rmsprop_momentum_centered": Case(
        "RMSPropOptimizer", ("0.01",), (("decay", "0.8"), ("momentum", "0.5"), ("centered", "True"))
    ),
    "adam_beta": Case("AdamOptimizer", ("0.05", "0.8", "0.99")),
    # sqrt(v) ~ 1e-6 here, so epsilon 1e-8 against Keras' 1e-7 is a 10% difference per step.
    "adam_small_gradients": Case("AdamOptimizer", ("0.01",), scale=1e-6),
    "adagrad": Case("AdagradOptimizer", ("0.1",), (("initial_accumulator_value", "0.5"),)),
    # accumulator ~ 1e-7..1e-6: Keras' default epsilon 1e-7 would be visible.
    "adagrad_small_accumulator": Case(
        "AdagradOptimizer", ("0.01", "1e-07"), scale=1e-3
    ),
    "momentum": Case("MomentumOptimizer", ("0.05", "0.9")),
    "momentum_nesterov": Case(
        "MomentumOptimizer", ("0.05",), (("momentum", "0.9"), ("use_nesterov", "True"))
    ),
    "momentum_integer_zero": Case("MomentumOptimizer", ("0.1", "0")),
    "adadelta_defaults": Case("AdadeltaOptimizer", (), (("learning_rate", "1.0"),)),
    "adadelta": Case("AdadeltaOptimizer", ("1.0", "0.8", "1e-06"), (("use_locking", "True"),)),
    "ftrl_defaults": Case("FtrlOptimizer", ("0.1",)),
    "ftrl_regularised": Case(
        "FtrlOptimizer",
        ("0.2", "-0.7", "0.3", "0.001", "0.01"),
        (("l2_shrinkage_regularization_strength", "0.02"), ("beta", "0.5"), ("name", "'f'")),
    ),
    "proximal_gradient_descent": Case(
        "ProximalGradientDescentOptimizer", ("0.1",), (("l1_regularization_strength", "0.0"),)
    ),
    "proximal_adagrad": Case(
        "ProximalAdagradOptimizer", ("0.1", "0.5"), (("l2_regularization_strength", "0.0"),)
    ),
}


def compare_case(case: Case, arguments=None, keras_name=None, learning_rate_decay=None, compiled=False):
    """(tf1 history, keras history, largest difference, largest ratio to the tolerance)."""
    rule = _rule(case.optimizer)
    if arguments is None:
        arguments = keras_arguments(rule, list(case.positional), dict(case.keywords))
    tf1_history = run_tf1(
        case.optimizer, case.positional, dict(case.keywords), case.scale, learning_rate_decay
    )
    keras_history = run_keras(
        keras_name or rule.keras_name, arguments, case.scale, learning_rate_decay, compiled
    )
    update_rtol = UPDATE_RTOL.get(case.optimizer, 0.0)
    return (tf1_history, keras_history, *max_violation(tf1_history, keras_history, update_rtol))


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_keras_optimizer_takes_tf1_steps(case_name):
    case = CASES[case_name]
    tf1_history, _, largest_difference, largest_ratio = compare_case(case)
    # The weights moved by 100 tolerances at least: the match is not of two idle optimizers.
    assert distance_travelled(tf1_history) > 100 * (ATOL + RTOL)
    assert largest_ratio <= 1.0, (
        f"{case_name}: Keras and TF1 weights differ by up to {largest_difference:.3g}, "
        f"{largest_ratio:.3g} times the tolerance"
    )


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_keras_optimizer_takes_tf1_steps_inside_a_tf_function(case_name):
    # The tf2 level's steps are tf.functions: the optimizer is built (its slots created) while
    # the first step is traced, and anything done then must not run again at every step.
    case = CASES[case_name]
    _, _, largest_difference, largest_ratio = compare_case(case, compiled=True)
    assert largest_ratio <= 1.0, (
        f"{case_name}: under tf.function, Keras and TF1 weights differ by up to {largest_difference:.3g}"
    )


def test_adam_difference_is_the_float32_rounding_of_beta2():
    # Keras computes 1 - beta_2 in float64: given beta_2 = float32(0.999) as a Python float
    # (what the rule writes), its 1 - beta_2 is TF1's float32 one. The float64 literals
    # Keras would otherwise use leave a difference at least twice as large.
    case, arguments = _case_arguments("adam_defaults")
    assert ("beta_2", repr(float(np.float32(0.999)))) in arguments
    _, _, rule_difference, _ = compare_case(case, arguments)
    float64_betas = [(k, v) for k, v in arguments if k not in ("beta_1", "beta_2")]
    _, _, float64_difference, _ = compare_case(case, float64_betas)
    assert rule_difference < ATOL
    assert rule_difference < float64_difference / 2


def test_every_rule_with_a_keras_optimizer_is_proven():
    proven = {CASES[name].optimizer for name in CASES}
    with_keras = {name for name in OPTIMIZERS if _rule(name).keras_name is not None}
    assert with_keras == proven


# --- Counter-proofs: a wrong rule would fail the same comparison -------------------------

def _assert_differs(case, arguments, keras_name=None, learning_rate_decay=None):
    tf1_history, _, largest_difference, largest_ratio = compare_case(
        case, arguments, keras_name, learning_rate_decay
    )
    assert largest_ratio > 100, (
        f"expected a difference of 100 tolerances at least, got {largest_ratio:.3g} "
        f"({largest_difference:.3g})"
    )


def _without(arguments, keyword):
    return [(k, v) for k, v in arguments if k != keyword]


def _case_arguments(case_name):
    case = CASES[case_name]
    return case, keras_arguments(_rule(case.optimizer), list(case.positional), dict(case.keywords))


@pytest.mark.parametrize(
    "case_name, keyword",
    [
        ("adam_small_gradients", "epsilon"),  # Keras' 1e-07 instead of TF1's 1e-08
        ("adagrad_small_accumulator", "epsilon"),  # Keras' 1e-07 instead of TF1's none
        ("adadelta_defaults", "epsilon"),  # Keras' 1e-07 instead of TF1's 1e-08
        ("momentum_nesterov", "nesterov"),
    ],
)
def test_keras_default_in_place_of_the_written_argument_differs(case_name, keyword):
    case, arguments = _case_arguments(case_name)
    assert keyword in dict(arguments)
    _assert_differs(case, _without(arguments, keyword))


@pytest.mark.parametrize("centered", ["False", "True"])
def test_keras_rmsprop_differs_from_tf1_rmsprop(centered):
    # The formulas match (decay is rho); the zeros against ones start of the mean square does
    # not: hence the rule's TF1RMSprop, proven by the rmsprop cases above.
    case = Case("RMSPropOptimizer", ("0.01",), (("momentum", "0.5"), ("centered", centered)))
    arguments = [
        ("learning_rate", "0.01"), ("rho", "0.9"), ("momentum", "0.5"), ("epsilon", "1e-10"),
        ("centered", centered),
    ]
    _assert_differs(case, arguments, keras_name="keras.optimizers.RMSprop")


def test_momentum_differs_under_a_decaying_learning_rate():
    # The rule's exact_when: TF1 rescales the accumulated history by the current rate.
    case, arguments = _case_arguments("momentum")
    _assert_differs(case, arguments, learning_rate_decay=(0.5, 2))


def test_plain_sgd_under_a_decaying_learning_rate_matches():
    # ... while without momentum the same schedule is the same on both sides, so the
    # difference above is the accumulator form, not the schedule.
    case, arguments = _case_arguments("sgd")
    _, _, largest_difference, largest_ratio = compare_case(
        case, arguments, learning_rate_decay=(0.5, 2)
    )
    assert largest_ratio <= 1.0, largest_difference


# --- keras_arguments ---------------------------------------------------------------------

def test_positionals_renames_and_differing_defaults_written_out():
    arguments = keras_arguments(
        _rule("AdamOptimizer"), ["0.01", "0.8"], {"beta2": "0.99", "name": "'adam'"}
    )
    # The betas as the float32 values TF1 computed with (float32(0.8), float32(0.99)).
    assert arguments == [
        ("learning_rate", "0.01"), ("beta_1", "0.800000011920929"), ("beta_2", "0.9900000095367432"),
        ("epsilon", "1e-08"),
    ]


def test_given_value_replaces_the_written_default():
    arguments = keras_arguments(_rule("AdamOptimizer"), [], {"epsilon": "eps"})
    assert arguments == [("beta_1", "0.8999999761581421"), ("beta_2", "0.9990000128746033"), ("epsilon", "eps")]


def test_adagrad_writes_epsilon_zero_and_drops_locking():
    arguments = keras_arguments(_rule("AdagradOptimizer"), ["lr", "0.5", "True"], {})
    assert arguments == [
        ("learning_rate", "lr"), ("initial_accumulator_value", "0.5"), ("epsilon", "0.0"),
    ]


def test_momentum_renames_nesterov_and_writes_momentum_as_a_float():
    arguments = keras_arguments(
        _rule("MomentumOptimizer"), ["0.1"], {"momentum": "1", "use_nesterov": "True"}
    )
    assert arguments == [("learning_rate", "0.1"), ("momentum", "1.0"), ("nesterov", "True")]
    # A name is left as it is: it may hold a float.
    assert ("momentum", "mu") in keras_arguments(_rule("MomentumOptimizer"), ["0.1", "mu"], {})


def test_ftrl_beta_none_is_left_out():
    arguments = keras_arguments(_rule("FtrlOptimizer"), ["0.1"], {"beta": "None"})
    assert arguments == [("learning_rate", "0.1")]


def test_unsupported_parameter_at_its_default_is_accepted_and_left_out():
    rule = _rule("ProximalGradientDescentOptimizer")
    for text in ("0.0", "0", " 0.0"):
        assert keras_arguments(rule, ["0.1", text], {}) == [("learning_rate", "0.1")]


@pytest.mark.parametrize("text", ["0.01", "l1", "False"])
def test_unsupported_parameter_with_another_value_is_refused(text):
    with pytest.raises(ValueError) as raised:
        keras_arguments(
            _rule("ProximalAdagradOptimizer"), ["0.1"], {"l1_regularization_strength": text}
        )
    assert str(raised.value) == (
        "ProximalAdagradOptimizer: l1_regularization_strength has no exact Keras equivalent "
        "(Keras optimizers have no proximal (FOBOS) step; only 0.0 matches): expected 0.0, "
        f"got {text}"
    )


def test_too_many_positionals_is_refused():
    with pytest.raises(ValueError) as raised:
        keras_arguments(_rule("GradientDescentOptimizer"), ["0.1", "False", "'n'", "x"], {})
    assert str(raised.value) == (
        "GradientDescentOptimizer: expected at most 3 positional arguments "
        "(learning_rate, use_locking, name), got 4"
    )


def test_unknown_keyword_is_refused():
    with pytest.raises(ValueError) as raised:
        keras_arguments(_rule("AdamOptimizer"), [], {"beta_1": "0.8"})
    assert str(raised.value) == (
        "AdamOptimizer: expected keywords among (learning_rate, beta1, beta2, epsilon, "
        "use_locking, name, use_own_namescope_for_non_slot_vars), got 'beta_1'"
    )


def test_repeated_argument_is_refused():
    with pytest.raises(ValueError, match=r"expected learning_rate once, got it both by position"):
        keras_arguments(_rule("AdamOptimizer"), ["0.1"], {"learning_rate": "0.2"})


def test_missing_learning_rate_is_refused_not_defaulted():
    with pytest.raises(ValueError) as raised:
        keras_arguments(_rule("MomentumOptimizer"), [], {"momentum": "0.9"})
    assert str(raised.value) == "MomentumOptimizer: expected a value for learning_rate, got none"


@pytest.mark.parametrize("short_name", ["AdagradDAOptimizer"])
def test_rule_without_keras_optimizer_is_refused_with_its_reason(short_name):
    rule = _rule(short_name)
    assert rule.keras_name is None and rule.why_not
    with pytest.raises(ValueError) as raised:
        keras_arguments(rule, ["0.1"], {})
    assert str(raised.value) == (
        f"{short_name}: expected an optimizer with an exact Keras 3 equivalent, got one "
        f"without: {rule.why_not}"
    )


# --- The table against the installed TensorFlow and Keras --------------------------------

@pytest.mark.parametrize("short_name", OPTIMIZERS)
def test_both_spellings_are_keys(short_name):
    for prefix in ("tensorflow.compat.v1.train", "tensorflow.train"):
        rule = RULES[f"{prefix}.{short_name}"]
        assert rule.tf1_name == f"{prefix}.{short_name}"
        assert dataclasses.replace(rule, tf1_name="") == dataclasses.replace(
            _rule(short_name), tf1_name=""
        )


@pytest.mark.parametrize("short_name", OPTIMIZERS)
def test_parameters_and_defaults_are_tf1s_signature(short_name):
    rule = _rule(short_name)
    signature = inspect.signature(getattr(tf.compat.v1.train, short_name).__init__)
    parameters = [p for p in signature.parameters.values() if p.name != "self"]
    assert rule.parameters == tuple(p.name for p in parameters)
    assert {name: ast.literal_eval(text) for name, text in rule.defaults.items()} == {
        p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty
    }


@pytest.mark.parametrize("short_name", OPTIMIZERS)
def test_rule_fields_name_tf1_parameters(short_name):
    rule = _rule(short_name)
    for field in (rule.renames, rule.tf1_defaults, rule.unsupported, rule.dropped):
        assert set(field) <= set(rule.parameters)
    assert {"use_locking", "name"} <= rule.dropped
    for parameter, text in rule.tf1_defaults.items():
        assert rule.defaults[parameter] == text
    for parameter in rule.unsupported:
        assert parameter in rule.defaults  # the value it is accepted at


@pytest.mark.parametrize(
    "short_name", [name for name in OPTIMIZERS if _rule(name).keras_name is not None]
)
def test_written_defaults_are_exactly_the_ones_keras_does_not_share(short_name):
    # Every TF1 default the Keras call leaves unwritten must be Keras' default too.
    rule = _rule(short_name)
    keras_defaults = {
        p.name: p.default
        for p in inspect.signature(keras_class(rule.keras_name).__init__).parameters.values()
    }
    differing = set()
    for parameter, text in rule.defaults.items():
        if parameter in rule.dropped or parameter in rule.unsupported:
            continue
        keyword = rule.renames.get(parameter, parameter)
        assert keyword in keras_defaults, f"{short_name}.{parameter}: Keras has no {keyword}"
        tf1_default = ast.literal_eval(text)
        if tf1_default is None:  # TF1's None stands for Keras' default (Ftrl beta: 0.0)
            continue
        if tf1_default != keras_defaults[keyword]:
            differing.add(parameter)
    # Parameters TF1 used as float32 are written out even where the defaults agree.
    assert set(rule.tf1_defaults) == differing | set(rule.float32_keywords)
    for keyword in rule.keras_fixed:
        assert keyword in keras_defaults


def test_module_imports_without_tensorflow():
    code = (
        "import sys, migrate.tf2_optimizers; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
