"""RestructureSessionProgramCommand (CodemodTest): the tf2 level's last stage, on keras-level code."""

from textwrap import dedent

import libcst as cst
from libcst.codemod import CodemodContext

from migrate.codemods import RestructureSessionProgramCommand
from migrate.testing import IdempotentCodemodTest as CodemodTest

NUMPY_VALUES = '''

def numpy_values(structure):
    """What Session.run returned: the same structure, each tensor as a NumPy value."""
    return tf.nest.map_structure(lambda value: value if value is None else value.numpy(), structure)
'''


class TestRestructureSessionProgram(CodemodTest):
    TRANSFORM = RestructureSessionProgramCommand

    def test_train_step_becomes_a_gradient_tape_step(self) -> None:
        before = """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()

            x = tf.compat.v1.placeholder(tf.float32, [None, 3])
            w = tf.compat.v1.Variable(tf.ones([3, 1]))
            loss = tf.reduce_mean(tf.matmul(x, w))
            train = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                value, _ = sess.run([loss, train], feed_dict={x: data})
        """
        after = """
            import tensorflow as tf
            import keras

            w = tf.Variable(tf.ones([3, 1]))
            optimizer = keras.optimizers.SGD(learning_rate=0.1)  # GradientDescentOptimizer's update rule
        """ + NUMPY_VALUES.replace("\n", "\n            ") + """

            # The Session.run that fetched [loss, train]
            @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
            def run_train(x):
                # train: optimizer.minimize(loss) over the trainable variables it reads
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(tf.matmul(x, w))
                variables = tape.watched_variables()
                gradients = tape.gradient(loss, variables)
                optimizer.apply_gradients(zip(gradients, variables))
                return [loss, None]


            value, _ = numpy_values(run_train(data))
        """
        self.assertCodemod(before, after)

    def test_each_fetch_set_gets_its_own_step_and_unfed_placeholders_are_not_parameters(self) -> None:
        before = """
            import tensorflow as tf
            a = tf.compat.v1.placeholder(tf.float32, [2])
            b = tf.compat.v1.placeholder(tf.float32, [2])
            total = a + b
            doubled = 2.0 * a
            sess = tf.compat.v1.Session()
            print(sess.run(total, {a: [1, 2], b: [3, 4]}))
            print(sess.run({"twice": doubled}, feed_dict={a: [5, 6]}))
            sess.close()
        """
        after = """
            import tensorflow as tf
        """ + NUMPY_VALUES.replace("\n", "\n            ") + """

            # The Session.run that fetched total
            @tf.function(input_signature=[
                tf.TensorSpec([2], tf.float32),  # a
                tf.TensorSpec([2], tf.float32),  # b
            ])
            def run_total(a, b):
                total = a + b
                return total


            # The Session.run that fetched {"twice": doubled}
            @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
            def run_doubled(a):
                doubled = 2.0 * a
                return {"twice": doubled}


            print(numpy_values(run_total([1, 2], [3, 4])))
            print(numpy_values(run_doubled([5, 6])))
        """
        self.assertCodemod(before, after)

    def test_lstm_state_swap_is_written_out_both_ways(self) -> None:
        before = """
            import tensorflow as tf
            import keras
            from tf2_port import keras_rnn
            x = tf.compat.v1.placeholder(tf.float32, [4, 5, 3])
            cell = keras.layers.StackedRNNCells([keras.layers.LSTMCell(8) for _ in range(2)])
            start = keras_rnn.zero_state(cell, 4, tf.float32)
            outputs, state = keras_rnn.dynamic_rnn(cell, x, initial_state=start)
            with tf.compat.v1.Session() as sess:
                out, final = sess.run([outputs, state], {x: data})
        """
        after = """
            import tensorflow as tf
            import keras
            import collections

            LSTMStateTuple = collections.namedtuple("LSTMStateTuple", ("c", "h"))  # TF1's (c, h) pair
            cell = keras.layers.StackedRNNCells([keras.layers.LSTMCell(8) for _ in range(2)])
            cell_rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True)
        """ + NUMPY_VALUES.replace("\n", "\n            ") + """

            # The Session.run that fetched [outputs, state]
            @tf.function(input_signature=[tf.TensorSpec([4, 5, 3], tf.float32)])
            def run_outputs(x):
                start = tuple(LSTMStateTuple(c=tf.zeros([4, layer.units], tf.float32), h=tf.zeros([4, layer.units], tf.float32)) for layer in cell.cells)
                rnn_outputs, *keras_state = cell_rnn(x, initial_state=[[layer[1], layer[0]] for layer in start])  # TF1 (c, h) -> Keras [h, c]
                outputs = rnn_outputs
                state = tuple(LSTMStateTuple(c=layer[1], h=layer[0]) for layer in keras_state)  # Keras [h, c] -> TF1 (c, h)
                return [outputs, state]


            out, final = numpy_values(run_outputs(data))
        """
        self.assertCodemod(before, after)

    def test_clipped_gradients_are_taken_from_the_tape_and_a_fed_zero_state_is_a_parameter(self) -> None:
        # TF1's char-RNN idiom: gradients clipped by global norm, applied by the optimizer, and
        # the RNN state carried by feeding the last fetched state into the zero-state tensor.
        before = """
            import tensorflow as tf
            import keras
            from tf2_port import keras_rnn
            x = tf.compat.v1.placeholder(tf.float32, [4, 5, 3])
            cell = keras.layers.StackedRNNCells([keras.layers.GRUCell(8, reset_after=False) for _ in range(2)])
            start = keras_rnn.zero_state(cell, 4, tf.float32)
            outputs, state = keras_rnn.dynamic_rnn(cell, x, initial_state=start)
            loss = tf.reduce_mean(outputs)
            tvars = tf.compat.v1.trainable_variables()
            grads, _ = tf.clip_by_global_norm(tf.gradients(loss, tvars), 1.0)
            train = tf.compat.v1.train.GradientDescentOptimizer(0.5).apply_gradients(zip(grads, tvars))
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                carried = sess.run(start)
                value, carried, _ = sess.run([loss, state, train], {x: data, start: carried})
        """
        after = """
            import tensorflow as tf
            import keras
            cell = keras.layers.StackedRNNCells([keras.layers.GRUCell(8, reset_after=False) for _ in range(2)])
            cell_rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True)
            optimizer = keras.optimizers.SGD(learning_rate=0.5)  # GradientDescentOptimizer's update rule
        """ + NUMPY_VALUES.replace("\n", "\n            ") + """

            # The Session.run that fetched start
            @tf.function
            def run_start():
                start = tuple(tf.zeros([4, layer.units], tf.float32) for layer in cell.cells)
                return start


            # The Session.run that fetched [loss, state, train]
            @tf.function(input_signature=[
                tf.TensorSpec([4, 5, 3], tf.float32),  # x
                tuple(tf.TensorSpec([4, layer.units], tf.float32) for layer in cell.cells),  # start
            ])
            def run_train(x, start):
                # train: optimizer.apply_gradients of the gradients of loss, as the script computed them
                with tf.GradientTape() as tape:
                    rnn_outputs, *keras_state = cell_rnn(x, initial_state=list(start))
                    outputs = rnn_outputs
                    state = tuple(tf.nest.flatten(keras_state))
                    loss = tf.reduce_mean(outputs)
                tvars = tape.watched_variables()
                grads, _ = tf.clip_by_global_norm(tape.gradient(loss, tvars), 1.0)
                optimizer.apply_gradients(zip(grads, tvars))
                return [loss, state, None]


            carried = numpy_values(run_start())
            value, carried, _ = numpy_values(run_train(data, carried))
        """
        self.assertCodemod(before, after)

    def test_scopes_get_variable_dense_dropout_and_a_feed_built_before_its_run(self) -> None:
        # The char-RNN shape: a variable scope, get_variable, a dense readout, DropoutWrapper with
        # a constant keep probability, and a feed_dict built with the per-layer state loop.
        before = """
            import tensorflow as tf
            import keras
            from tf2_port import keras_rnn
            ids = tf.compat.v1.placeholder(tf.int32, [2, 3])
            with tf.compat.v1.variable_scope("lm"):
                table = tf.compat.v1.get_variable("table", [9, 4], initializer=tf.compat.v1.random_uniform_initializer(-0.1, 0.1))
                cell = keras.layers.StackedRNNCells([keras_rnn.DropoutWrapper(keras.layers.LSTMCell(4), output_keep_prob=0.5) for _ in range(2)])
                start = keras_rnn.zero_state(cell, 2, tf.float32)
                outputs, last = keras_rnn.dynamic_rnn(cell, tf.compat.v1.nn.embedding_lookup(table, ids), initial_state=start)
                logits = keras_rnn.dense(outputs, 9)
            sess = tf.compat.v1.Session()
            sess.run(tf.compat.v1.global_variables_initializer())
            state = sess.run(start)
            feed = {ids: batch}
            for i, (c, h) in enumerate(start):
                feed[c] = state[i].c
                feed[h] = state[i].h
            scores, state = sess.run([logits, last], feed)
        """
        after = """
            import tensorflow as tf
            import keras
            import collections
            from tf2_port.tf1_dropout import TF1DropoutWrapper

            LSTMStateTuple = collections.namedtuple("LSTMStateTuple", ("c", "h"))  # TF1's (c, h) pair
            table = tf.Variable(keras.initializers.RandomUniform(minval=-0.1, maxval=0.1)([9, 4], tf.float32), name="table")
            cell = keras.layers.StackedRNNCells([TF1DropoutWrapper(keras.layers.LSTMCell(4), output_keep_prob=0.5) for _ in range(2)])
            cell_rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True)
            lm_dense_layer = keras.layers.Dense(9)  # TF1 lm/dense/kernel, lm/dense/bias
        """ + NUMPY_VALUES.replace("\n", "\n            ") + """

            # The Session.run that fetched start
            @tf.function
            def run_start():
                start = tuple(LSTMStateTuple(c=tf.zeros([2, layer.units], tf.float32), h=tf.zeros([2, layer.units], tf.float32)) for layer in cell.cells)
                return start


            # The Session.run that fetched [logits, last]
            @tf.function(input_signature=[
                tf.TensorSpec([2, 3], tf.int32),  # ids
                tuple(LSTMStateTuple(c=tf.TensorSpec([2, layer.units], tf.float32), h=tf.TensorSpec([2, layer.units], tf.float32)) for layer in cell.cells),  # start
            ])
            def run_logits(ids, start):
                rnn_outputs, *keras_state = cell_rnn(tf.nn.embedding_lookup(table, ids), initial_state=[[layer[1], layer[0]] for layer in start])  # TF1 (c, h) -> Keras [h, c]
                outputs = rnn_outputs
                last = tuple(LSTMStateTuple(c=layer[1], h=layer[0]) for layer in keras_state)  # Keras [h, c] -> TF1 (c, h)
                logits = lm_dense_layer(outputs)
                return [logits, last]


            state = numpy_values(run_start())
            scores, state = numpy_values(run_logits(batch, state))
        """
        self.assertCodemod(before, after)

    def test_bidirectional_driver_over_cells_from_a_factory(self) -> None:
        before = """
            import tensorflow as tf
            import keras
            from tf2_port import keras_rnn
            x = tf.compat.v1.placeholder(tf.float32, [2, 5, 3])
            n = tf.compat.v1.placeholder(tf.int32, [2])
            def make_cell():
                return keras.layers.GRUCell(4, reset_after=False)
            fw = make_cell()
            bw = make_cell()
            (out_fw, out_bw), (st_fw, st_bw) = keras_rnn.bidirectional_dynamic_rnn(fw, bw, x, sequence_length=n, dtype=tf.float32)
            both = tf.concat([out_fw, out_bw], axis=-1)
            with tf.compat.v1.Session() as sess:
                print(sess.run(both, {x: data, n: lengths}))
        """
        after = """
            import tensorflow as tf
            import keras
            def make_cell():
                return keras.layers.GRUCell(4, reset_after=False)
            fw = make_cell()
            fw_fw_rnn = keras.layers.RNN(fw, return_sequences=True, return_state=True, zero_output_for_mask=True)  # TF1: outputs past a sequence's length are zeros
            bw = make_cell()
            bw_bw_rnn = keras.layers.RNN(bw, return_sequences=True, return_state=True, zero_output_for_mask=True, go_backwards=True)  # TF1: outputs past a sequence's length are zeros
        """ + NUMPY_VALUES.replace("\n", "\n            ") + """

            # The Session.run that fetched both
            @tf.function(input_signature=[
                tf.TensorSpec([2, 5, 3], tf.float32),  # x
                tf.TensorSpec([2], tf.int32),  # n
            ])
            def run_both(x, n):
                mask = tf.sequence_mask(n, maxlen=tf.shape(x)[1])
                fw_outputs, *fw_state = fw_fw_rnn(x, mask=mask)
                bw_outputs, *bw_state = bw_bw_rnn(x, mask=mask)
                bw_outputs = tf.reverse(bw_outputs, [1])  # back in time order, as TF1 gave them
                (out_fw, out_bw), (st_fw, st_bw) = (fw_outputs, bw_outputs), (fw_state[0], bw_state[0])
                both = tf.concat([out_fw, out_bw], axis=-1)
                return both


            print(numpy_values(run_both(data, lengths)))
        """
        self.assertCodemod(before, after)

    def assertKept(self, before: str, *expected_in_finding: str) -> None:
        """The file comes back unchanged with one TFM601 finding containing each text."""
        context = CodemodContext()
        transform = self.TRANSFORM(context)
        module = cst.parse_module(dedent(before))
        output = transform.transform_module(module)
        self.assertEqual(output.code, module.code)
        findings = [w for w in context.warnings if w.startswith("TFM601")]
        self.assertEqual(len(findings), 1, context.warnings)
        for text in expected_in_finding:
            self.assertIn(text, findings[0])

    def test_a_program_inside_main_keeps_its_state_in_main(self) -> None:
        before = """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            SCALE = 2.0


            def main():
                x = tf.compat.v1.placeholder(tf.float32, [2])
                w = tf.compat.v1.Variable(SCALE)
                y = x * w
                with tf.compat.v1.Session() as sess:
                    sess.run(tf.compat.v1.global_variables_initializer())
                    print(sess.run(y, {x: [1, 2]}))


            if __name__ == "__main__":
                main()
        """
        after = """
            import tensorflow as tf
            SCALE = 2.0


            def main():
                w = tf.Variable(SCALE)
        """ + NUMPY_VALUES.replace("\n", "\n                ") + """

                # The Session.run that fetched y
                @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
                def run_y(x):
                    y = x * w
                    return y


                print(numpy_values(run_y([1, 2])))


            if __name__ == "__main__":
                main()
        """
        self.assertCodemod(before, after)

    def test_a_feed_dict_rebuilt_before_each_of_two_runs_is_read_at_each(self) -> None:
        # martin-gorner's char-RNN: one name, `feed_dict`, built (with the state loop) before
        # the training run and again before the validation run, passed as feed_dict=.
        before = """
            import tensorflow as tf
            import keras
            from tf2_port import keras_rnn
            x = tf.compat.v1.placeholder(tf.float32, [4, 5, 3])
            cell = keras.layers.StackedRNNCells([keras.layers.GRUCell(8, reset_after=False) for _ in range(2)])
            start = keras_rnn.zero_state(cell, 4, tf.float32)
            outputs, state = keras_rnn.dynamic_rnn(cell, x, initial_state=start)
            loss = tf.reduce_mean(outputs)
            with tf.compat.v1.Session() as sess:
                carried = sess.run(start)
                for batch in data:
                    feed_dict = {x: batch}
                    for i, s in enumerate(start):
                        feed_dict[s] = carried[i]
                    value, carried = sess.run([loss, state], feed_dict=feed_dict)
                    if value > 1:
                        feed_dict = {x: batch}
                        for i, s in enumerate(start):
                            feed_dict[s] = carried[i]
                        print(sess.run(loss, feed_dict=feed_dict))
        """
        output = self.TRANSFORM(CodemodContext()).transform_module(cst.parse_module(dedent(before))).code
        self.assertIn("value, carried = numpy_values(run_loss(batch, tuple(carried)))", output)
        self.assertIn("print(numpy_values(run_loss_2(batch, tuple(carried))))", output)
        self.assertNotIn("feed_dict", output)

    def test_a_module_without_a_session_is_left_as_it_is(self) -> None:
        # The no-op case: a model module (graph-building code, no Session) has nothing to split.
        self.assertKept("""
            import tensorflow as tf
            def build(x):
                return tf.reduce_sum(x * 2.0)
        """, "no tf.compat.v1.Session in this module")

    def test_graph_at_module_level_run_inside_a_function_is_kept(self) -> None:
        self.assertKept("""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            y = x * 2.0
            def main():
                with tf.compat.v1.Session() as sess:
                    print(sess.run(y, {x: [1, 2]}))
        """, "graph built partly at module level")

    def test_session_in_a_loop_is_kept(self) -> None:
        self.assertKept("""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            for _ in range(2):
                with tf.compat.v1.Session() as sess:
                    print(sess.run(x * 2.0, {x: [1, 2]}))
        """, "Session created inside a nested block")

    def test_feeding_a_computed_tensor_is_kept(self) -> None:
        self.assertKept("""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            y = x * 2.0
            z = y + 1.0
            with tf.compat.v1.Session() as sess:
                print(sess.run(z, {y: [1, 2]}))
        """, "feeding 'y', which is not a placeholder")

    def test_a_build_time_print_of_a_tensor_goes_into_the_step_that_computes_it(self) -> None:
        before = """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            y = x * 2.0
            print(y)  # the shape, while the graph is built
            with tf.compat.v1.Session() as sess:
                print(sess.run(y, {x: [1, 2]}))
        """
        after = """
            import tensorflow as tf
        """ + NUMPY_VALUES.replace("\n", "\n            ") + """

            # The Session.run that fetched y
            @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
            def run_y(x):
                y = x * 2.0
                print(y)  # the shape, while the graph is built
                return y


            print(numpy_values(run_y([1, 2])))
        """
        self.assertCodemod(before, after)

    def test_a_build_time_print_of_tensors_no_fetch_needs_is_traced_by_a_step_that_can_compute_them(self) -> None:
        # Hallstrom-style scripts print the unstacked inputs while building; no run needs them.
        before = """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2, 3])
            columns = tf.split(x, 3, 1)
            print("columns:", columns)
            total = tf.reduce_sum(x)
            with tf.compat.v1.Session() as sess:
                print(sess.run(total, {x: data}))
        """
        output = self.TRANSFORM(CodemodContext()).transform_module(cst.parse_module(dedent(before))).code
        step = output[output.index("def run_total(x):"):output.index("return total")]
        self.assertIn("columns = tf.split(x, 3, 1)", step)
        self.assertIn('print("columns:", columns)', step)

    def test_tensor_used_outside_session_run_is_kept(self) -> None:
        self.assertKept("""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            y = x * 2.0
            with tf.compat.v1.Session() as sess:
                print(sess.run(y, {x: [1, 2]}), y.name)
        """, "graph tensor 'y' used outside Session.run")

    def test_a_value_the_graph_read_rebound_after_the_session_started_is_kept(self) -> None:
        # A tf.function keeps the value its first trace read; TF1 kept the value at build time.
        self.assertKept("""
            import tensorflow as tf
            scale = 2.0
            x = tf.compat.v1.placeholder(tf.float32, [2])
            y = x * scale
            with tf.compat.v1.Session() as sess:
                scale = 3.0
                print(sess.run(y, {x: [1, 2]}))
        """, "'scale'", "rebound after the Session started")

    def test_a_value_rebound_later_in_the_graph_region_is_kept(self) -> None:
        # TF1 built y from scale = 2.0; a step traced later would read 3.0.
        self.assertKept("""
            import tensorflow as tf
            scale = 2.0
            x = tf.compat.v1.placeholder(tf.float32, [2])
            y = x * scale
            scale = 3.0
            with tf.compat.v1.Session() as sess:
                print(sess.run(y, {x: [1, 2]}))
        """, "'scale'", "rebound after that")

    def test_tensor_eval_in_the_session_region_is_kept(self) -> None:
        self.assertKept("""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            w = tf.compat.v1.Variable(1.0)
            y = x * w
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                print(sess.run(y, {x: [1, 2]}), w.eval())
        """, "w.eval()")

    def test_an_object_built_inside_the_computation_is_kept(self) -> None:
        # A TensorFlow class (here a contrib RNN layer) built in the middle of the computation
        # would be built again at every trace of a step.
        self.assertKept("""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [5, 2, 3])
            lstm = tf.contrib.cudnn_rnn.CudnnLSTM(num_layers=1, num_units=4)
            outputs, _ = lstm(x)
            with tf.compat.v1.Session() as sess:
                print(sess.run(outputs, {x: data}))
        """, "CudnnLSTM(...) built inside the computation")

    def test_momentum_on_an_embedding_lookup_is_kept(self) -> None:
        # TF1's sparse Momentum moved only the looked-up rows; Keras 3 moves every row.
        self.assertKept("""
            import tensorflow as tf
            ids = tf.compat.v1.placeholder(tf.int32, [4])
            table = tf.compat.v1.Variable(tf.ones([10, 3]))
            loss = tf.reduce_sum(tf.nn.embedding_lookup(table, ids))
            train = tf.compat.v1.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                sess.run(train, {ids: [1, 2, 2, 3]})
        """, "MomentumOptimizer on the gradient of an embedding lookup")

    def test_rmsprop_on_an_embedding_lookup_is_kept(self) -> None:
        # TF1's sparse RMSProp decays the mean square of the looked-up rows only.
        self.assertKept("""
            import tensorflow as tf
            ids = tf.compat.v1.placeholder(tf.int32, [None])
            table = tf.compat.v1.get_variable("table", [10, 3])
            loss = tf.reduce_sum(tf.nn.embedding_lookup(table, ids))
            train = tf.compat.v1.train.RMSPropOptimizer(0.1).minimize(loss)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                sess.run(train, {ids: [1, 2]})
        """, "RMSPropOptimizer on the gradient of an embedding lookup")

    def test_a_learning_rate_fed_per_run_under_momentum_is_kept(self) -> None:
        # Momentum matches Keras only at a constant rate (TF1 rescales its accumulator).
        self.assertKept("""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            lr = tf.compat.v1.placeholder(tf.float32, [])
            w = tf.compat.v1.Variable(1.0)
            loss = tf.reduce_sum(x * w)
            optimizer = tf.compat.v1.train.MomentumOptimizer(lr, 0.9)
            train = optimizer.minimize(loss)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                sess.run(train, {x: [1, 2], lr: 0.1})
        """, "an optimizer built from the tensor 'lr'")

    def test_a_learning_rate_fed_per_run_is_a_variable_the_step_sets(self) -> None:
        before = """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            lr = tf.compat.v1.placeholder(tf.float32, [])
            w = tf.compat.v1.Variable(1.0)
            loss = tf.reduce_sum(x * w)
            train = tf.compat.v1.train.AdamOptimizer(learning_rate=lr).minimize(loss)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                sess.run(train, {x: [1, 2], lr: 0.1})
                sess.run(train, {x: [1, 2]})
        """
        context = CodemodContext()
        output = self.TRANSFORM(context).transform_module(cst.parse_module(dedent(before))).code
        # The second run does not feed lr: TF1 failed there, so the file is kept.
        self.assertEqual(output, dedent(before))
        self.assertIn("the learning rate 'lr' is needed by this Session.run but not fed", context.warnings[0])
        fed_twice = dedent(before).replace("sess.run(train, {x: [1, 2]})", "sess.run(train, {x: [1, 2], lr: 0.05})")
        output = self.TRANSFORM(CodemodContext()).transform_module(cst.parse_module(fed_twice)).code
        self.assertIn("lr = tf.Variable(tf.ones([], tf.float32), trainable=False)", output)
        self.assertIn("keras.optimizers.Adam(learning_rate=lambda: lr,", output)
        self.assertIn("lr.assign(lr_fed)", output)
        self.assertIn("numpy_values(run_train([1, 2], 0.05))", output)

    def test_rmsprop_becomes_the_keras_subclass_with_tf1s_initial_mean_square(self) -> None:
        before = """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            w = tf.compat.v1.Variable(1.0)
            loss = tf.reduce_sum(x * w)
            train = tf.compat.v1.train.RMSPropOptimizer(0.1, decay=0.8).minimize(loss)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                sess.run(train, {x: [1, 2]})
        """
        context = CodemodContext()
        output = self.TRANSFORM(context).transform_module(cst.parse_module(dedent(before))).code
        definition = output[output.index("class TF1RMSprop(keras.optimizers.RMSprop):"):]
        self.assertIn('self.add_optimizer_variables(var_list, "velocity", initializer="ones")', definition)
        self.assertIn("optimizer = TF1RMSprop(learning_rate=0.1, rho=0.8, epsilon=1e-10)  # RMSPropOptimizer's "
                      "update rule", definition)
        self.assertLess(output.index("class TF1RMSprop"), output.index("optimizer = TF1RMSprop("))

    def test_graph_growth_after_the_session_started_is_kept(self) -> None:
        self.assertKept("""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            with tf.compat.v1.Session() as sess:
                for step in range(3):
                    y = tf.nn.relu(x)  # a new op per iteration: the graph grows in the loop
                    print(sess.run(y, {x: [1, 2]}))
        """, "used after the Session started")

    def test_graph_built_after_the_session_started_at_its_top_level_joins_the_graph(self) -> None:
        # TF1 added the op to the one graph once: the step computes it like any graph statement.
        before = """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            with tf.compat.v1.Session() as sess:
                y = tf.nn.relu(x)
                print(sess.run(y, {x: [1, 2]}))
        """
        output = self.TRANSFORM(CodemodContext()).transform_module(cst.parse_module(dedent(before))).code
        step = output[output.index("def run_y(x):"):]
        self.assertIn("y = tf.nn.relu(x)", step[:step.index("return y")])
        self.assertIn("print(numpy_values(run_y([1, 2])))", output)

    def test_a_pure_function_of_fetched_values_runs_eagerly(self) -> None:
        # TF1 added an argmax op to the graph and ran it (.eval()); TF2 computes it at once.
        before = """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 3])
            y = tf.nn.softmax(x)
            with tf.compat.v1.Session() as sess:
                probabilities = sess.run(y, {x: [[1.0, 2.0, 0.5]]})
                print(int(tf.argmax(probabilities, 1).eval()))
        """
        output = self.TRANSFORM(CodemodContext()).transform_module(cst.parse_module(dedent(before))).code
        self.assertIn("print(int(tf.argmax(probabilities, 1).numpy()))", output)

    def test_a_function_of_fetched_values_not_evaluated_is_kept(self) -> None:
        # Without .eval() TF1 made a graph tensor (printed as one); an eager value is not that.
        self.assertKept("""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 3])
            y = tf.nn.softmax(x)
            with tf.compat.v1.Session() as sess:
                probabilities = sess.run(y, {x: [[1.0, 2.0, 0.5]]})
                print(tf.argmax(probabilities, 1))
        """, "tf.argmax used after the Session started")

    def test_unfed_placeholder_a_fetch_needs_is_kept(self) -> None:
        self.assertKept("""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [2])
            y = x * 2.0
            with tf.compat.v1.Session() as sess:
                print(sess.run(y))
        """, "placeholder 'x' is needed by this Session.run but not fed")


