"""The one table of TF1 variable names (tf2_port.tf1_names): round trips over every family and
naming era, and names written by real TF1 programs, read back."""

import doctest
import itertools
import subprocess
import sys

import pytest

from tf2_port import tf1_names
from tf2_port.tf1_names import (
    KERNEL_ERA, WEIGHTS_ERA, CellPlace, VariableName, cell_roles, format_cell_prefix, format_variable_name,
    is_pre_tf1_name, keras_weight_indices, keras_weight_sources, parse_cell_prefix, parse_variable_name,
    variable_name_candidates,
)

# --- Round trips: format, then parse, gives back the same ------------------------------------

# Every driver layout, with and without MultiRNNCell, default and custom scopes, nested scopes.
PLACES = [
    CellPlace("rnn", "{cell}"),
    CellPlace("rnn", "{cell}", multi_rnn_cell=True, index=0),
    CellPlace("m/rnn", "{cell}", multi_rnn_cell=True, index=3),
    CellPlace("encoder", "{cell}", multi_rnn_cell=True, index=1),
    CellPlace("rnn", "{cell}", driver="static_rnn", multi_rnn_cell=True, index=2),
    CellPlace("bidirectional_rnn", "{cell}", "bidirectional_dynamic_rnn", "fw"),
    CellPlace("bidirectional_rnn", "{cell}", "bidirectional_dynamic_rnn", "bw", 1, True),
    CellPlace("tagger/birnn", "{cell}", "static_bidirectional_rnn", "bw", 0, True),
    CellPlace("stack_bidirectional_rnn", "{cell}", "stack_bidirectional_dynamic_rnn", "fw", 0, True),
    CellPlace("layer/stack_bidirectional_rnn", "{cell}", "stack_bidirectional_dynamic_rnn", "bw", 4, True),
]


def _cell_scopes(family):
    # A custom name= is possible wherever the family may be custom-named.
    custom = ("decoder_cell",) if family in tf1_names.CUSTOM_NAME_FAMILIES else ()
    return tf1_names.default_cell_scopes(family) + custom


def _round_trip_cases(family):
    required, optional = tf1_names.FAMILY_ROLES[family]
    for template, cell_scope, role in itertools.product(PLACES, _cell_scopes(family), required + optional):
        place = CellPlace(template.root, cell_scope, template.driver, template.direction, template.index,
                          template.multi_rnn_cell)
        if parse_cell_prefix(format_cell_prefix(place)) is None:
            continue  # a custom-named bare cell under a custom scope: see test_dense_like_prefix_is_not_a_cell
        yield place, role


@pytest.mark.parametrize("family, era", [(family, era) for family, eras in tf1_names.FAMILY_ERAS.items() for era in eras])
def test_format_then_parse_gives_back_the_same(family, era):
    cases = list(_round_trip_cases(family))
    assert len(cases) >= len(PLACES) * len(cell_roles(family))
    for place, role in cases:
        name = format_variable_name(place, role, era)
        parsed = parse_variable_name(name)
        expected_place = CellPlace(place.root, place.cell_scope, tf1_names.DRIVER_LAYOUTS[place.driver],
                                   place.direction, place.index, place.multi_rnn_cell)
        marks_era = role.rpartition("/")[2] in ("kernel", "bias")
        assert parsed == VariableName(expected_place, role, era if marks_era else None), name
        assert format_variable_name(parsed.place, parsed.role, era) == name
        assert name in variable_name_candidates(format_cell_prefix(place), role)


@pytest.mark.parametrize("family", list(tf1_names.FAMILY_ROLES))
def test_every_role_of_a_family_feeds_a_keras_weight_and_every_weight_has_a_source(family):
    roles = cell_roles(family, peepholes=family == "lstm", projection=family == "lstm")
    sources = keras_weight_sources(family, roles)
    assert sorted({role for _, fed_by in sources for role in fed_by}) == sorted(roles)
    for role in roles:
        for index in keras_weight_indices(family, role, roles):
            assert role in sources[index][1]


