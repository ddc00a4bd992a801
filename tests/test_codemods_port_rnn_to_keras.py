"""PortRNNToKerasCommand (CodemodTest): one before/after pair per transform of the keras level.

The command runs on the compat level's output, so the inputs spell every RNN name in its
``tf.compat.v1`` home (the engine tests below check the whole level from TF 0.x spellings).
"""

import pytest

from migrate import rewrite_source
from migrate.codemods import PortRNNToKerasCommand
from migrate.testing import IdempotentCodemodTest as CodemodTest

HEADER = """
            import tensorflow as tf
            import keras
            from tf2_port import keras_rnn
"""


class TestCells(CodemodTest):
    TRANSFORM = PortRNNToKerasCommand

    def test_lstm_forget_bias_one_is_keras_unit_forget_bias(self) -> None:
        # TF1 adds forget_bias (default 1.0) at every step to a zero-initialised bias; Keras'
        # default unit_forget_bias=True starts from the same function.
        before = """
            import tensorflow as tf
            a = tf.compat.v1.nn.rnn_cell.BasicLSTMCell(64)
            b = tf.compat.v1.nn.rnn_cell.LSTMCell(num_units=32, forget_bias=1.0, state_is_tuple=True)
        """
        after = """
            import tensorflow as tf
            import keras

            a = keras.layers.LSTMCell(64)
            b = keras.layers.LSTMCell(32)
        """
        self.assertCodemod(before, after)

    def test_lstm_other_forget_biases(self) -> None:
        before = """
            import tensorflow as tf
            a = tf.compat.v1.nn.rnn_cell.BasicLSTMCell(64, 0.0)
            b = tf.compat.v1.nn.rnn_cell.BasicLSTMCell(64, forget_bias=FLAGS.forget_bias)
        """
        after = HEADER + """
            a = keras.layers.LSTMCell(64, unit_forget_bias=False)
            b = keras.layers.LSTMCell(64, unit_forget_bias=False, bias_initializer=keras_rnn.ForgetBiasInitializer(FLAGS.forget_bias))
        """
        self.assertCodemod(before, after)

    def test_lstm_options_keras_lacks_use_the_tf2_port_cell(self) -> None:
        before = """
            import tensorflow as tf
            cell = tf.compat.v1.nn.rnn_cell.LSTMCell(32, use_peepholes=True, cell_clip=None, num_proj=16, proj_clip=5.0)
        """
        after = """
            import tensorflow as tf
            from tf2_port.cells import TF1LSTMCell

            cell = TF1LSTMCell(32, use_peepholes=True, num_proj=16, proj_clip=5.0)
        """
        self.assertCodemod(before, after)

    def test_gru_basic_rnn_activation_and_initializers(self) -> None:
        # Keras' GRUCell defaults to reset_after=True, which is not TF1's GRU; TF1's
        # activation=None means tanh, Keras' means linear: it is dropped.
        before = """
            import tensorflow as tf
            gru = tf.compat.v1.nn.rnn_cell.GRUCell(8, tf.nn.relu, kernel_initializer=init)
            rnn = tf.compat.v1.nn.rnn_cell.BasicRNNCell(4, activation=None, name="plain")
            lstm = tf.compat.v1.nn.rnn_cell.LSTMCell(4, initializer=init)
        """
        after = """
            import tensorflow as tf
            import keras

            gru = keras.layers.GRUCell(8, activation=tf.nn.relu, reset_after=False, kernel_initializer=init, recurrent_initializer=init)
            rnn = keras.layers.SimpleRNNCell(4, name="plain")
            lstm = keras.layers.LSTMCell(4, kernel_initializer=init, recurrent_initializer=init)
        """
        self.assertCodemod(before, after)

    def test_stack_and_flat_state(self) -> None:
        before = """
            import tensorflow as tf
            cells = [tf.compat.v1.nn.rnn_cell.BasicLSTMCell(8, state_is_tuple=False) for _ in range(2)]
            stack = tf.compat.v1.nn.rnn_cell.MultiRNNCell(cells, state_is_tuple=False)
            tuple_stack = tf.compat.v1.nn.rnn_cell.MultiRNNCell(cells)
        """
        after = HEADER + """
            cells = [keras_rnn.flat_state(keras.layers.LSTMCell(8)) for _ in range(2)]
            stack = keras_rnn.flat_state(keras.layers.StackedRNNCells(cells))
            tuple_stack = keras.layers.StackedRNNCells(cells)
        """
        self.assertCodemod(before, after)

    def test_dropped_arguments_and_findings(self) -> None:
        before = """
            import tensorflow as tf
            cell = tf.compat.v1.nn.rnn_cell.BasicLSTMCell(8, reuse=tf.compat.v1.AUTO_REUSE)
        """
        after = """
            import tensorflow as tf
            import keras

            cell = keras.layers.LSTMCell(8)
        """
        self.assertCodemod(before, after, expected_warnings=[
            "TFM202 2:8 tf.nn.rnn_cell.BasicLSTMCell: argument `reuse` removed (Keras layers own "
            "their weights: sharing follows the cell object, or a reusing variable scope)",
            "TFM501 2:8 RNN weights now live in Keras 3 layers whose variable names differ from "
            "TF1's: old checkpoints no longer restore by name",
            "TFM503 2:8 cells converted to Keras 3 draw fresh weights with Keras' initializers "
            "(glorot_uniform kernel, orthogonal recurrent kernel, zero bias; TF1 used one "
            "glorot_uniform over the joined kernel and, for GRU, a gate bias of 1.0): training "
            "starts from another draw of a similar distribution",
        ])

    def test_arguments_known_only_at_run_time_go_to_the_tf1_signature_constructors(self) -> None:
        before = """
            import tensorflow as tf
            cell = tf.compat.v1.nn.rnn_cell.LSTMCell(*args)
            flat = tf.compat.v1.nn.rnn_cell.MultiRNNCell([cell], state_is_tuple=FLAGS.tuple)
        """
        after = """
            import tensorflow as tf
            from tf2_port import keras_rnn

            cell = keras_rnn.LSTMCell(*args)
            flat = keras_rnn.MultiRNNCell([cell], state_is_tuple=FLAGS.tuple)
        """
        self.assertCodemod(before, after, expected_warnings=[
            "TFM502 2:8 the file now imports tf2_port.keras_rnn, TF1's RNN call signatures and state "
            "structure on Keras 3 layers (install tf1-migrate where it runs)",
            "TFM501 2:8 RNN weights now live in Keras 3 layers whose variable names differ from "
            "TF1's: old checkpoints no longer restore by name",
            "TFM505 2:8 tf.nn.rnn_cell.LSTMCell(...) with *args/**kwargs or unknown arguments: it became "
            "keras_rnn.LSTMCell(...), which reads TF1's arguments when the script runs and builds the "
            "Keras 3 cell",
            "TFM505 3:8 tf.nn.rnn_cell.MultiRNNCell(...) with state_is_tuple=<expression>: it became "
            "keras_rnn.MultiRNNCell(...), which reads TF1's arguments when the script runs and builds "
            "the Keras 3 cell",
        ])

    def test_a_cell_class_used_as_a_value_becomes_its_constructor_but_stays_a_class_where_it_must(self) -> None:
        before = """
            import tensorflow as tf
            from tensorflow.compat.v1.nn.rnn_cell import GRUCell
            cell_fn = tf.compat.v1.nn.rnn_cell.LSTMCell if kind == "lstm" else GRUCell
            cells = {"rnn": tf.compat.v1.nn.rnn_cell.BasicRNNCell}
            stack = tf.compat.v1.nn.rnn_cell.MultiRNNCell([cell_fn(size) for _ in range(2)])
            is_gru = isinstance(stack, (GRUCell, tf.compat.v1.nn.rnn_cell.LSTMCell))
            class Mine(GRUCell):
                pass
        """
        after = """
            import tensorflow as tf
            from tensorflow.compat.v1.nn.rnn_cell import GRUCell
            import keras
            from tf2_port import keras_rnn

            cell_fn = keras_rnn.LSTMCell if kind == "lstm" else keras_rnn.GRUCell
            cells = {"rnn": keras_rnn.BasicRNNCell}
            stack = keras.layers.StackedRNNCells([cell_fn(size) for _ in range(2)])
            is_gru = isinstance(stack, (GRUCell, tf.compat.v1.nn.rnn_cell.LSTMCell))
            class Mine(GRUCell):
                pass
        """
        self.assertCodemod(before, after, expected_warnings=[
            "TFM502 3:11 the file now imports tf2_port.keras_rnn, TF1's RNN call signatures and state "
            "structure on Keras 3 layers (install tf1-migrate where it runs)",
            "TFM501 3:11 RNN weights now live in Keras 3 layers whose variable names differ from "
            "TF1's: old checkpoints no longer restore by name",
            "TFM505 3:11 tf.nn.rnn_cell.LSTMCell used as a value (not called here): it became "
            "keras_rnn.LSTMCell, which takes TF1's arguments and builds the Keras 3 cell when it is called",
            "TFM505 3:68 tf.nn.rnn_cell.GRUCell used as a value (not called here): it became "
            "keras_rnn.GRUCell, which takes TF1's arguments and builds the Keras 3 cell when it is called",
            "TFM505 4:17 tf.nn.rnn_cell.BasicRNNCell used as a value (not called here): it became "
            "keras_rnn.BasicRNNCell, which takes TF1's arguments and builds the Keras 3 cell when it is "
            "called",
        ])


