"""DisableEagerCommand (CodemodTest)."""

from migrate.codemods import DisableEagerCommand
from migrate.testing import IdempotentCodemodTest as CodemodTest


class TestDisableEager(CodemodTest):
    TRANSFORM = DisableEagerCommand

    def test_inserted_after_the_tensorflow_import(self) -> None:
        before = """
            import numpy as np
            import tensorflow as tf
            from tensorflow.contrib import rnn

            x = tf.placeholder(tf.float32, [None, 4])
        """
        after = """
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            from tensorflow.contrib import rnn

            x = tf.placeholder(tf.float32, [None, 4])
        """
        self.assertCodemod(before, after)

    def test_contrib_learn_runners_and_graph_resets_build_graphs_too(self) -> None:
        # WildML's notebooks: no placeholder, no Session, but run_n is a Session underneath.
        self.assertCodemod(
            """
            import tensorflow as tf
            tf.reset_default_graph()
            result = tf.contrib.learn.run_n({"y": y}, n=1)
            """,
            """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            tf.reset_default_graph()
            result = tf.contrib.learn.run_n({"y": y}, n=1)
            """,
        )

    def test_alias_and_compat_v1_import(self) -> None:
        self.assertCodemod(
            """
            import tensorflow as T
            with T.Session() as s:
                pass
            """,
            """
            import tensorflow as T
            T.compat.v1.disable_eager_execution()
            with T.Session() as s:
                pass
            """,
        )
        self.assertCodemod(
            """
            import tensorflow.compat.v1 as tf
            v = tf.get_variable("v", [3])
            """,
            """
            import tensorflow.compat.v1 as tf
            tf.disable_eager_execution()
            v = tf.get_variable("v", [3])
            """,
        )

    def test_only_from_imports(self) -> None:
        before = """
            from tensorflow import placeholder, float32
            x = placeholder(float32)
        """
        after = """
            from tensorflow import placeholder, float32
            import tensorflow
            tensorflow.compat.v1.disable_eager_execution()
            x = placeholder(float32)
        """
        self.assertCodemod(before, after)

    def test_no_op(self) -> None:
        for code in (
            """
            import tensorflow as tf
            y = tf.matmul(tf.ones([2, 2]), tf.ones([2, 2]))
            """,
            """
            import tensorflow.compat.v1 as tf
            tf.disable_v2_behavior()
            x = tf.placeholder(tf.float32)
            """,
            """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            x = tf.compat.v1.placeholder(tf.float32)
            """,
            """
            def f():
                import tensorflow as tf
                return tf.placeholder(tf.float32)
            """,
        ):
            self.assertCodemod(code, code)
