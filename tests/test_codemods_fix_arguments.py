"""FixArgumentsCommand: argument orders, keywords and whole-call rewrites (CodemodTest)."""

from migrate.codemods import FixArgumentsCommand
from migrate.testing import IdempotentCodemodTest as CodemodTest


class TestFixArguments(CodemodTest):
    TRANSFORM = FixArgumentsCommand

    def test_old_split_order(self) -> None:
        before = """
            import tensorflow as tf
            a = tf.split(1, num_steps, inputs)
            b = tf.split(split_dim, 2, x)
            c = tf.split(-1, 3, FLAGS.x)
            d = tf.split(x, 3, 1)
            e = tf.split(x, 3, axis)
            f = tf.split(x, 2)
        """
        after = """
            import tensorflow as tf
            a = tf.split(inputs, num_steps, axis=1)
            b = tf.split(x, 2, axis=split_dim)
            c = tf.split(FLAGS.x, 3, axis=-1)
            d = tf.split(x, 3, 1)
            e = tf.split(x, 3, axis)
            f = tf.split(x, 2)
        """
        self.assertCodemod(before, after)

    def test_old_concat_order(self) -> None:
        before = """
            import tensorflow as tf
            a = tf.concat(1, [x, y])
            b = tf.concat(concat_dim, [x, y])
            c = tf.concat(2, outputs)
            d = tf.concat([x, y], 1)
            e = tf.concat(outputs, axis)
            f = tf.concat_v2([x, y], 1)
        """
        after = """
            import tensorflow as tf
            a = tf.concat([x, y], axis=1)
            b = tf.concat([x, y], axis=concat_dim)
            c = tf.concat(outputs, axis=2)
            d = tf.concat([x, y], 1)
            e = tf.concat(outputs, axis)
            f = tf.concat_v2([x, y], 1)
        """
        self.assertCodemod(before, after)

    def test_old_keywords(self) -> None:
        before = """
            import tensorflow as tf
            a = tf.split(split_dim=1, num_split=2, value=x)
            b = tf.concat(concat_dim=1, values=[x, y])
            c = tf.image_summary("im", x, max_images=2)
            d = tf.batch_matmul(a, b, adj_x=True)
        """
        after = """
            import tensorflow as tf
            a = tf.split(axis=1, num_or_size_splits=2, value=x)
            b = tf.concat(axis=1, values=[x, y])
            c = tf.image_summary("im", x, max_outputs=2)
            d = tf.batch_matmul(a, b, adjoint_a=True)
        """
        self.assertCodemod(before, after)

    def test_positional_cross_entropy(self) -> None:
        before = """
            import tensorflow as tf
            a = tf.nn.softmax_cross_entropy_with_logits(logits, labels)
            b = tf.nn.sparse_softmax_cross_entropy_with_logits(y_hat, y, name="xent")
            c = tf.nn.sigmoid_cross_entropy_with_logits(z, targets=t)
            d = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z)
        """
        after = """
            import tensorflow as tf
            a = tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=labels)
            b = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=y_hat, labels=y, name="xent")
            c = tf.nn.sigmoid_cross_entropy_with_logits(logits=z, labels=t)
            d = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z)
        """
        self.assertCodemod(before, after)

    def test_batch_matmul_positional_adjoints(self) -> None:
        before = """
            import tensorflow as tf
            p = tf.batch_matmul(a, b, False, True)
        """
        after = """
            import tensorflow as tf
            p = tf.batch_matmul(a, b, adjoint_a=False, adjoint_b=True)
        """
        self.assertCodemod(before, after)

    def test_drop_in_keywords(self) -> None:
        before = """
            import tensorflow as tf
            a = tf.reduce_mean(x, reduction_indices=[1], keep_dims=True)
            b = tf.argmax(y, dimension=1)
            c = tf.expand_dims(x, dim=0)
            d = tf.nn.softmax(z, dim=-1)
            e = tf.reduce_sum(x, 1, True, "s", None)
        """
        after = """
            import tensorflow as tf
            a = tf.reduce_mean(x, axis=[1], keepdims=True)
            b = tf.argmax(y, axis=1)
            c = tf.expand_dims(x, axis=0)
            d = tf.nn.softmax(z, axis=-1)
            e = tf.reduce_sum(x, 1, True, "s", None)
        """
        self.assertCodemod(before, after)

    def test_removed_input_size(self) -> None:
        before = """
            from tensorflow.models.rnn import rnn_cell
            cell = rnn_cell.LSTMCell(64, input_size=8)
        """
        after = """
            from tensorflow.models.rnn import rnn_cell
            cell = rnn_cell.LSTMCell(64)
        """
        self.assertCodemod(
            before,
            after,
            expected_warnings=[
                "TFM202 2:8 removed `input_size=` from tf.models.rnn.rnn_cell.LSTMCell: "
                "ignored by the cells since TensorFlow 0.10; removed in 1.0"
            ],
        )

    def test_fully_connected_to_dense(self) -> None:
        before = """
            import tensorflow as tf
            a = tf.contrib.layers.fully_connected(h, 10)
            b = tf.contrib.layers.fully_connected(h, 10, activation_fn=None, scope="out")
            c = tf.contrib.layers.fully_connected(h, num_outputs=5, biases_initializer=None)
            d = tf.contrib.layers.linear(h, 3)
        """
        after = """
            import tensorflow as tf
            a = tf.compat.v1.layers.dense(h, 10, activation=tf.nn.relu)
            b = tf.compat.v1.layers.dense(h, 10, activation=None, name="out")
            c = tf.compat.v1.layers.dense(h, units=5, use_bias=False, activation=tf.nn.relu)
            d = tf.compat.v1.layers.dense(h, 3)
        """
        note = (
            "fully_connected became tf.compat.v1.layers.dense: its variables are named "
            "<scope>/kernel and <scope>/bias instead of <scope>/weights and <scope>/biases, "
            "so old checkpoints need their names mapped"
        )
        self.assertCodemod(
            before,
            after,
            expected_warnings=[f"TFM106 {line}:5 {note}" for line in (2, 3, 4, 5)],
        )

    def test_xavier_initializer(self) -> None:
        before = """
            import tensorflow as tf
            a = tf.contrib.layers.xavier_initializer()
            b = tf.contrib.layers.xavier_initializer(uniform=False, seed=1)
        """
        after = """
            import tensorflow as tf
            a = tf.compat.v1.glorot_uniform_initializer()
            b = tf.compat.v1.glorot_normal_initializer(seed=1)
        """
        self.assertCodemod(before, after)

    def test_unconvertible_calls_are_findings(self) -> None:
        before = """
            import tensorflow as tf
            a = tf.split(d, n, x)
            b = tf.concat(d, x)
            c = tf.contrib.layers.fully_connected(h, 10, normalizer_fn=bn)
        """
        self.assertCodemod(
            before,
            before,
            expected_warnings=[
                "TFM201 2:5 cannot tell whether this tf.split uses the TF 0.x order (split_dim, "
                "num_split, value) or the TF 1.x order (value, num_or_size_splits, axis)",
                "TFM201 3:5 cannot tell whether this tf.concat uses the TF 0.x order "
                "(concat_dim, values) or the TF 1.x order (values, axis)",
                "TFM101 4:5 tf.contrib.layers.fully_connected has no TensorFlow 2 home and this "
                "call could not be converted: dense has no equivalent of normalizer_fn",
            ],
        )

    def test_a_flag_absl_defines_itself_is_a_finding(self) -> None:
        code = """
            import tensorflow as tf
            tf.app.flags.DEFINE_string("log_dir", "./logs", "where the logs go")
            tf.flags.DEFINE_integer(name="v", default=1, help="verbosity")
            tf.flags.DEFINE_integer("steps", 3, "a name absl does not define")
            tf.app.flags.DEFINE_string(flag_name, "x", "not a literal: nothing to say")
        """
        self.assertCodemod(code, code, expected_warnings=[
            "TFM204 2:1 flag 'log_dir' is one absl defines itself: TF >= 1.5 parses tf.app.flags with absl, "
            "so this definition fails with DuplicateFlagError when the script starts",
            "TFM204 3:1 flag 'v' is one absl defines itself: TF >= 1.5 parses tf.flags with absl, so this "
            "definition fails with DuplicateFlagError when the script starts",
        ])

    def test_no_op(self) -> None:
        code = """
            import tensorflow as tf
            a = tf.split(x, 2, axis=1)
            b = tf.concat([x, y], axis=1)
            c = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z)
            d = tf.reduce_sum(x, axis=1, keepdims=True)
            e = split(1, 2, x)
        """
        self.assertCodemod(code, code)
