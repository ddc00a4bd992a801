"""The tf2 level's helper inlining (``migrate.session_program.inline``) and variable-scope reuse.

Inputs are keras-level code (what the tf2 stage reads); expected outputs are written by hand.
"""

from textwrap import dedent

import libcst as cst

from migrate.engine import rewrite_source
from migrate.session_program.inline import inline_graph_helpers
from migrate.session_program.resolve import Resolver

HEADER = """\
import tensorflow as tf
import keras
from tf2_port import keras_rnn
"""

MODEL_CLASS = '''
class Model(object):
    def __init__(self, units):
        self.units = units

    def make_cell(self, keep):
        cell = keras.layers.LSTMCell(self.units)
        return keras_rnn.DropoutWrapper(cell, output_keep_prob=keep)

    def build(self, x, is_training):
        keep = 0.5 if is_training else 1.0
        cells = [self.make_cell(keep) for _ in range(2)]
        outputs, state = keras_rnn.dynamic_rnn(keras.layers.StackedRNNCells(cells), x, dtype=tf.float32)
        return outputs
'''


def _inlined(source: str) -> str:
    module = cst.parse_module(HEADER + dedent(source))
    return inline_graph_helpers(module, Resolver(module.code, lambda node: None)).module.code[len(HEADER):]


def test_methods_are_written_out_with_self_as_the_instance_and_removed_from_the_class() -> None:
    source = MODEL_CLASS + '''
def main(data):
    model = Model(4)
    x = tf.compat.v1.placeholder(tf.float32, [None, 3, 2])
    y = model.build(x, is_training=True)
    with tf.compat.v1.Session() as sess:
        print(sess.run(y, {x: data}))
'''
    expected = '''
class Model(object):
    def __init__(self, units):
        self.units = units

def main(data):
    model = Model(4)
    x = tf.compat.v1.placeholder(tf.float32, [None, 3, 2])
    keep = 0.5
    cells = [keras_rnn.DropoutWrapper(keras.layers.LSTMCell(model.units), output_keep_prob=keep) for _ in range(2)]
    y, state = keras_rnn.dynamic_rnn(keras.layers.StackedRNNCells(cells), x, dtype=tf.float32)
    with tf.compat.v1.Session() as sess:
        print(sess.run(y, {x: data}))
'''
    assert _inlined(source) == expected


def test_a_second_call_gets_fresh_local_names_and_the_first_keeps_them() -> None:
    source = '''
def layer(x, units):
    w = tf.compat.v1.get_variable("w", [3, units])
    out = tf.matmul(x, w)
    return out

x = tf.compat.v1.placeholder(tf.float32, [None, 3])
with tf.compat.v1.variable_scope("a"):
    first = layer(x, 3)
with tf.compat.v1.variable_scope("b"):
    second = layer(first, 3)
with tf.compat.v1.Session() as sess:
    print(sess.run(second, {x: data}))
'''
    expected = '''
x = tf.compat.v1.placeholder(tf.float32, [None, 3])
with tf.compat.v1.variable_scope("a"):
    w = tf.compat.v1.get_variable("w", [3, 3])
    first = tf.matmul(x, w)
with tf.compat.v1.variable_scope("b"):
    w_2 = tf.compat.v1.get_variable("w", [3, 3])
    second = tf.matmul(first, w_2)
with tf.compat.v1.Session() as sess:
    print(sess.run(second, {x: data}))
'''
    assert _inlined(source) == expected


def test_an_argument_with_calls_is_evaluated_once_before_the_body() -> None:
    source = '''
def scaled(x):
    return tf.multiply(x, x)

x = tf.compat.v1.placeholder(tf.float32, [None])
y = scaled(tf.square(x))
with tf.compat.v1.Session() as sess:
    print(sess.run(y, {x: data}))
'''
    expected = '''
x = tf.compat.v1.placeholder(tf.float32, [None])
x_2 = tf.square(x)
y = tf.multiply(x_2, x_2)
with tf.compat.v1.Session() as sess:
    print(sess.run(y, {x: data}))
'''
    assert _inlined(source) == expected


