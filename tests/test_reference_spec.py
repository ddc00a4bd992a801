"""The spec: validation errors name the field, JSON round trips are exact."""

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from tf1_reference.spec import (
    ACTIVATIONS, CELL_KINDS, DRIVERS, DropoutSpec, LayerSpec, ResidualSpec, StackSpec, lstm_stack,
)


def test_spec_module_imports_without_tensorflow():
    # tf2_port and the CLI read specs; doing so must not load TensorFlow or legacy Keras.
    code = "import sys, tf1_reference.spec; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lists_become_tuples_and_sizes_follow_layers():
    spec = StackSpec(layers=[LayerSpec("lstm", 8, num_proj=3), LayerSpec("gru", 5)], input_size=7)
    assert isinstance(spec.layers, tuple)
    assert spec.layer_input_sizes() == [7, 3]
    assert spec.output_size == 5
    bidirectional = StackSpec(
        layers=(LayerSpec("lstm", 4), LayerSpec("lstm", 4)), driver="stack_bidirectional_dynamic_rnn"
    )
    assert bidirectional.layer_input_sizes() == [4, 8]


INVALID_SPECS = [
    (lambda: StackSpec(layers=()), "`layers`"),
    (lambda: StackSpec(layers=(LayerSpec("lstmx", 4),)), "`layers[0].kind`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 0),)), "`layers[0].units`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4), LayerSpec("gru", 2.5))), "`layers[1].units`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4, activation="swish"),)), "`layers[0].activation`"),
    (lambda: StackSpec(layers=(LayerSpec("gru", 4, forget_bias=0.0),)), "`layers[0].forget_bias`"),
    (lambda: StackSpec(layers=(LayerSpec("gru", 4, state_is_tuple=False),)), "`layers[0].state_is_tuple`"),
    (lambda: StackSpec(layers=(LayerSpec("basic_lstm", 4, use_peepholes=True),)), "`layers[0].use_peepholes`"),
    (lambda: StackSpec(layers=(LayerSpec("gru", 4, num_proj=2),)), "`layers[0].num_proj`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4, proj_clip=1.0),)), "`layers[0].proj_clip`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4, cell_clip=-1.0),)), "`layers[0].cell_clip`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4, name="a/b"),)), "`layers[0].name`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4, wrappers=(DropoutSpec(output_keep_prob=0.0),)),)),
     "`layers[0].wrappers[0].output_keep_prob`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4, wrappers=(DropoutSpec(input_keep_prob=1.5),)),)),
     "`layers[0].wrappers[0].input_keep_prob`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4, wrappers=(DropoutSpec(), DropoutSpec())),)),
     "`layers[0].wrappers`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4, wrappers=("dropout",)),)), "`layers[0].wrappers[0]`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 5, wrappers=(ResidualSpec(),)),), input_size=4),
     "`layers[0].wrappers`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4),), driver="rnn"), "`driver`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4),), dtype="float16"), "`dtype`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4),), batch_size=-1), "`batch_size`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4),), time_steps=True), "`time_steps`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4),), driver="static_rnn", time_major=True), "`time_major`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4), LayerSpec("lstm", 4)), multi_rnn_cell=False),
     "`multi_rnn_cell`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4),), multi_state_is_tuple=False),
     "`layers[0].state_is_tuple`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4),), driver="stack_bidirectional_dynamic_rnn",
                       multi_rnn_cell=False), "`multi_rnn_cell/multi_state_is_tuple`"),
    (lambda: StackSpec(layers=(LayerSpec("lstm", 4),), scope=""), "`scope`"),
]


@pytest.mark.parametrize("make_spec, field", INVALID_SPECS, ids=[f for _, f in INVALID_SPECS])
def test_invalid_spec_names_field_expected_and_received(make_spec, field):
    with pytest.raises(ValueError) as error:
        make_spec()
    message = str(error.value)
    assert field in message
    assert "expected" in message and "received" in message


def test_dict_round_trip_with_wrappers():
    spec = StackSpec(
        layers=(
            LayerSpec("lstm", 4, use_peepholes=True, num_proj=3, proj_clip=2.0, cell_clip=1.5,
                      wrappers=(DropoutSpec(0.9, 0.8, 0.7, variational_recurrent=True, seed=3),)),
            LayerSpec("gru", 3, wrappers=(ResidualSpec(), DropoutSpec(output_keep_prob=0.5))),
        ),
        driver="bidirectional_dynamic_rnn", time_major=True, use_sequence_length=True,
        scope="encoder", dtype="float64", batch_size=2, time_steps=6, input_size=3,
    )
    assert StackSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_from_dict_rejects_unknown_keys_and_bad_wrappers():
    good = lstm_stack([4]).to_dict()
    with pytest.raises(ValueError, match=r"Unknown key\(s\) \['num_layers'\] in `spec`"):
        StackSpec.from_dict({**good, "num_layers": 2})
    with pytest.raises(ValueError, match=r"Unknown key\(s\) \['num_units'\] in `layers\[0\]`"):
        StackSpec.from_dict({**good, "layers": [{"kind": "lstm", "num_units": 4}]})
    with pytest.raises(ValueError, match=r"`layers\[0\].wrappers\[0\]`"):
        StackSpec.from_dict({**good, "layers": [{"kind": "lstm", "units": 4, "wrappers": [{"type": "zoneout"}]}]})
    with pytest.raises(ValueError, match="`layers`"):
        StackSpec.from_dict({"driver": "dynamic_rnn"})


@st.composite
def layer_specs(draw, input_size):
    kind = draw(st.sampled_from(CELL_KINDS))
    units = draw(st.integers(1, 6))
    options = {"activation": draw(st.sampled_from(ACTIVATIONS))}
    if kind in ("basic_lstm", "lstm"):
        options["forget_bias"] = draw(st.sampled_from([0.0, 1.0, 0.5]))
    if kind == "lstm":
        options["use_peepholes"] = draw(st.booleans())
        options["num_proj"] = draw(st.one_of(st.none(), st.integers(1, 5)))
    wrappers = ()
    if draw(st.booleans()):
        wrappers = (DropoutSpec(output_keep_prob=draw(st.sampled_from([0.5, 1.0]))),)
    return LayerSpec(kind, units, wrappers=wrappers, **options)


@st.composite
def stack_specs(draw):
    input_size = draw(st.integers(1, 5))
    layers = []
    width = input_size
    for _ in range(draw(st.integers(1, 3))):
        layer = draw(layer_specs(width))
        layers.append(layer)
        width = layer.output_size
    driver = draw(st.sampled_from([d for d in DRIVERS if d != "stack_bidirectional_dynamic_rnn"]))
    return StackSpec(layers=tuple(layers), driver=driver, input_size=input_size,
                     use_sequence_length=draw(st.booleans()))


@settings(max_examples=60, deadline=None)
@given(stack_specs())
def test_any_valid_spec_round_trips_through_json(spec):
    assert StackSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
