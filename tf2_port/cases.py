"""The catalogue of TF1 constructs the equivalence suite proves, one spec factory each.

Shared by the tests, ``bench/equivalence_table.py`` (the README's table) and
``tf1-migrate verify``. Each factory takes StackSpec options (dtype, driver...).
"""

from __future__ import annotations

from tf1_reference.spec import DropoutSpec, LayerSpec, ResidualSpec, StackSpec


def _spec(*layers, **options):
    options.setdefault("batch_size", 4)
    options.setdefault("time_steps", 6)
    options.setdefault("input_size", 5)
    return StackSpec(layers=tuple(layers), **options)


CONSTRUCTS = {  # name -> factory(**stack options)
    "basic_rnn": lambda **o: _spec(LayerSpec("basic_rnn", 6), LayerSpec("basic_rnn", 4), **o),
    "gru": lambda **o: _spec(LayerSpec("gru", 6), LayerSpec("gru", 4), **o),
    "basic_lstm": lambda **o: _spec(LayerSpec("basic_lstm", 6), LayerSpec("basic_lstm", 4), **o),
    "lstm": lambda **o: _spec(LayerSpec("lstm", 6), LayerSpec("lstm", 4), **o),
    "lstm_forget_bias_0_and_2.5": lambda **o: _spec(LayerSpec("lstm", 6, forget_bias=0.0),
                                                    LayerSpec("basic_lstm", 4, forget_bias=2.5), **o),
    "relu_activations": lambda **o: _spec(LayerSpec("lstm", 6, activation="relu"),
                                          LayerSpec("gru", 4, activation="relu"),
                                          LayerSpec("basic_rnn", 3, activation="relu"), **o),
    "other_activations": lambda **o: _spec(LayerSpec("lstm", 6, activation="softsign"),
                                           LayerSpec("gru", 4, activation="elu"),
                                           LayerSpec("basic_rnn", 3, activation="sigmoid"), **o),
    "peepholes": lambda **o: _spec(LayerSpec("lstm", 6, use_peepholes=True), **o),
    "cell_clip": lambda **o: _spec(LayerSpec("lstm", 6, cell_clip=0.3), **o),
    "projection": lambda **o: _spec(LayerSpec("lstm", 6, num_proj=3), LayerSpec("lstm", 4), **o),
    "projection_clip": lambda **o: _spec(LayerSpec("lstm", 6, num_proj=3, proj_clip=0.1), **o),
    "all_lstm_options": lambda **o: _spec(
        LayerSpec("lstm", 6, use_peepholes=True, cell_clip=0.5, num_proj=3, proj_clip=0.2, forget_bias=0.4),
        LayerSpec("lstm", 4, use_peepholes=True), **o),
    "mixed_deep_stack": lambda **o: _spec(LayerSpec("gru", 6), LayerSpec("lstm", 5, num_proj=3),
                                          LayerSpec("basic_rnn", 4), LayerSpec("basic_lstm", 3), **o),
    "flat_lstm_states": lambda **o: _spec(LayerSpec("lstm", 6, state_is_tuple=False),
                                          LayerSpec("basic_lstm", 4, state_is_tuple=False), **o),
    "flat_multi_rnn_state": lambda **o: _spec(LayerSpec("lstm", 6, state_is_tuple=False),
                                              LayerSpec("gru", 4), multi_state_is_tuple=False, **o),
    "bare_cell_no_multi_rnn_cell": lambda **o: _spec(LayerSpec("lstm", 6), multi_rnn_cell=False, **o),
    "residual": lambda **o: _spec(LayerSpec("gru", 5, wrappers=(ResidualSpec(),)),
                                  LayerSpec("lstm", 5, wrappers=(ResidualSpec(),)), **o),
    "dropout_at_inference": lambda **o: _spec(
        LayerSpec("lstm", 6, wrappers=(DropoutSpec(0.5, 0.6, 0.7),)),
        LayerSpec("gru", 4, wrappers=(DropoutSpec(0.8, 0.5, 0.5, variational_recurrent=True),)), **o),
    "named_cells_and_scope": lambda **o: _spec(LayerSpec("lstm", 6, name="enc_a"), LayerSpec("gru", 4, name="enc_b"),
                                               scope="encoder", **o),
}

# Driver settings, each applied to an LSTM + GRU stack.
DRIVER_OPTIONS = {
    "dynamic": {},
    "dynamic_lengths": {"use_sequence_length": True},
    "time_major_lengths": {"use_sequence_length": True, "time_major": True},
    "static_lengths": {"driver": "static_rnn", "use_sequence_length": True},
    "bidirectional_lengths": {"driver": "bidirectional_dynamic_rnn", "use_sequence_length": True},
    "bidirectional_time_major": {"driver": "bidirectional_dynamic_rnn", "time_major": True},
    "static_bidirectional_lengths": {"driver": "static_bidirectional_rnn", "use_sequence_length": True},
    "stack_bidirectional_lengths": {"driver": "stack_bidirectional_dynamic_rnn", "use_sequence_length": True},
}




def driver_case(name: str, **options) -> StackSpec:
    """The LSTM + GRU stack under the driver settings ``DRIVER_OPTIONS[name]``."""
    return _spec(LayerSpec("lstm", 5), LayerSpec("gru", 4), **DRIVER_OPTIONS[name], **options)


__all__ = ["CONSTRUCTS", "DRIVER_OPTIONS", "driver_case"]