class TestDriversStateAndHelpers(CodemodTest):
    TRANSFORM = PortRNNToKerasCommand

    def test_drivers(self) -> None:
        before = """
            import tensorflow as tf
            cell = c1 = tf.compat.v1.nn.rnn_cell.GRUCell(4)
            c2 = tf.compat.v1.nn.rnn_cell.BasicRNNCell(4)
            fws, bws = [tf.compat.v1.nn.rnn_cell.GRUCell(4)], [tf.compat.v1.nn.rnn_cell.GRUCell(4)]
            out, state = tf.compat.v1.nn.dynamic_rnn(cell, x, sequence_length=n, time_major=True, dtype=tf.float32)
            outs, state = tf.compat.v1.nn.static_rnn(cell, tf.unstack(x, axis=1), initial_state=s0)
            (fw, bw), states = tf.compat.v1.nn.bidirectional_dynamic_rnn(c1, c2, x, sequence_length=n)
            outs, s_fw, s_bw = tf.compat.v1.nn.static_bidirectional_rnn(c1, c2, steps, dtype=tf.float32)
            out, fw_states, bw_states = tf.contrib.rnn.stack_bidirectional_dynamic_rnn(fws, bws, x, sequence_length=n)
        """
        after = HEADER + """
            cell = c1 = keras.layers.GRUCell(4, reset_after=False)
            c2 = keras.layers.SimpleRNNCell(4)
            fws, bws = [keras.layers.GRUCell(4, reset_after=False)], [keras.layers.GRUCell(4, reset_after=False)]
            out, state = keras_rnn.dynamic_rnn(cell, x, sequence_length=n, time_major=True, dtype=tf.float32)
            outs, state = keras_rnn.static_rnn(cell, tf.unstack(x, axis=1), initial_state=s0)
            (fw, bw), states = keras_rnn.bidirectional_dynamic_rnn(c1, c2, x, sequence_length=n)
            outs, s_fw, s_bw = keras_rnn.static_bidirectional_rnn(c1, c2, steps, dtype=tf.float32)
            out, fw_states, bw_states = keras_rnn.stack_bidirectional_dynamic_rnn(fws, bws, x, sequence_length=n)
        """
        self.assertCodemod(before, after)

    def test_state_tuples_zero_state_state_size_and_direct_cell_calls(self) -> None:
        before = """
            import tensorflow as tf
            from tensorflow.compat.v1.nn.rnn_cell import LSTMCell, LSTMStateTuple, MultiRNNCell
            stack = MultiRNNCell([LSTMCell(8) for _ in range(2)])
            packed = tf.unstack(state_placeholder, axis=0)
            state = tuple(LSTMStateTuple(packed[i][0], packed[i][1]) for i in range(2))
            zeros = stack.zero_state(batch, tf.float32)
            feed = tf.compat.v1.placeholder(tf.float32, [None, stack.state_size[0].c])
            output, new_state = stack(x_t, state)
            assert isinstance(new_state[0], LSTMStateTuple)
        """
        after = HEADER + """
            stack = keras.layers.StackedRNNCells([keras.layers.LSTMCell(8) for _ in range(2)])
            packed = tf.unstack(state_placeholder, axis=0)
            state = tuple(keras_rnn.LSTMStateTuple(packed[i][0], packed[i][1]) for i in range(2))
            zeros = keras_rnn.zero_state(stack, batch, tf.float32)
            feed = tf.compat.v1.placeholder(tf.float32, [None, keras_rnn.state_size(stack)[0].c])
            output, new_state = keras_rnn.call_cell(stack, x_t, state)
            assert isinstance(new_state[0], keras_rnn.LSTMStateTuple)
        """
        self.assertCodemod(before, after)

    def test_direct_cell_calls_through_another_name(self) -> None:
        # The PTB model: the stack is kept as self._cell and stepped by hand in another method.
        before = """
            import tensorflow as tf
            class PTBModel:
                def __init__(self, steps):
                    cell = tf.compat.v1.nn.rnn_cell.MultiRNNCell([self._make_cell() for _ in range(2)])
                    self._cell = cell
                def _make_cell(self):
                    return tf.compat.v1.nn.rnn_cell.BasicLSTMCell(8, forget_bias=0.0)
                def unroll(self, inputs, state, steps):
                    for t in range(steps):
                        (output, state) = self._cell(inputs[:, t, :], state)
                    return other(x, state)
        """
        after = HEADER + """
            class PTBModel:
                def __init__(self, steps):
                    cell = keras.layers.StackedRNNCells([self._make_cell() for _ in range(2)])
                    self._cell = cell
                def _make_cell(self):
                    return keras.layers.LSTMCell(8, unit_forget_bias=False)
                def unroll(self, inputs, state, steps):
                    for t in range(steps):
                        (output, state) = keras_rnn.call_cell(self._cell, inputs[:, t, :], state)
                    return other(x, state)
        """
        self.assertCodemod(before, after)

    def test_wrappers(self) -> None:
        before = """
            import tensorflow as tf
            rc = tf.compat.v1.nn.rnn_cell
            cell = rc.DropoutWrapper(rc.GRUCell(8), input_keep_prob=keep, output_keep_prob=keep)
            res = rc.ResidualWrapper(rc.GRUCell(8))
        """
        after = HEADER + """
            cell = keras_rnn.DropoutWrapper(keras.layers.GRUCell(8, reset_after=False), input_keep_prob=keep, output_keep_prob=keep)
            res = keras_rnn.ResidualWrapper(keras.layers.GRUCell(8, reset_after=False))
        """
        self.assertCodemod(before, after)

    def test_seq2seq_losses_decoder_dense_and_optimize_loss(self) -> None:
        before = """
            import tensorflow as tf
            from tensorflow.contrib import legacy_seq2seq
            cell = tf.compat.v1.nn.rnn_cell.GRUCell(4)
            outputs, state = legacy_seq2seq.rnn_decoder(inputs, state0, cell, loop_function=loop)
            per_example = legacy_seq2seq.sequence_loss_by_example(logits, targets, weights)
            old = tf.nn.seq2seq.sequence_loss_by_example(logits, targets, weights)
            loss = tf.contrib.seq2seq.sequence_loss(logits3d, targets2d, mask)
            hidden = tf.compat.v1.layers.dense(outputs, 10, activation=tf.nn.relu, name="proj")
            train = tf.contrib.layers.optimize_loss(loss, step, 0.01, "Adam", clip_gradients=5.0)
        """
        after = HEADER + """
            cell = keras.layers.GRUCell(4, reset_after=False)
            outputs, state = keras_rnn.rnn_decoder(inputs, state0, cell, loop_function=loop)
            per_example = keras_rnn.sequence_loss_by_example(logits, targets, weights)
            old = keras_rnn.sequence_loss_by_example(logits, targets, weights)
            loss = keras_rnn.sequence_loss(logits3d, targets2d, mask)
            hidden = keras_rnn.dense(outputs, 10, activation=tf.nn.relu, name="proj")
            train = keras_rnn.optimize_loss(loss, step, 0.01, "Adam", clip_gradients=5.0)
        """
        self.assertCodemod(before, after)

    def test_files_without_rnn_code_are_unchanged(self) -> None:
        before = """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 3])
            y = model(x, state)
        """
        self.assertCodemod(before, before, expected_warnings=[])


