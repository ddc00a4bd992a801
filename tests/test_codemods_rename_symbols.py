"""RenameSymbolsCommand: exact before/after pairs, no-ops and findings (CodemodTest)."""

from migrate.codemods import RenameSymbolsCommand
from migrate.testing import IdempotentCodemodTest as CodemodTest


class TestRenameSymbols(CodemodTest):
    TRANSFORM = RenameSymbolsCommand

    def test_tf0_names(self) -> None:
        before = """
            import tensorflow as tf
            xs = tf.unpack(x, axis=1)
            y = tf.pack(xs)
            z = tf.mul(tf.sub(a, b), tf.neg(c))
            w = tf.select(mask, a, b)
            p = tf.batch_matmul(a, b)
            init = tf.initialize_all_variables()
            outs, state = tf.nn.rnn(cell, xs, dtype=tf.float32)
        """
        after = """
            import tensorflow as tf
            xs = tf.unstack(x, axis=1)
            y = tf.stack(xs)
            z = tf.multiply(tf.subtract(a, b), tf.negative(c))
            w = tf.compat.v1.where(mask, a, b)
            p = tf.linalg.matmul(a, b)
            init = tf.compat.v1.global_variables_initializer()
            outs, state = tf.compat.v1.nn.static_rnn(cell, xs, dtype=tf.float32)
        """
        self.assertCodemod(before, after)

    def test_summaries(self) -> None:
        before = """
            import tensorflow as tf
            tf.scalar_summary("loss", loss)
            tf.histogram_summary("w", w)
            merged = tf.merge_all_summaries()
            writer = tf.train.SummaryWriter("/tmp/log", sess.graph)
        """
        after = """
            import tensorflow as tf
            tf.compat.v1.summary.scalar("loss", loss)
            tf.compat.v1.summary.histogram("w", w)
            merged = tf.compat.v1.summary.merge_all()
            writer = tf.compat.v1.summary.FileWriter("/tmp/log", sess.graph)
        """
        self.assertCodemod(before, after)

    def test_dropped_v1_names(self) -> None:
        before = """
            import tensorflow as tf
            x = tf.placeholder(tf.float32, [None, 3])
            with tf.variable_scope("m"):
                w = tf.get_variable("w", [3, 3])
            opt = tf.train.AdagradOptimizer(0.3)
            sess = tf.Session()
            keep = tf.nn.dropout(x, 0.5)
        """
        after = """
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, [None, 3])
            with tf.compat.v1.variable_scope("m"):
                w = tf.compat.v1.get_variable("w", [3, 3])
            opt = tf.compat.v1.train.AdagradOptimizer(0.3)
            sess = tf.compat.v1.Session()
            keep = tf.compat.v1.nn.dropout(x, 0.5)
        """
        self.assertCodemod(before, after)

    def test_cells_and_state_tuple(self) -> None:
        before = """
            import tensorflow as tf
            cell = tf.nn.rnn_cell.BasicLSTMCell(4)
            state = tf.contrib.rnn.LSTMStateTuple(c, h)
            stack = tf.contrib.rnn.MultiRNNCell([tf.contrib.rnn.GRUCell(4)])
            outs, last = tf.contrib.rnn.static_rnn(stack, xs, dtype=tf.float32)
        """
        after = """
            import tensorflow as tf
            cell = tf.compat.v1.nn.rnn_cell.BasicLSTMCell(4)
            state = tf.compat.v1.nn.rnn_cell.LSTMStateTuple(c, h)
            stack = tf.compat.v1.nn.rnn_cell.MultiRNNCell([tf.compat.v1.nn.rnn_cell.GRUCell(4)])
            outs, last = tf.compat.v1.nn.static_rnn(stack, xs, dtype=tf.float32)
        """
        self.assertCodemod(before, after)

    def test_v2_drop_in_kept_or_made_v1(self) -> None:
        before = """
            import tensorflow as tf
            a = tf.reduce_sum(x, 1, keep_dims=True)
            b = tf.reduce_sum(x, 1, True, "s", None)
            c = tf.matmul(a, b)
        """
        after = """
            import tensorflow as tf
            a = tf.reduce_sum(x, 1, keep_dims=True)
            b = tf.compat.v1.reduce_sum(x, 1, True, "s", None)
            c = tf.matmul(a, b)
        """
        self.assertCodemod(before, after)

    def test_import_forms(self) -> None:
        before = """
            from tensorflow.contrib.rnn import LSTMCell as C, MultiRNNCell, static_rnn  # cells
            import tensorflow.contrib.rnn as crnn
            from tensorflow.python.ops import rnn_cell

            a = MultiRNNCell([C(3), crnn.GRUCell(2), rnn_cell.BasicRNNCell(1)])
            o = static_rnn(a, xs)
        """
        after = """
            from tensorflow.compat.v1.nn.rnn_cell import LSTMCell as C, MultiRNNCell  # cells
            from tensorflow.compat.v1.nn import static_rnn
            import tensorflow.compat.v1.nn.rnn_cell as crnn
            from tensorflow.compat.v1.nn import rnn_cell

            a = MultiRNNCell([C(3), crnn.GRUCell(2), rnn_cell.BasicRNNCell(1)])
            o = static_rnn(a, xs)
        """
        self.assertCodemod(before, after)

    def test_module_alias_spanning_two_homes_is_rebound(self) -> None:
        before = """
            from tensorflow.contrib import rnn
            cell = rnn.BasicLSTMCell(3)
            outs, state = rnn.static_rnn(cell, xs, dtype=tf.float32)
        """
        after = """
            from tensorflow.compat.v1 import nn as rnn
            cell = rnn.rnn_cell.BasicLSTMCell(3)
            outs, state = rnn.static_rnn(cell, xs, dtype=tf.float32)
        """
        self.assertCodemod(before, after)

    def test_already_compat_v1(self) -> None:
        before = """
            import tensorflow.compat.v1 as tf
            x = tf.placeholder(tf.float32)
            c = tf.contrib.rnn.LSTMCell(3)
            y = tf.pack([x, x])
        """
        after = """
            import tensorflow.compat.v1 as tf
            x = tf.placeholder(tf.float32)
            c = tf.nn.rnn_cell.LSTMCell(3)
            y = tf.stack([x, x])
        """
        self.assertCodemod(before, after)

    def test_star_import(self) -> None:
        before = """
            from tensorflow.contrib.rnn import *
            cell = MultiRNNCell([LSTMCell(3), LSTMCell(3)])
            outs, state = static_rnn(cell, xs)
        """
        after = """
            from tensorflow.compat.v1.nn.rnn_cell import LSTMCell, MultiRNNCell
            from tensorflow.compat.v1.nn import static_rnn
            cell = MultiRNNCell([LSTMCell(3), LSTMCell(3)])
            outs, state = static_rnn(cell, xs)
        """
        self.assertCodemod(before, after)

    def test_star_import_with_unknown_names(self) -> None:
        before = """
            from tensorflow.contrib.rnn import *
            cell = LSTMCell(3)
            y = mystery(cell)
        """
        after = """
            from tensorflow.compat.v1.nn.rnn_cell import LSTMCell
            cell = LSTMCell(3)
            y = mystery(cell)
        """
        self.assertCodemod(
            before,
            after,
            expected_warnings=[
                "TFM104 1:1 `from tensorflow.contrib.rnn import *` was replaced by the names this "
                "file uses that the tables know; these undefined names are not among them: mystery"
            ],
        )

    def test_no_home_is_reported_and_left_alone(self) -> None:
        before = """
            import tensorflow as tf
            loss = tf.contrib.legacy_seq2seq.sequence_loss_by_example([l], [t], [w])
            fw = tf.contrib.rnn.LayerNormBasicLSTMCell(4)
            model = tf.estimator.Estimator(model_fn)
        """
        self.assertCodemod(
            before,
            before,
            expected_warnings=[
                "TFM101 2:8 tf.contrib.legacy_seq2seq.sequence_loss_by_example has no TensorFlow 2 home",
                "TFM101 3:6 tf.contrib.rnn.LayerNormBasicLSTMCell has no TensorFlow 2 home",
                "TFM101 4:9 tf.estimator.Estimator has no TensorFlow 2 home",
            ],
        )

    def test_variable_aliases_are_reported(self) -> None:
        before = """
            import tensorflow as tf
            rc = tf.nn.rnn_cell
            cr = tf.contrib.rnn
        """
        after = """
            import tensorflow as tf
            rc = tf.compat.v1.nn.rnn_cell
            cr = tf.contrib.rnn
        """
        self.assertCodemod(
            before,
            after,
            expected_warnings=[
                "TFM102 2:6 `rc` aliases the module tf.nn.rnn_cell; it now points to "
                "tf.compat.v1.nn.rnn_cell, but names used through `rc` are not checked",
                "TFM102 3:6 `cr` aliases tf.contrib.rnn, whose members moved to different "
                "TensorFlow 2 modules; names used through it are not rewritten",
            ],
        )

    def test_no_op(self) -> None:
        code = """
            import tensorflow as tf
            import numpy as np
            x = tf.compat.v1.placeholder(tf.float32)
            y = tf.matmul(x, x) + np.ones(3)
            cell = tf.compat.v1.nn.rnn_cell.LSTMCell(3)
            tf = None
        """
        self.assertCodemod(code, code)

    def test_local_names_that_shadow_nothing(self) -> None:
        code = """
            import tensorflow as tf

            def f(placeholder, nn):
                return placeholder(nn.rnn)
        """
        self.assertCodemod(code, code)