def test_helpers_whose_meaning_could_change_are_left_as_they_were() -> None:
    cases = [
        # a return inside a block
        'def f(x):\n    if x is None:\n        return tf.zeros([1])\n    return tf.square(x)\n',
        # *args
        'def f(*xs):\n    return tf.square(xs[0])\n',
        # a global the function block has a local of the same name for (written out, the
        # helper would read the local)
        'def f(x):\n    return tf.square(x) * scale\n',
    ]
    for helper in cases:
        source = 'scale = 2.0\n' + helper + '''
def main(data):
    x = tf.compat.v1.placeholder(tf.float32, [None])
    scale = 3.0
    y = f(x)
    with tf.compat.v1.Session() as sess:
        print(sess.run(y, {x: data}))
'''
        assert _inlined(source) == dedent(source), helper


def test_a_helper_still_called_elsewhere_stays_defined() -> None:
    source = '''
def square(x):
    return tf.square(x)

x = tf.compat.v1.placeholder(tf.float32, [None])
y = square(x)
with tf.compat.v1.Session() as sess:
    print(sess.run(y, {x: data}), square)
'''
    out = _inlined(source)
    assert "def square(x):" in out and "y = tf.square(x)" in out


def test_literal_key_lookups_of_a_dict_of_graph_names_read_the_names() -> None:
    source = '''
x = tf.compat.v1.placeholder(tf.float32, [None])
y = tf.square(x)
feeds = {"x": x}
fetches = {"y": y}
other = {"y": y}
with tf.compat.v1.Session() as sess:
    print(sess.run(fetches["y"], {feeds["x"]: data}), sess.run(other["y"], {x: data}), other)
'''
    expected = '''
x = tf.compat.v1.placeholder(tf.float32, [None])
y = tf.square(x)
other = {"y": y}
with tf.compat.v1.Session() as sess:
    print(sess.run(y, {x: data}), sess.run(other["y"], {x: data}), other)
'''
    assert _inlined(source) == expected  # `other` is used whole, so it stays a dict


def _tf2(source: str):
    return rewrite_source(dedent(source), "tf2", "script.py")


def test_a_refusal_inside_written_out_code_points_at_the_helpers_line() -> None:
    source = '''
        import tensorflow as tf

        def build(x):
            y = tf.square(x)
            step = tf.train.get_or_create_global_step()
            return y, step

        x = tf.placeholder(tf.float32, [None])
        y, step = build(x)
        with tf.Session() as sess:
            print(sess.run(y, {x: [1.0]}))
    '''
    result = _tf2(source)
    refusals = [f for f in result.findings if f.code == "TFM601"]
    assert len(refusals) == 1 and "global step" in refusals[0].message
    assert refusals[0].line == 6  # `step = tf.train.get_or_create_global_step()` inside build()
    assert not result.steps


LM_SCRIPT = '''
    import tensorflow as tf

    def model(x, keep):
        cells = [tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.LSTMCell(4), output_keep_prob=keep) for _ in range(2)]
        cell = tf.nn.rnn_cell.MultiRNNCell(cells)
        outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        w = tf.get_variable("w", [4, 1])
        logits = tf.layers.dense(outputs, 3)
        return tf.tensordot(outputs, w, 1) + logits

    x = tf.placeholder(tf.float32, [None, 5, 2])
    with tf.variable_scope("lm"{reuse}):
        train = model(x, 0.5)
    with tf.variable_scope("lm"{reuse}):
        test = model(x, 1.0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print(sess.run([train, test], {{x: data}}))
'''


def test_a_reusing_scope_shares_variables_dense_layers_and_cells_by_tf1_name() -> None:
    result = _tf2(LM_SCRIPT.format(reuse=", reuse=tf.AUTO_REUSE"))
    assert result.steps, [f.format() for f in result.findings]
    code = result.code
    assert "w_2 = w  # TF1 reused lm/w (variable_scope reuse)" in code
    assert code.count("keras.layers.Dense(") == 1  # the second dense call runs the first layer
    assert "# TF1 reused lm/dense (variable_scope reuse)" in code
    assert "keras.layers.RNN(shared_cells(" in code
    # Each TF1 variable name maps to one object of the program (prove hands weights over by it).
    names = [name for name, _ in result.tf1_weights]
    assert sorted(names) == sorted(set(names)) and "lm/w" in names and "lm/rnn" in names