# --- the whole level, from TF 0.x / 1.x spellings -----------------------------------------


HALLSTROM_TF012 = """\
import numpy as np
import tensorflow as tf

init_state = tf.placeholder(tf.float32, [num_layers, 2, batch_size, state_size])
state_per_layer_list = tf.unpack(init_state, axis=0)
rnn_tuple_state = tuple(
    [tf.nn.rnn_cell.LSTMStateTuple(state_per_layer_list[idx][0], state_per_layer_list[idx][1])
     for idx in range(num_layers)]
)
cell = tf.nn.rnn_cell.BasicLSTMCell(state_size, state_is_tuple=True)
cell = tf.nn.rnn_cell.MultiRNNCell([cell] * num_layers, state_is_tuple=True)
states_series, current_state = tf.nn.rnn(cell, inputs_series, initial_state=rnn_tuple_state)
"""

HALLSTROM_KERAS = """\
import numpy as np
import tensorflow as tf
import keras
from tf2_port import keras_rnn

tf.compat.v1.disable_eager_execution()

init_state = tf.compat.v1.placeholder(tf.float32, [num_layers, 2, batch_size, state_size])
state_per_layer_list = tf.unstack(init_state, axis=0)
rnn_tuple_state = tuple(
    [keras_rnn.LSTMStateTuple(state_per_layer_list[idx][0], state_per_layer_list[idx][1])
     for idx in range(num_layers)]
)
cell = keras.layers.StackedRNNCells([keras.layers.LSTMCell(state_size) for _ in range(num_layers)])
states_series, current_state = keras_rnn.static_rnn(cell, inputs_series, initial_state=rnn_tuple_state)
"""