def test_the_stage_reports_its_steps_and_the_tf1_name_of_every_weight() -> None:
    # What prove hands weights over by, and what an old checkpoint calls each object: the
    # names TF1 gave them, scopes included (get_variable and dense under the variable scope,
    # tf.Variable under both scopes, the RNN under its driver's default scope "rnn").
    from migrate.codemods.restructure_session_program import PROGRAM_KEY

    source = dedent("""
        import tensorflow as tf
        import keras
        from tf2_port import keras_rnn
        x = tf.compat.v1.placeholder(tf.float32, [2, 3, 4])
        w = tf.compat.v1.Variable(tf.ones([4]))
        w2 = tf.compat.v1.Variable(tf.ones([4]))
        with tf.compat.v1.variable_scope("lm"):
            table = tf.compat.v1.get_variable("table", [9, 4])
            bias = tf.compat.v1.Variable(tf.zeros([4]), name="bias")
            cell = keras.layers.GRUCell(4, reset_after=False)
            outputs, last = keras_rnn.dynamic_rnn(cell, x * w * w2 + bias, dtype=tf.float32)
            logits = keras_rnn.dense(outputs, 9, name="out")
        with tf.compat.v1.Session() as sess:
            print(sess.run(logits, {x: data}))
    """)
    context = CodemodContext()
    RestructureSessionProgramCommand(context).transform_module(cst.parse_module(source))
    program = context.scratch[PROGRAM_KEY]
    assert program["steps"] == ["run_logits"]
    assert dict(program["weights"]) == {
        "Variable": "w", "Variable_1": "w2", "lm/table": "table", "lm/bias": "bias",
        "lm/rnn": "cell_rnn.cell", "lm/out": "lm_out_layer",
    }


