"""FixDimensionValueCommand (CodemodTest)."""

from migrate.codemods import FixDimensionValueCommand
from migrate.testing import IdempotentCodemodTest as CodemodTest


class TestFixDimensionValue(CodemodTest):
    TRANSFORM = FixDimensionValueCommand

    def test_shape_entries_read_through_dimension_value(self) -> None:
        before = """
            import tensorflow as tf
            n = x.get_shape()[1].value
            m = h.shape[-1].value
            k = h.get_shape().dims[0].value
            sizes = [d.value for d in x.get_shape()]
            for dim in v.get_shape():
                size *= dim.value
        """
        after = """
            import tensorflow as tf
            n = tf.compat.v1.dimension_value(x.get_shape()[1])
            m = tf.compat.v1.dimension_value(h.shape[-1])
            k = tf.compat.v1.dimension_value(h.get_shape().dims[0])
            sizes = [tf.compat.v1.dimension_value(d) for d in x.get_shape()]
            for dim in v.get_shape():
                size *= tf.compat.v1.dimension_value(dim)
        """
        self.assertCodemod(before, after, expected_warnings=[])

    def test_other_values_and_reassigned_loop_names_are_left_alone(self) -> None:
        code = """
            import tensorflow as tf
            a = feed.value
            b = x.get_shape().value
            c = [d.value for d in things]
            for dim in v.get_shape():
                dim = wrap(dim)
                size *= dim.value
            for row in rows:
                total += row.value
        """
        self.assertCodemod(code, code)

    def test_alias_and_no_tensorflow(self) -> None:
        self.assertCodemod(
            """
            import tensorflow as T
            n = x.get_shape()[1].value
            """,
            """
            import tensorflow as T
            n = T.compat.v1.dimension_value(x.get_shape()[1])
            """,
        )
        self.assertCodemod("n = x.get_shape()[1].value\n", "n = x.get_shape()[1].value\n")