def test_keras_level_from_tf012_spellings() -> None:
    # The packed [layers, 2, batch, units] state keeps its (c, h) layout: the script still
    # builds LSTMStateTuple(c, h); keras_rnn swaps to Keras' [h, c] at the RNN boundary.
    result = rewrite_source(HALLSTROM_TF012, level="keras", path="echo.py")
    assert result.code == HALLSTROM_KERAS
    codes = [finding.code for finding in result.findings]
    assert codes.count("TFM501") == 1 and "TFM401" not in codes
    assert rewrite_source(result.code, level="keras").code == result.code


def test_keras_level_keeps_legacy_keras_only_where_a_use_remains() -> None:
    source = (
        "import tensorflow as tf\n"
        "cell = tf.nn.rnn_cell.GRUCell(4)\n"
        "y = tf.layers.batch_normalization(x)\n"
    )
    result = rewrite_source(source, level="keras", path="mixed.py")
    assert 'os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")' in result.code
    assert "keras.layers.GRUCell(4, reset_after=False)" in result.code
    codes = {finding.code for finding in result.findings}
    assert {"TFM401", "TFM504"} <= codes


def test_keras_level_drops_compat_findings_for_what_it_converts() -> None:
    source = (
        "import tensorflow as tf\n"
        "loss = tf.contrib.seq2seq.sequence_loss(logits, targets, weights)\n"
    )
    compat = rewrite_source(source, level="compat")
    assert "TFM101" in {finding.code for finding in compat.findings}
    keras_level = rewrite_source(source, level="keras")
    assert "TFM101" not in {finding.code for finding in keras_level.findings}
    assert "keras_rnn.sequence_loss(logits, targets, weights)" in keras_level.code