def test_variables_in_a_dict_literal_keep_their_order_and_names() -> None:
    from migrate.codemods.restructure_session_program import PROGRAM_KEY

    source = dedent("""
        import tensorflow as tf
        x = tf.compat.v1.placeholder(tf.float32, [2, 3])
        weights = {"hidden": tf.compat.v1.Variable(tf.ones([3, 4])), "out": tf.compat.v1.Variable(tf.ones([4, 1]))}
        biases = [tf.compat.v1.Variable(tf.zeros([4]), name="b"), tf.compat.v1.Variable(tf.zeros([1]), name="b")]
        y = tf.matmul(tf.matmul(x, weights["hidden"]) + biases[0], weights["out"]) + biases[1]
        with tf.compat.v1.Session() as sess:
            print(sess.run(y, {x: data}))
    """)
    context = CodemodContext()
    output = RestructureSessionProgramCommand(context).transform_module(cst.parse_module(source)).code
    assert 'weights = {"hidden": tf.Variable(tf.ones([3, 4])), "out": tf.Variable(tf.ones([4, 1]))}' in output
    assert dict(context.scratch[PROGRAM_KEY]["weights"]) == {
        "Variable": 'weights["hidden"]', "Variable_1": 'weights["out"]', "b": "biases[0]", "b_1": "biases[1]"}