def test_a_scope_entered_twice_without_reuse_is_refused() -> None:
    result = _tf2(LM_SCRIPT.format(reuse=""))
    refusals = [f for f in result.findings if f.code == "TFM601"]
    assert len(refusals) == 1 and "entered twice without reuse" in refusals[0].message, refusals


def test_shared_cells_run_the_first_cells_weights_inside_their_own_wrappers() -> None:
    # The output's helper, executed: the second stack's trainable weights are the first's.
    import keras
    import tensorflow as tf

    from migrate.session_program.native_rnn import shared_cells_function
    from tf2_port.tf1_dropout import TF1DropoutWrapper

    namespace = {"keras": keras}
    exec(cst.Module([shared_cells_function("shared_cells")]).code, namespace)
    shared_cells = namespace["shared_cells"]
    first = keras.layers.StackedRNNCells([TF1DropoutWrapper(keras.layers.LSTMCell(3), output_keep_prob=0.5)
                                          for _ in range(2)])
    wrapped = keras.layers.StackedRNNCells([TF1DropoutWrapper(keras.layers.LSTMCell(3), output_keep_prob=1.0)
                                            for _ in range(2)])
    bare = keras.layers.StackedRNNCells([keras.layers.LSTMCell(3) for _ in range(2)])
    layers = [keras.layers.RNN(cells) for cells in
              (first, shared_cells(wrapped, first), shared_cells(bare, first))]
    for layer in layers:
        layer(tf.ones([2, 4, 5]))
    owned = [{id(v) for v in layer.trainable_variables} for layer in layers]
    assert len(owned[0]) == 6 and owned[0] == owned[1] == owned[2]
    assert layers[1].cell.cells[0].output_keep_prob == 1.0  # its own wrapper's setting kept


def test_a_list_of_tensors_filled_in_a_loop_is_computed_in_the_step() -> None:
    # `outputs = []` is plain Python until the loop appends tensors to it: then the list, the
    # loop and its target all belong to the step that fetches what is stacked from it.
    result = _tf2('''
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [None, 3])
        w = tf.Variable(tf.ones([3, 1]))
        outputs = []
        for i in range(3):
            outputs.append(tf.matmul(x[:, i:i + 1] * tf.ones([1, 3]), w))
        total = tf.add_n(outputs)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run(total, {x: [[1.0, 2.0, 3.0]]}))
    ''')
    assert result.steps, [f.format() for f in result.findings]
    step = result.code[result.code.index("def run_total"):]
    assert "outputs = []" in step and "for i in range(3):" in step


def test_a_for_loop_reads_what_it_iterates_over_not_its_own_target() -> None:
    from migrate.session_program.names import name_use

    use = name_use("for i in range(n):\n    out.append(x[i])\n")
    assert "i" in use.binds and "i" not in use.reads and {"n", "x", "out"} <= use.reads
    use = name_use("for i in range(i):\n    pass\n")  # the iterable reads the earlier i
    assert "i" in use.reads


def test_summary_ops_become_the_dicts_of_what_they_summarise() -> None:
    source = '''
x = tf.compat.v1.placeholder(tf.float32, [None])
loss = tf.reduce_sum(x)
with tf.name_scope("stats"):
    tf.compat.v1.summary.scalar("loss", loss)
    spread = tf.compat.v1.summary.histogram("x", x)
both = tf.compat.v1.summary.merge([spread])
every = tf.compat.v1.summary.merge_all()
with tf.compat.v1.Session() as sess:
    print(sess.run([every, both], {x: data}))
'''
    expected = '''
x = tf.compat.v1.placeholder(tf.float32, [None])
loss = tf.reduce_sum(x)
with tf.name_scope("stats"):
    spread = {'stats/x': x}
both = {**spread}
every = {'stats/loss': loss, **spread}
with tf.compat.v1.Session() as sess:
    print(sess.run([every, both], {x: data}))
'''
    assert _inlined(source) == expected