def test_keras_level_findings_point_into_the_original_file() -> None:
    source = "import tensorflow as tf\n\n\n\ncell = tf.nn.rnn_cell.GRUCell(4)\n"
    result = rewrite_source(source, level="keras", path="f.py")
    (checkpoint,) = [f for f in result.findings if f.code == "TFM501"]
    assert (checkpoint.path, checkpoint.line) == ("f.py", 5)


@pytest.mark.parametrize("level", ["compat", "keras"])
def test_levels_are_listed(level) -> None:
    assert rewrite_source("x = 1  # tensorflow\n", level=level).code == "x = 1  # tensorflow\n"


class TestOtherLayers(CodemodTest):
    TRANSFORM = PortRNNToKerasCommand

    def test_functional_layers_and_dropout(self) -> None:
        before = """
            import tensorflow as tf
            h = tf.compat.v1.layers.conv1d(x, 16, 3, padding="same", name="conv")
            p = tf.compat.v1.layers.max_pooling1d(h, 2, 2)
            d = tf.compat.v1.layers.dropout(tf.compat.v1.layers.flatten(p), rate=0.3, training=is_training)
        """
        after = """
            import tensorflow as tf
            from tf2_port import keras_rnn

            h = keras_rnn.functional_layer("conv1d", x, 16, 3, padding="same", name="conv")
            p = keras_rnn.functional_layer("max_pooling1d", h, 2, 2)
            d = keras_rnn.dropout(keras_rnn.functional_layer("flatten", p), rate=0.3, training=is_training)
        """
        self.assertCodemod(before, after)

    def test_batch_normalization_stays_legacy_and_says_why(self) -> None:
        before = """
            import tensorflow as tf
            y = tf.compat.v1.layers.batch_normalization(x, training=True)
        """
        self.assertCodemod(before, before, expected_warnings=[
            "TFM504 2:5 tf.layers.batch_normalization has no conversion at the keras level (its "
            "moving averages were updated through TF1's UPDATE_OPS collection, which Keras 3 layers "
            "do not fill): the file still needs tf_keras for it (TF_USE_LEGACY_KERAS=1 is kept)",
        ])