def test_keras_weight_order_matches_tf1_lstm_cell_weights():
    # TF1LSTMCell lists peepholes before the projection, and each only when present.
    keras = pytest.importorskip("keras")
    from tf2_port.cells import TF1LSTMCell

    for peepholes, projection in itertools.product((False, True), repeat=2):
        cell = TF1LSTMCell(4, use_peepholes=peepholes, num_proj=2 if projection else None)
        cell.build((None, 3))
        roles = cell_roles("lstm", peepholes=peepholes, projection=projection)
        assert [name for name, _ in keras_weight_sources("lstm", roles)] == [w.name for w in cell.weights]
    stock = keras.layers.GRUCell(4, reset_after=False)
    stock.build((None, 3))
    assert [name for name, _ in keras_weight_sources("gru", cell_roles("gru"))] == [w.name for w in stock.weights]


def test_checkpoint_shape_tables_use_the_roles_of_this_table():
    pytest.importorskip("keras")
    from tf2_port.checkpoint import tables

    for family, (required, optional) in tf1_names.FAMILY_ROLES.items():
        assert set(tables.EXPECTED_SHAPES[family]) == set(required + optional), family
        assert tables.FAMILY_FUSED_KERNEL[family] in required
        assert tables.FAMILY_UNITS_SOURCE[family][0] in required
    assert {family for family, _ in tables.CELL_KIND_OPTIONS.values()} == set(tf1_names.FAMILY_ROLES)


def test_dense_like_prefix_is_not_a_cell():
    # `encoder/x/{kernel,bias}` is what tf.layers.dense(name="x") writes under `encoder`.
    assert parse_variable_name("encoder/x/kernel") is None
    assert parse_variable_name("dense/kernel") is None
    assert parse_variable_name("rnn/multi_rnn_cell/cell_0/lstm_cell/kernel/Adam") is None


@pytest.mark.parametrize("place, message", [
    (CellPlace("rnn", "lstm_cell", direction="fw"), "`direction`"),
    (CellPlace("rnn", "lstm_cell", "bidirectional_dynamic_rnn"), "`direction`"),
    (CellPlace("rnn", "lstm_cell", index=1), "`index`"),
    (CellPlace("s", "lstm_cell", "stack_bidirectional_dynamic_rnn", "fw"), "`multi_rnn_cell`"),
    (CellPlace("rnn", "lstm_cell", "my_rnn"), "`driver`"),
    (CellPlace("rnn", "a/b"), "`cell_scope`"),
])
def test_impossible_places_are_refused(place, message):
    with pytest.raises(ValueError, match=message):
        format_cell_prefix(place)


def test_refusals_name_the_argument():
    with pytest.raises(ValueError, match="`role`"):
        format_variable_name(CellPlace("rnn", "lstm_cell"), "recurrent_kernel")
    with pytest.raises(ValueError, match="`era`"):
        format_variable_name(CellPlace("rnn", "lstm_cell"), "kernel", "tf2")
    with pytest.raises(ValueError, match="no w_i_diag"):
        cell_roles("gru", peepholes=True)
    with pytest.raises(ValueError, match="`family`"):
        cell_roles("layer_norm_lstm")


def test_docstring_examples():
    assert doctest.testmod(tf1_names).failed == 0