def test_a_histogram_compares_by_tf1s_statistics() -> None:
    import numpy as np

    from migrate.prove.compare import compare_leaf

    values = np.array([0.5, -1.0, 2.0], np.float32)
    statistics = np.array([-1.0, 2.0, 3, 1.5, 5.25], np.float64)  # min, max, num, sum, sum of squares
    reference = {"path": "[1]['x']", "label": "x", "kind": "histogram", "value": statistics}
    same = compare_leaf(1, reference, {"value": values, "kind": "value"}, None, False)
    moved = compare_leaf(1, reference, {"value": values + 0.01, "kind": "value"}, None, False)
    assert same.ok and same.max_abs_diff == 0.0
    assert not moved.ok
    # A Session run's histogram (a keras-level candidate) is statistics already.
    both = compare_leaf(1, reference, {"value": statistics.copy(), "kind": "histogram"}, None, False)
    assert both.ok and both.max_abs_diff == 0.0


def test_an_attribute_bag_becomes_one_name_per_attribute() -> None:
    source = '''
class Bag(dict):
    def __init__(self):
        self.__dict__ = self

def main(data):
    model = Bag()
    model.x = tf.compat.v1.placeholder(tf.float32, [None])
    model.y, model.z = tf.square(model.x), tf.exp(model.x)
    with tf.compat.v1.Session() as sess:
        print(sess.run([model.y, model.z], {model.x: data}))
'''
    expected = '''
class Bag(dict):
    def __init__(self):
        self.__dict__ = self

def main(data):
    x = tf.compat.v1.placeholder(tf.float32, [None])
    y, z = tf.square(x), tf.exp(x)
    with tf.compat.v1.Session() as sess:
        print(sess.run([y, z], {x: data}))
'''
    assert _inlined(source) == expected


def test_an_object_used_whole_or_read_before_it_is_stored_keeps_its_attributes() -> None:
    for use in ("print(model)", "print(model.w)"):  # the instance itself; an attribute never stored
        source = f'''
class Bag(dict):
    def __init__(self):
        self.__dict__ = self

def main(data):
    model = Bag()
    {use}
    model.x = tf.compat.v1.placeholder(tf.float32, [None])
    model.y = tf.square(model.x)
    with tf.compat.v1.Session() as sess:
        print(sess.run(model.y, {{model.x: data}}))
'''
        assert _inlined(source) == dedent(source), use


def test_a_cell_factory_defined_inside_a_helper_comes_along_and_is_called_as_before() -> None:
    source = '''
def build(x):
    def make_cell():
        cell = keras.layers.LSTMCell(4)
        cell = keras_rnn.DropoutWrapper(cell, output_keep_prob=0.9)
        return cell
    stack = keras.layers.StackedRNNCells([make_cell() for _ in range(2)])
    outputs, state = keras_rnn.dynamic_rnn(stack, x, dtype=tf.float32)
    return outputs

def main(data):
    x = tf.compat.v1.placeholder(tf.float32, [None, 3, 2])
    y = build(x)
    with tf.compat.v1.Session() as sess:
        print(sess.run(y, {x: data}))
'''
    out = _inlined(source)
    assert "def build(" not in out
    main = out[out.index("def main(data):"):]
    assert "    def make_cell():\n        cell = keras.layers.LSTMCell(4)" in main
    assert "stack = keras.layers.StackedRNNCells([make_cell() for _ in range(2)])" in main


def test_a_factory_that_wraps_its_cell_step_by_step_is_one_expression() -> None:
    from migrate.session_program.regions import factory_return

    module = cst.parse_module(HEADER + dedent('''
        def make_cell():
            cell = keras.layers.LSTMCell(4)
            cell = keras_rnn.DropoutWrapper(cell, output_keep_prob=0.9)
            return cell
    '''))
    function = module.body[-1]
    returned = factory_return(function, Resolver(module.code, lambda node: None))
    assert module.code_for_node(returned) == "keras_rnn.DropoutWrapper(keras.layers.LSTMCell(4), output_keep_prob=0.9)"