class TestBindings(CodemodTest):
    """Issue 14: a site is a cell operation only when its value provably comes from a TF1 cell
    constructor (migrate.cell_flow), and a chain converts only when all of it does."""

    TRANSFORM = PortRNNToKerasCommand

    def test_a_users_own_object_with_zero_state_and_a_parameter_named_cell_are_left_alone(self) -> None:
        # The old text-based matching turned model.zero_state(...) into keras_rnn.zero_state(model,
        # ...) and apply()'s cell(a, b) into keras_rnn.call_cell(...) because a module-level `cell`
        # held a cell. Neither value is a cell here.
        before = """
            import tensorflow as tf
            class Model:
                def zero_state(self, batch, dtype):
                    return tf.zeros([batch, 4], dtype)
            def apply(cell, a, b):
                return cell(a, b)
            cell = tf.compat.v1.nn.rnn_cell.GRUCell(4)
            model = Model()
            zeros = model.zero_state(2, tf.float32)
            total = apply(lambda a, b: a + b, 1, 2)
            state0 = cell.zero_state(2, tf.float32)
        """
        after = HEADER + """
            class Model:
                def zero_state(self, batch, dtype):
                    return tf.zeros([batch, 4], dtype)
            def apply(cell, a, b):
                return cell(a, b)
            cell = keras.layers.GRUCell(4, reset_after=False)
            model = Model()
            zeros = model.zero_state(2, tf.float32)
            total = apply(lambda a, b: a + b, 1, 2)
            state0 = keras_rnn.zero_state(cell, 2, tf.float32)
        """
        self.assertCodemod(before, after)

    def test_a_parameter_every_caller_passes_a_cell_is_a_cell(self) -> None:
        before = """
            import tensorflow as tf
            def make_cell(units):
                cell = tf.compat.v1.nn.rnn_cell.BasicLSTMCell(units)
                return tf.compat.v1.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=0.5)
            def run(cell, x):
                state = cell.zero_state(2, tf.float32)
                return tf.compat.v1.nn.dynamic_rnn(cell, x, initial_state=state)
            cells = []
            for _ in range(2):
                cells.append(make_cell(8))
            outputs = run(tf.compat.v1.nn.rnn_cell.MultiRNNCell(cells), x)
        """
        after = HEADER + """
            def make_cell(units):
                cell = keras.layers.LSTMCell(units)
                return keras_rnn.DropoutWrapper(cell, output_keep_prob=0.5)
            def run(cell, x):
                state = keras_rnn.zero_state(cell, 2, tf.float32)
                return keras_rnn.dynamic_rnn(cell, x, initial_state=state)
            cells = []
            for _ in range(2):
                cells.append(make_cell(8))
            outputs = run(keras.layers.StackedRNNCells(cells), x)
        """
        self.assertCodemod(before, after)

    def test_a_custom_cell_keeps_its_whole_chain_compat_with_an_error(self) -> None:
        # The old level converted the driver (keras_rnn.dynamic_rnn(MyCell(), ...) always raises)
        # and the GRU beside it in the stack (a Keras cell in a TF1 MultiRNNCell fails).
        before = """
            import tensorflow as tf
            class MyCell(tf.compat.v1.nn.rnn_cell.RNNCell):
                pass
            stack = tf.compat.v1.nn.rnn_cell.MultiRNNCell([tf.compat.v1.nn.rnn_cell.GRUCell(4), MyCell()])
            outputs, state = tf.compat.v1.nn.dynamic_rnn(stack, x, dtype=tf.float32)
            other = tf.compat.v1.nn.rnn_cell.GRUCell(4)
            more, _ = tf.compat.v1.nn.dynamic_rnn(other, x, dtype=tf.float32)
        """
        after = """
            import tensorflow as tf
            import keras
            from tf2_port import keras_rnn

            class MyCell(tf.compat.v1.nn.rnn_cell.RNNCell):
                pass
            stack = tf.compat.v1.nn.rnn_cell.MultiRNNCell([tf.compat.v1.nn.rnn_cell.GRUCell(4), MyCell()])
            outputs, state = tf.compat.v1.nn.dynamic_rnn(stack, x, dtype=tf.float32)
            other = keras.layers.GRUCell(4, reset_after=False)
            more, _ = keras_rnn.dynamic_rnn(other, x, dtype=tf.float32)
        """
        self.assertCodemod(before, after)
        findings = [finding for finding in rewrite_source(before.replace("\n            ", "\n"), level="keras").findings
                    if finding.code == "TFM506"]
        assert len(findings) == 1 and findings[0].severity == "error", findings
        assert "`MyCell()` is a MyCell, a subclass of a TF1 cell, which the keras level does not convert" in (
            findings[0].message
        )
        assert findings[0].line == 5  # the stack that takes it

    def test_a_cell_that_reaches_an_unconverted_tensorflow_call_keeps_its_chain_compat(self) -> None:
        before = """
            import tensorflow as tf
            stack = tf.compat.v1.nn.rnn_cell.MultiRNNCell([tf.compat.v1.nn.rnn_cell.GRUCell(4) for _ in range(2)])
            projected = tf.contrib.rnn.OutputProjectionWrapper(stack, 10)
            outputs, state = tf.compat.v1.nn.dynamic_rnn(projected, x, dtype=tf.float32)
        """
        self.assertCodemod(before, before, expected_warnings=[
            "TFM506 3:13 `stack` is passed to tf.contrib.rnn.OutputProjectionWrapper, which the keras "
            "level does not convert and which needs TF1 cells: this chain stays tf.compat.v1 and the "
            "file keeps tf_keras",
        ])

    def test_a_cell_the_file_cannot_trace_keeps_every_cell_of_the_file_compat(self) -> None:
        # `model.cell` may be one of this file's cells reached along a path the analysis cannot
        # see: converting the GRU while the driver stays TF1 would break the program.
        before = """
            import tensorflow as tf
            cell = tf.compat.v1.nn.rnn_cell.GRUCell(4)
            model.cell = cell
            outputs, state = tf.compat.v1.nn.dynamic_rnn(model.cell, x, dtype=tf.float32)
        """
        self.assertCodemod(before, before, expected_warnings=[
            "TFM506 4:18 tf.nn.dynamic_rnn: `model.cell` could not be traced to a TF1 cell constructor "
            "in this file (`model.cell` is not traceable), so no cell of the file is converted (one could "
            "reach this call unseen)",
        ])

    def test_cells_through_names_lists_and_class_attributes(self) -> None:
        # char-rnn's idiom: a class chosen at run time, cells appended in a loop, wrapped on one
        # path, the stack kept in self.cell and used in another method.
        before = """
            import tensorflow as tf
            from tensorflow.compat.v1.nn import rnn_cell as rnn
            class Model:
                def __init__(self, args, training):
                    cell_fn = rnn.LSTMCell if args.model == "lstm" else rnn.GRUCell
                    cells = []
                    for _ in range(args.num_layers):
                        cell = cell_fn(args.rnn_size)
                        if training:
                            cell = rnn.DropoutWrapper(cell, output_keep_prob=args.keep)
                        cells.append(cell)
                    self.cell = cell = rnn.MultiRNNCell(cells, state_is_tuple=True)
                    self.initial_state = cell.zero_state(args.batch_size, tf.float32)
                def sample(self, x, state):
                    return self.cell(x, state)
        """
        after = HEADER + """
            class Model:
                def __init__(self, args, training):
                    cell_fn = keras_rnn.LSTMCell if args.model == "lstm" else keras_rnn.GRUCell
                    cells = []
                    for _ in range(args.num_layers):
                        cell = cell_fn(args.rnn_size)
                        if training:
                            cell = keras_rnn.DropoutWrapper(cell, output_keep_prob=args.keep)
                        cells.append(cell)
                    self.cell = cell = keras.layers.StackedRNNCells(cells)
                    self.initial_state = keras_rnn.zero_state(cell, args.batch_size, tf.float32)
                def sample(self, x, state):
                    return keras_rnn.call_cell(self.cell, x, state)
        """
        self.assertCodemod(before, after)

    def test_rebinding_unpacking_and_lambdas_from_the_corpus(self) -> None:
        # Idioms of the real-world corpus: one name rebound from a list to its stack, cells
        # returned as a pair and unpacked, a wrapper built by a lambda.
        before = """
            import tensorflow as tf
            rc = tf.compat.v1.nn.rnn_cell
            cell = [rc.LSTMCell(4) for i in range(2)]
            cell = rc.MultiRNNCell(cell)
            states, last = tf.compat.v1.nn.bidirectional_dynamic_rnn(cell, cell, x, dtype=tf.float32)
            def build_cells():
                return rc.GRUCell(4), rc.GRUCell(4)
            enc_cell, dec_cell = build_cells()
            enc, _ = tf.compat.v1.nn.dynamic_rnn(enc_cell, x, dtype=tf.float32)
            dropout = lambda cell, keep: rc.DropoutWrapper(cell, output_keep_prob=keep)
            dec, _ = tf.compat.v1.nn.dynamic_rnn(dropout(dec_cell, 0.8), x, dtype=tf.float32)
        """
        after = HEADER + """
            cell = [keras.layers.LSTMCell(4) for i in range(2)]
            cell = keras.layers.StackedRNNCells(cell)
            states, last = keras_rnn.bidirectional_dynamic_rnn(cell, cell, x, dtype=tf.float32)
            def build_cells():
                return keras.layers.GRUCell(4, reset_after=False), keras.layers.GRUCell(4, reset_after=False)
            enc_cell, dec_cell = build_cells()
            enc, _ = keras_rnn.dynamic_rnn(enc_cell, x, dtype=tf.float32)
            dropout = lambda cell, keep: keras_rnn.DropoutWrapper(cell, output_keep_prob=keep)
            dec, _ = keras_rnn.dynamic_rnn(dropout(dec_cell, 0.8), x, dtype=tf.float32)
        """
        self.assertCodemod(before, after)

    def test_a_cell_on_only_some_paths_keeps_its_receiver_and_chain_compat(self) -> None:
        before = """
            import tensorflow as tf
            cell = tf.compat.v1.nn.rnn_cell.GRUCell(4) if use_gru else load_cell()
            state0 = cell.zero_state(2, tf.float32)
        """
        self.assertCodemod(before, before, expected_warnings=[
            "TFM506 3:10 `cell` holds a TF1 cell here only on some paths (`load_cell()` is not "
            "traceable on others)",
        ])

    def test_a_property_returning_the_cell_holds_the_cell(self) -> None:
        # The PTB model's idiom: the stack behind a @property, read in another method.
        before = """
            import tensorflow as tf
            class Model:
                def __init__(self):
                    self._cell = tf.compat.v1.nn.rnn_cell.GRUCell(4)
                @property
                def cell(self):
                    return self._cell
                def initial(self, batch):
                    return self.cell.zero_state(batch, tf.float32)
        """
        after = HEADER + """
            class Model:
                def __init__(self):
                    self._cell = keras.layers.GRUCell(4, reset_after=False)
                @property
                def cell(self):
                    return self._cell
                def initial(self, batch):
                    return keras_rnn.zero_state(self.cell, batch, tf.float32)
        """
        self.assertCodemod(before, after)