def test_module_loads_no_framework():
    code = ("import sys, tf2_port.tf1_names; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'numpy', 'tf1_reference') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- Names real TF1 programs wrote ------------------------------------------------------------

# (name, root, driver layout, direction, index, multi_rnn_cell, cell scope, role, era); the names are
# copied from where real TF1 graphs and checkpoints printed or asserted them, never computed.
REAL_NAMES = [
    # This project's TF1 reference graphs (tests/test_reference_builder.py, test_seed_models.py).
    ("enc/multi_rnn_cell/cell_0/lstm_cell/kernel", "enc", "dynamic_rnn", "", 0, True, "lstm_cell", "kernel", KERNEL_ERA),
    ("rnn/lstm_cell/kernel", "rnn", "dynamic_rnn", "", 0, False, "lstm_cell", "kernel", KERNEL_ERA),
    ("birnn/fw/multi_rnn_cell/cell_0/lstm_cell/kernel", "birnn", "bidirectional_dynamic_rnn", "fw", 0, True,
     "lstm_cell", "kernel", KERNEL_ERA),
    ("stack_bidirectional_rnn/cell_1/bidirectional_rnn/fw/lstm_cell/kernel", "stack_bidirectional_rnn",
     "stack_bidirectional_dynamic_rnn", "fw", 1, True, "lstm_cell", "kernel", KERNEL_ERA),
    ("rnn/multi_rnn_cell/cell_0/decoder_cell/w_f_diag", "rnn", "dynamic_rnn", "", 0, True, "decoder_cell",
     "w_f_diag", None),
    ("rnn/multi_rnn_cell/cell_0/decoder_cell/projection/kernel", "rnn", "dynamic_rnn", "", 0, True,
     "decoder_cell", "projection/kernel", KERNEL_ERA),
    ("lm/rnn/multi_rnn_cell/cell_1/lstm_cell/bias", "lm/rnn", "dynamic_rnn", "", 1, True, "lstm_cell", "bias",
     KERNEL_ERA),
    ("rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel", "rnn", "dynamic_rnn", "", 1, True, "gru_cell",
     "gates/kernel", KERNEL_ERA),
    ("rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias", "rnn", "dynamic_rnn", "", 1, True, "gru_cell",
     "candidate/bias", KERNEL_ERA),
    # examples/*/keras.py, read from their TF1 halves: a scope= given to dynamic_rnn around a bare
    # cell, and bidirectional_dynamic_rnn run once per layer under variable_scope("layer_<i>").
    ("gru/gru_cell/gates/kernel", "gru", "dynamic_rnn", "", 0, False, "gru_cell", "gates/kernel", KERNEL_ERA),
    ("basic_lstm/basic_lstm_cell/bias", "basic_lstm", "dynamic_rnn", "", 0, False, "basic_lstm_cell", "bias",
     KERNEL_ERA),
    ("layer_1/bidirectional_rnn/bw/lstm_cell/kernel", "layer_1/bidirectional_rnn", "bidirectional_dynamic_rnn",
     "bw", 0, False, "lstm_cell", "kernel", KERNEL_ERA),
    # TensorFlow 1.1's own cell tests (contrib/rnn core_rnn_cell_test.py, testBasicLSTMCell and
    # testLSTMCellVariables) assert these names for cells called in variable_scope("root").
    ("root/multi_rnn_cell/cell_1/basic_lstm_cell/biases", "root", "dynamic_rnn", "", 1, True, "basic_lstm_cell",
     "bias", WEIGHTS_ERA),
    ("root/lstm_cell/weights", "root", "dynamic_rnn", "", 0, False, "lstm_cell", "kernel", WEIGHTS_ERA),
    ("root/lstm_cell/projection/weights", "root", "dynamic_rnn", "", 0, False, "lstm_cell", "projection/kernel",
     WEIGHTS_ERA),
    # Public TF 1.0-1.1 programs naming their checkpoints' variables.
    ("Model/RNN/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/weights", "Model/RNN/rnn", "dynamic_rnn", "", 0, True,
     "basic_lstm_cell", "kernel", WEIGHTS_ERA),
    ("q/rnn/multi_rnn_cell/cell_0/gru_cell/candidate/weights", "q/rnn", "dynamic_rnn", "", 0, True, "gru_cell",
     "candidate/kernel", WEIGHTS_ERA),
    ("encoder/bidirectional_rnn/fw/gru_cell/gates/weights", "encoder/bidirectional_rnn", "bidirectional_dynamic_rnn",
     "fw", 0, False, "gru_cell", "gates/kernel", WEIGHTS_ERA),
    ("bidirectional_rnn/bw/basic_lstm_cell/weights", "bidirectional_rnn", "bidirectional_dynamic_rnn", "bw", 0,
     False, "basic_lstm_cell", "kernel", WEIGHTS_ERA),
    # contrib GRUBlockCell, printed by a public program's variable list.
    ("m_0/gru_cell/w_ru", "m_0", "dynamic_rnn", "", 0, False, "gru_cell", "w_ru", None),
    # CudnnLSTM canonical variables: DeepSpeech's released checkpoints, and a stacked bidirectional
    # CudnnCompatibleLSTMCell model loading its parameters by name.
    ("cudnn_lstm/rnn/multi_rnn_cell/cell_0/cudnn_compatible_lstm_cell/kernel", "cudnn_lstm/rnn", "dynamic_rnn", "",
     0, True, "cudnn_compatible_lstm_cell", "kernel", KERNEL_ERA),
    ("layer/stack_bidirectional_rnn/cell_5/bidirectional_rnn/bw/cudnn_compatible_lstm_cell/bias",
     "layer/stack_bidirectional_rnn", "stack_bidirectional_dynamic_rnn", "bw", 5, True,
     "cudnn_compatible_lstm_cell", "bias", KERNEL_ERA),
]


@pytest.mark.parametrize("name, root, driver, direction, index, multi, cell_scope, role, era", REAL_NAMES,
                         ids=[row[0] for row in REAL_NAMES])
def test_real_tf1_names_parse(name, root, driver, direction, index, multi, cell_scope, role, era):
    parsed = parse_variable_name(name)
    assert parsed == VariableName(CellPlace(root, cell_scope, driver, direction, index, multi), role, era)
    assert format_variable_name(parsed.place, parsed.role, era or KERNEL_ERA) == name


# TensorFlow 1.2's checkpoint_convert.py (contrib/rnn/python/tools, RNN_NAME_REPLACEMENTS): how
# TensorFlow itself renamed TF 1.0-1.1 cell variables, for the cells this project converts.
TF_1_2_RENAMES = [
    ("basic_rnn_cell/weights", "basic_rnn_cell/kernel"),
    ("basic_rnn_cell/biases", "basic_rnn_cell/bias"),
    ("gru_cell/gates/weights", "gru_cell/gates/kernel"),
    ("gru_cell/gates/biases", "gru_cell/gates/bias"),
    ("gru_cell/candidate/weights", "gru_cell/candidate/kernel"),
    ("gru_cell/candidate/biases", "gru_cell/candidate/bias"),
    ("basic_lstm_cell/weights", "basic_lstm_cell/kernel"),
    ("basic_lstm_cell/biases", "basic_lstm_cell/bias"),
    ("lstm_cell/weights", "lstm_cell/kernel"),
    ("lstm_cell/biases", "lstm_cell/bias"),
    ("lstm_cell/projection/weights", "lstm_cell/projection/kernel"),
]


@pytest.mark.parametrize("old, new", TF_1_2_RENAMES)
def test_weights_era_is_tensorflows_own_renaming(old, new):
    old_name, new_name = f"rnn/multi_rnn_cell/cell_0/{old}", f"rnn/multi_rnn_cell/cell_0/{new}"
    assert tf1_names.canonical_name(old_name) == new_name
    old_parsed, new_parsed = parse_variable_name(old_name), parse_variable_name(new_name)
    assert (old_parsed.place, old_parsed.role, old_parsed.era) == (new_parsed.place, new_parsed.role, WEIGHTS_ERA)
    assert variable_name_candidates(new_parsed.prefix, new_parsed.role) == (new_name, old_name)


@pytest.mark.parametrize("name", [
    # TF 0.x names, as TF 1.2's checkpoint_convert.py (_RNN_SHARDED_NAME_REPLACEMENTS) and public
    # TF 0.12 programs wrote them.
    "RNN/MultiRNNCell/Cell0/BasicLSTMCell/Linear/Matrix",
    "RNN/GRUCell/Gates/Linear/Bias",
    "RNN/MultiRNNCell/Cell1/LSTMCell/W_0",
])
def test_pre_tf1_names_are_recognised_to_be_refused(name):
    assert is_pre_tf1_name(name)
    assert not is_pre_tf1_name("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/weights")


# Literal, so that the expectations below are not computed by the module under test.
DEFAULT_CELL_SCOPES = {"basic_rnn": "basic_rnn_cell", "gru": "gru_cell", "basic_lstm": "basic_lstm_cell",
                       "lstm": "lstm_cell"}
DEFAULT_ROOTS = {"dynamic_rnn": "rnn", "static_rnn": "rnn", "bidirectional_dynamic_rnn": "bidirectional_rnn",
                 "static_bidirectional_rnn": "bidirectional_rnn",
                 "stack_bidirectional_dynamic_rnn": "stack_bidirectional_rnn"}
KIND_ROLES = {"basic_rnn": ["kernel", "bias"], "basic_lstm": ["kernel", "bias"], "lstm": ["kernel", "bias"],
              "gru": ["gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias"]}


def _expected_cells(spec):
    layout = {"static_rnn": "dynamic_rnn", "static_bidirectional_rnn": "bidirectional_dynamic_rnn"}.get(
        spec.driver, spec.driver)
    expected = set()
    for direction in (("fw", "bw") if spec.is_bidirectional else ("",)):
        for index, layer in enumerate(spec.layers):
            roles = list(KIND_ROLES[layer.kind])
            roles += ["w_i_diag", "w_f_diag", "w_o_diag"] if layer.use_peepholes else []
            roles += ["projection/kernel"] if layer.num_proj else []
            for role in roles:
                expected.add((spec.scope or DEFAULT_ROOTS[spec.driver], layout, direction, index, spec.multi_rnn_cell,
                              layer.name or DEFAULT_CELL_SCOPES[layer.kind], role))
    return expected


def _reference_specs():
    from tf2_port.cases import CONSTRUCTS, DRIVER_OPTIONS, driver_case

    specs = {name: factory() for name, factory in CONSTRUCTS.items()}
    specs.update({f"driver_{name}": driver_case(name) for name in DRIVER_OPTIONS})
    return specs


def test_every_variable_of_real_tf1_reference_graphs_parses_to_its_layer():
    """Every construct and driver the equivalence suite proves, built with TF1's own cells (wrappers
    included: DropoutWrapper and ResidualWrapper add no scope), names read from the graph."""
    pytest.importorskip("tf_keras")
    from tf1_reference.builder import ReferenceGraph
    from tf2_port.names import tf1_cell_prefix

    for case, spec in _reference_specs().items():
        with ReferenceGraph(spec) as graph:
            names = graph.variable_names()
        parsed = {name: parse_variable_name(name) for name in names}
        assert None not in parsed.values(), (case, names)
        found = {(p.place.root, p.place.driver, p.place.direction, p.place.index, p.place.multi_rnn_cell,
                  p.place.cell_scope, p.role) for p in parsed.values()}
        assert found == _expected_cells(spec), case
        for name, p in parsed.items():
            assert format_variable_name(p.place, p.role) == name
            assert name.startswith(tf1_cell_prefix(spec, p.place.direction, p.place.index) + "/")


# --- The mappers that read through the table accept both eras alike ------------------------


def _stack_variables(rng, era_names):
    """An LSTMCell(use_peepholes, num_proj=2) [in 3, units 4] under a GRUCell [in 2, units 3], by the
    names ``era_names`` gives for TF >= 1.2's."""
    shapes = {
        "rnn/multi_rnn_cell/cell_0/lstm_cell/kernel": (3 + 2, 16), "rnn/multi_rnn_cell/cell_0/lstm_cell/bias": (16,),
        "rnn/multi_rnn_cell/cell_0/lstm_cell/w_i_diag": (4,), "rnn/multi_rnn_cell/cell_0/lstm_cell/w_f_diag": (4,),
        "rnn/multi_rnn_cell/cell_0/lstm_cell/w_o_diag": (4,),
        "rnn/multi_rnn_cell/cell_0/lstm_cell/projection/kernel": (4, 2),
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel": (2 + 3, 6), "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias": (6,),
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel": (2 + 3, 3),
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias": (3,),
    }
    return {era_names.get(name, name): rng.uniform(-0.5, 0.5, shape).astype("float32") for name, shape in shapes.items()}


# TF 1.0-1.1 spellings of the names above, written out (TF_1_2_RENAMES applied by hand).
WEIGHTS_ERA_NAMES = {
    "rnn/multi_rnn_cell/cell_0/lstm_cell/kernel": "rnn/multi_rnn_cell/cell_0/lstm_cell/weights",
    "rnn/multi_rnn_cell/cell_0/lstm_cell/bias": "rnn/multi_rnn_cell/cell_0/lstm_cell/biases",
    "rnn/multi_rnn_cell/cell_0/lstm_cell/projection/kernel": "rnn/multi_rnn_cell/cell_0/lstm_cell/projection/weights",
    "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel": "rnn/multi_rnn_cell/cell_1/gru_cell/gates/weights",
    "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias": "rnn/multi_rnn_cell/cell_1/gru_cell/gates/biases",
    "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel": "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/weights",
    "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias": "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/biases",
}


def test_restore_and_the_port_builder_read_both_eras_alike():
    """restore_tf1_checkpoint's assignments and StackPort.set_tf1_variables give the same Keras weights
    from TF 1.0-1.1 names as from TF >= 1.2 names (the projection's `projection/weights` included)."""
    np = pytest.importorskip("numpy")
    tf = pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    from tf1_reference.spec import LayerSpec, StackSpec
    from tf2_port.build import StackPort, base_cell
    from tf2_port.cells import TF1LSTMCell
    from tf2_port.keras_rnn import dynamic_rnn, tf1_variable_assignments

    current = _stack_variables(np.random.default_rng(3), {})
    legacy = {WEIGHTS_ERA_NAMES.get(name, name): array for name, array in current.items()}
    assert len(legacy) == len(current) and set(legacy) != set(current)
    settings = {"rnn/multi_rnn_cell/cell_0/lstm_cell": {"forget_bias": 1.0}}

    with tf.Graph().as_default() as graph:
        stack = keras.layers.StackedRNNCells([TF1LSTMCell(4, num_proj=2, use_peepholes=True),
                                              keras.layers.GRUCell(3, reset_after=False)])
        dynamic_rnn(stack, tf.compat.v1.placeholder(tf.float32, [None, 5, 3]))
        from_current = tf1_variable_assignments(current, settings, graph)
        from_legacy = tf1_variable_assignments(legacy, settings, graph)
    assert len(from_current) == len(from_legacy) == 10
    for (weight, array, _), (legacy_weight, legacy_array, _) in zip(from_current, from_legacy):
        assert weight is legacy_weight
        np.testing.assert_array_equal(array, legacy_array)

    spec = StackSpec(layers=(LayerSpec("lstm", 4, use_peepholes=True, num_proj=2), LayerSpec("gru", 3)),
                     input_size=3, batch_size=2, time_steps=5)
    ports = [StackPort(spec), StackPort(spec)]
    assert sorted(ports[0].set_tf1_variables(current)) == sorted(current)
    assert sorted(ports[1].set_tf1_variables(legacy)) == sorted(legacy)
    for cell, legacy_cell in zip(ports[0].cells[""], ports[1].cells[""]):
        for weight, legacy_weight in zip(base_cell(cell).weights, base_cell(legacy_cell).weights):
            np.testing.assert_array_equal(weight.numpy(), legacy_weight.numpy())
