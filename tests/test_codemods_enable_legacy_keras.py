"""EnableLegacyKerasCommand (CodemodTest)."""

from migrate.codemods import EnableLegacyKerasCommand
from migrate.testing import IdempotentCodemodTest as CodemodTest

COMMENT = "# tf.compat.v1.nn.rnn_cell needs tf_keras on TF >= 2.16; the keras level removes this."
NOTE = (
    "TFM401 {at} legacy cells or tf.compat.v1.layers remain: the rewritten file needs the "
    "tf_keras package (TF_USE_LEGACY_KERAS=1 is set at its top)"
)


class TestEnableLegacyKeras(CodemodTest):
    TRANSFORM = EnableLegacyKerasCommand

    def test_after_docstring_and_future_imports(self) -> None:
        before = '''
            """Train a stack."""
            from __future__ import print_function
            import tensorflow as tf

            cell = tf.compat.v1.nn.rnn_cell.LSTMCell(64)
        '''
        after = f'''
            """Train a stack."""
            from __future__ import print_function

            {COMMENT}
            import os
            os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

            import tensorflow as tf

            cell = tf.compat.v1.nn.rnn_cell.LSTMCell(64)
        '''
        self.assertCodemod(before, after, expected_warnings=[NOTE.format(at="5:8")])

    def test_at_the_top_and_for_layers(self) -> None:
        before = """
            import tensorflow.compat.v1 as tf
            y = tf.layers.dense(x, 3)
        """
        after = f"""
            {COMMENT}
            import os
            os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

            import tensorflow.compat.v1 as tf
            y = tf.layers.dense(x, 3)
        """
        self.assertCodemod(before, after, expected_warnings=[NOTE.format(at="2:5")])

    def test_existing_os_import_is_reused(self) -> None:
        before = """
            import os
            import tensorflow as tf
            from tensorflow.compat.v1.nn.rnn_cell import GRUCell
            cell = GRUCell(3)
        """
        after = f"""
            import os
            {COMMENT}
            os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
            import tensorflow as tf
            from tensorflow.compat.v1.nn.rnn_cell import GRUCell
            cell = GRUCell(3)
        """
        self.assertCodemod(before, after, expected_warnings=[NOTE.format(at="4:8")])

    def test_no_op(self) -> None:
        for code in (
            """
            import tensorflow as tf
            cell = tf.keras.layers.LSTMCell(3)
            """,
            """
            import os
            os.environ["TF_USE_LEGACY_KERAS"] = "1"
            import tensorflow as tf
            cell = tf.compat.v1.nn.rnn_cell.LSTMCell(3)
            """,
        ):
            self.assertCodemod(code, code)
