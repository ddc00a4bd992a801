"""Hand-written symbol tables for the compat level (ARCHITECTURE.md: the codemod engine).

Every key is a canonical dotted name as an old script meant it (``tensorflow.<path>``, whatever
the import form); every target is a name that exists in the installed TensorFlow 2
(``tests/test_migrate_symbols.py`` imports each one). The ``tf.X`` -> ``tf.compat.v1.X`` renames
for names TensorFlow 2 dropped are generated: see ``symbols_generated.py``. Lookups are
longest-prefix: a key names a symbol or a whole module, and the rest of a dotted name is kept.
Entries that need more than a rename name a function in ``migrate/argument_fixes.py``.
"""

from __future__ import annotations

V1 = "tensorflow.compat.v1"
RNN_CELL = V1 + ".nn.rnn_cell"

# The classes of tf.compat.v1.nn.rnn_cell: the TF 1.x home of every older spelling of a cell.
RNN_CELL_CLASSES = (
    "BasicLSTMCell",
    "BasicRNNCell",
    "DeviceWrapper",
    "DropoutWrapper",
    "GRUCell",
    "LSTMCell",
    "LSTMStateTuple",
    "MultiRNNCell",
    "RNNCell",
    "ResidualWrapper",
)
# The static/dynamic drivers, all in tf.compat.v1.nn.
RNN_DRIVERS = (
    "bidirectional_dynamic_rnn",
    "dynamic_rnn",
    "raw_rnn",
    "static_bidirectional_rnn",
    "static_rnn",
    "static_state_saving_rnn",
)
# Modules that exported the cells over the years: TF 0.x (models.rnn, python.ops), TF 1.0-1.1
# (contrib.rnn's core_rnn_cell), TF 1.x (contrib.rnn). tf.nn.rnn_cell itself is generated.
CELL_MODULES = (
    "tensorflow.contrib.rnn",
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell",
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell_impl",
    "tensorflow.models.rnn.rnn_cell",
    "tensorflow.python.ops.rnn_cell",
    "tensorflow.python.ops.rnn_cell_impl",
)
DRIVER_MODULES = (
    "tensorflow.contrib.rnn",
    "tensorflow.contrib.rnn.python.ops.core_rnn",
    "tensorflow.models.rnn.rnn",
    "tensorflow.python.ops.rnn",
)

# Package trees that do not exist in TensorFlow 2 at all: importing anything from them fails.
LEGACY_PACKAGES = ("tensorflow.contrib", "tensorflow.models")

# Where an old module's members went, for an import or alias of the module itself whose
# uses do not say (an unused import, `rc = tf.contrib.rnn`). True when every member moved
# there, so an alias of the module can be redirected as a whole.
MODULE_HOMES = {
    "tensorflow.contrib.rnn": (V1 + ".nn", False),
    "tensorflow.contrib.rnn.python.ops.core_rnn": (V1 + ".nn", True),
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell": (RNN_CELL, True),
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell_impl": (RNN_CELL, True),
    "tensorflow.models.rnn": (V1 + ".nn", False),
    "tensorflow.models.rnn.rnn": (V1 + ".nn", True),
    "tensorflow.models.rnn.rnn_cell": (RNN_CELL, True),
    "tensorflow.python.ops.rnn": (V1 + ".nn", True),
    "tensorflow.python.ops.rnn_cell": (RNN_CELL, True),
    "tensorflow.python.ops.rnn_cell_impl": (RNN_CELL, True),
}

RENAMES = {
    # --- cells and drivers, from every old module to tf.compat.v1 ---
    **{f"{module}.{name}": f"{RNN_CELL}.{name}" for module in CELL_MODULES for name in RNN_CELL_CLASSES},
    **{f"{module}.{name}": f"{V1}.nn.{name}" for module in DRIVER_MODULES for name in RNN_DRIVERS},
    # The TF 0.x static driver was `rnn`, and the contrib fused/block cells compute the same
    # functions as the core cells with the same variable names (LSTMBlockCell) or the same
    # layout under other names (GRUBlockCell: TFM106).
    "tensorflow.nn.rnn": V1 + ".nn.static_rnn",
    "tensorflow.nn.bidirectional_rnn": V1 + ".nn.static_bidirectional_rnn",
    "tensorflow.nn.state_saving_rnn": V1 + ".nn.static_state_saving_rnn",
    "tensorflow.models.rnn.rnn.rnn": V1 + ".nn.static_rnn",
    "tensorflow.models.rnn.rnn.bidirectional_rnn": V1 + ".nn.static_bidirectional_rnn",
    "tensorflow.models.rnn.rnn.state_saving_rnn": V1 + ".nn.static_state_saving_rnn",
    "tensorflow.python.ops.rnn.rnn": V1 + ".nn.static_rnn",
    "tensorflow.python.ops.rnn.bidirectional_rnn": V1 + ".nn.static_bidirectional_rnn",
    "tensorflow.python.ops.rnn.state_saving_rnn": V1 + ".nn.static_state_saving_rnn",
    "tensorflow.contrib.rnn.LSTMBlockCell": RNN_CELL + ".LSTMCell",
    "tensorflow.contrib.rnn.GRUBlockCell": RNN_CELL + ".GRUCell",
    "tensorflow.contrib.rnn.GRUBlockCellV2": RNN_CELL + ".GRUCell",
    # --- TF 0.x names renamed in 1.0 ---
    "tensorflow.pack": "tensorflow.stack",
    "tensorflow.unpack": "tensorflow.unstack",
    "tensorflow.mul": "tensorflow.multiply",
    "tensorflow.sub": "tensorflow.subtract",
    "tensorflow.neg": "tensorflow.negative",
    # tf.select had TF1 `where` semantics (a rank-1 condition picks rows); v2's where broadcasts.
    "tensorflow.select": V1 + ".where",
    "tensorflow.batch_matmul": "tensorflow.linalg.matmul",
    "tensorflow.concat_v2": "tensorflow.concat",
    "tensorflow.split_v": "tensorflow.split",
    "tensorflow.complex_abs": "tensorflow.abs",
    "tensorflow.listdiff": V1 + ".setdiff1d",
    "tensorflow.initialize_all_variables": V1 + ".global_variables_initializer",
    "tensorflow.initialize_local_variables": V1 + ".local_variables_initializer",
    "tensorflow.initialize_variables": V1 + ".variables_initializer",
    "tensorflow.all_variables": V1 + ".global_variables",
    "tensorflow.scalar_summary": V1 + ".summary.scalar",
    "tensorflow.histogram_summary": V1 + ".summary.histogram",
    "tensorflow.image_summary": V1 + ".summary.image",
    "tensorflow.audio_summary": V1 + ".summary.audio",
    "tensorflow.merge_summary": V1 + ".summary.merge",
    "tensorflow.merge_all_summaries": V1 + ".summary.merge_all",
    "tensorflow.train.SummaryWriter": V1 + ".summary.FileWriter",
}

# Keyword arguments renamed along with (or without) the function, keyed like RENAMES.
KEYWORD_RENAMES = {
    "tensorflow.split": {"split_dim": "axis", "num_split": "num_or_size_splits"},
    "tensorflow.split_v": {"split_dim": "axis", "size_splits": "num_or_size_splits"},
    "tensorflow.concat": {"concat_dim": "axis"},
    "tensorflow.concat_v2": {"concat_dim": "axis"},
    "tensorflow.scalar_summary": {"tags": "name", "values": "tensor"},
    "tensorflow.histogram_summary": {"tag": "name"},
    "tensorflow.image_summary": {"tag": "name", "max_images": "max_outputs"},
    "tensorflow.audio_summary": {"tag": "name"},
    "tensorflow.batch_matmul": {"adj_x": "adjoint_a", "adj_y": "adjoint_b"},
    "tensorflow.nn.sigmoid_cross_entropy_with_logits": {"targets": "labels"},
    "tensorflow.contrib.rnn.LSTMBlockCell": {"use_peephole": "use_peepholes"},
    "tensorflow.contrib.rnn.GRUBlockCell": {"cell_size": "num_units"},
    "tensorflow.contrib.rnn.GRUBlockCellV2": {"cell_size": "num_units"},
}

# Keyword arguments that no longer exist and did nothing when they did: removed (TFM202).
_CELL_SPELLINGS = tuple(
    f"{module}.{name}"
    for module in (*CELL_MODULES, "tensorflow.nn.rnn_cell")
    for name in ("BasicLSTMCell", "BasicRNNCell", "GRUCell", "LSTMCell")
)
KEYWORDS_REMOVED = {
    name: {"input_size": "ignored by the cells since TensorFlow 0.10; removed in 1.0"}
    for name in _CELL_SPELLINGS
}

# Names TF2 changed (symbols_generated.CHANGED) whose v2 form computes the same thing for
# every TF1 call that fits v2's signature once these keywords are renamed. A call that does
# not fit (more positional arguments than the signatures share, a keyword v2 lacks) keeps
# TF1 semantics through tf.compat.v1 instead. Left out on purpose: cond and while_loop
# (v1 unpacks one-element outputs), nn.dropout (keep_prob vs rate), nn.embedding_lookup
# ("mod" vs "div" partitioning), nn.softmax_cross_entropy_with_logits (v2 backpropagates
# into labels), where (broadcasting), Variable, the summary and losses functions.
V2_DROP_INS = {
    **{
        name: {"keep_dims": "keepdims", "reduction_indices": "axis"}
        for name in (
            "reduce_all",
            "reduce_any",
            "reduce_logsumexp",
            "reduce_max",
            "reduce_mean",
            "reduce_min",
            "reduce_prod",
            "reduce_sum",
            "math.reduce_all",
            "math.reduce_any",
            "math.reduce_logsumexp",
            "math.reduce_max",
            "math.reduce_mean",
            "math.reduce_min",
            "math.reduce_prod",
            "math.reduce_sum",
        )
    },
    "argmax": {"dimension": "axis"},
    "argmin": {"dimension": "axis"},
    "math.argmax": {"dimension": "axis"},
    "math.argmin": {"dimension": "axis"},
    "expand_dims": {"dim": "axis"},
    "squeeze": {"squeeze_dims": "axis"},
    "shape": {},
    "size": {},
    "transpose": {},
    "zeros_like": {"tensor": "input"},
    "ones_like": {"tensor": "input"},
    "gather": {},
    # v1 also padded a short non-scalar value with its last element; v2 raises instead of
    # computing something else, so nothing changes silently.
    "constant": {},
    "name_scope": {},
    "gradients": {},
    "boolean_mask": {},
    "pad": {},
    "convert_to_tensor": {},
    "reverse_sequence": {"seq_dim": "seq_axis", "batch_dim": "batch_axis"},
    "norm": {"keep_dims": "keepdims"},
    "nn.softmax": {"dim": "axis"},
    "nn.log_softmax": {"dim": "axis"},
    "math.softmax": {"dim": "axis"},
    "math.log_softmax": {"dim": "axis"},
    "nn.moments": {"keep_dims": "keepdims"},
    "nn.sparse_softmax_cross_entropy_with_logits": {},
    "nn.sigmoid_cross_entropy_with_logits": {},
}

# Call sites whose arguments need more than keyword renames; value: a function in
# migrate/argument_fixes.py that rewrites the argument list.
ARGUMENT_FIXES = {
    "tensorflow.split": "old_split_order",
    "tensorflow.concat": "old_concat_order",
    "tensorflow.nn.softmax_cross_entropy_with_logits": "logits_labels_keywords",
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits": "logits_labels_keywords",
    "tensorflow.nn.sigmoid_cross_entropy_with_logits": "logits_labels_keywords",
    "tensorflow.batch_matmul": "adjoint_keywords",
}

# Call sites replaced as a whole (function and arguments) by a function in
# migrate/argument_fixes.py; when it cannot, the site is a TFM101 finding with the NO_HOME
# suggestion for the name.
CALL_REWRITES = {
    "tensorflow.contrib.layers.fully_connected": "fully_connected_to_dense",
    "tensorflow.contrib.layers.linear": "linear_to_dense",
    "tensorflow.contrib.layers.xavier_initializer": "xavier_to_glorot",
}

_SEQ2SEQ_GONE = (
    "legacy_seq2seq was removed in TensorFlow 2 and tf.compat.v1 has no copy of it; "
    "port the call by hand (the keras level converts sequence_loss_by_example, rnn_decoder and "
    "basic_rnn_seq2seq)"
)
_SEQUENCE_LOSS = (
    "per-step tf.nn.sparse_softmax_cross_entropy_with_logits(labels=t, logits=l) times the "
    "weight, summed over steps and divided by the summed weights (average_across_timesteps)"
)

# Flags that absl.logging and absl.app define themselves (absl 2.x; read off
# `sorted(absl.flags.FLAGS)` after importing both). TF >= 1.5 parses tf.app.flags with absl, so a
# script defining one of these fails with DuplicateFlagError before it starts.
ABSL_OWN_FLAGS = frozenset({
    "alsologtostderr", "log_dir", "logger_levels", "logtostderr", "only_check_args", "pdb",
    "pdb_post_mortem", "profile_file", "run_with_pdb", "run_with_profiling", "showprefixforinfo",
    "stderrthreshold", "use_cprofile_for_profiling", "v", "verbosity",
})
FLAG_MODULES = ("tensorflow.app.flags", "tensorflow.flags")

# Old names with no TF2 home; value: the suggested replacement (the finding's fix text).
NO_HOME = {
    "tensorflow.estimator": (
        "tf.estimator was removed from TensorFlow in 2.16 and tf.compat.v1 has no copy: port the "
        "model_fn to a Keras model and a training loop by hand"
    ),
    # Members of the old cell/driver modules that RENAMES does not move (private helpers
    # such as _linear, contrib-only cells).
    **{
        module: f"not in {home}: no TF2 home; port this use by hand"
        for module, (home, _) in MODULE_HOMES.items()
    },
    "tensorflow.contrib": "tf.contrib was removed in TensorFlow 2; port this use by hand",
    "tensorflow.contrib.rnn": (
        "not in tf.compat.v1.nn.rnn_cell: no TF2 home; port the cell by hand "
        "(tf2_port has Keras cells for the common ones)"
    ),
    "tensorflow.contrib.rnn.stack_bidirectional_dynamic_rnn": (
        "no TF2 home: call tf.compat.v1.nn.bidirectional_dynamic_rnn once per layer, feeding "
        "tf.concat(outputs, 2) of one layer to the next (what the contrib function did)"
    ),
    "tensorflow.contrib.rnn.stack_bidirectional_rnn": (
        "no TF2 home: call tf.compat.v1.nn.static_bidirectional_rnn once per layer, feeding "
        "each layer's outputs to the next (what the contrib function did)"
    ),
    "tensorflow.contrib.rnn.LayerNormBasicLSTMCell": (
        "no TF2 home: a Keras LSTM cell with LayerNormalization on the gates, ported by hand"
    ),
    "tensorflow.contrib.rnn.LSTMBlockFusedCell": (
        "tf.compat.v1.nn.dynamic_rnn(tf.compat.v1.nn.rnn_cell.LSTMCell(num_units), inputs, "
        "time_major=True) computes the same function"
    ),
    "tensorflow.contrib.cudnn_rnn": (
        "no tf.compat.v1 home: keras.layers.LSTM / GRU use cuDNN kernels (the keras level "
        "converts; old checkpoints via tf1-migrate convert-checkpoint)"
    ),
    "tensorflow.contrib.legacy_seq2seq": _SEQ2SEQ_GONE,
    "tensorflow.contrib.legacy_seq2seq.sequence_loss_by_example": _SEQUENCE_LOSS,
    "tensorflow.contrib.legacy_seq2seq.sequence_loss": _SEQUENCE_LOSS + ", averaged over the batch",
    "tensorflow.contrib.legacy_seq2seq.rnn_decoder": (
        "a Python loop over the decoder inputs calling the cell (with "
        "tf.compat.v1.get_variable_scope().reuse_variables() after the first step)"
    ),
    "tensorflow.nn.seq2seq": _SEQ2SEQ_GONE,
    "tensorflow.models.rnn.seq2seq": _SEQ2SEQ_GONE,
    "tensorflow.contrib.seq2seq": (
        "tf.contrib.seq2seq moved to TensorFlow Addons, which is discontinued; port by hand"
    ),
    "tensorflow.contrib.seq2seq.sequence_loss": (
        "tf.compat.v1.losses.sparse_softmax_cross_entropy(targets, logits, weights) computes "
        "the same mean when the weights are a mask"
    ),
    "tensorflow.contrib.learn": (
        "tf.contrib.learn has no faithful TF2 form: rewrite the estimator or input code with "
        "tf.data and Keras by hand"
    ),
    "tensorflow.contrib.layers": "tf.contrib.layers has no TF2 home; port by hand",
    "tensorflow.contrib.layers.embed_sequence": (
        "tf.nn.embedding_lookup(tf.compat.v1.get_variable('EmbedSequence/embeddings', "
        "[vocab_size, embed_dim]), ids) (the keras level converts this call)"
    ),
    "tensorflow.contrib.learn.run_n": (
        "a tf.compat.v1.Session that runs the variable initializers, then "
        "session.run(output_dict, feed_dict) n times (the keras level converts this call)"
    ),
    "tensorflow.contrib.layers.fully_connected": (
        "tf.compat.v1.layers.dense(inputs, units, activation=tf.nn.relu, ...) "
        "(fully_connected's default activation is relu)"
    ),
    "tensorflow.contrib.layers.linear": "tf.compat.v1.layers.dense(inputs, units)",
    "tensorflow.contrib.layers.xavier_initializer": (
        "tf.compat.v1.glorot_uniform_initializer() (uniform=True) or "
        "tf.compat.v1.glorot_normal_initializer() (uniform=False)"
    ),
    "tensorflow.contrib.layers.optimize_loss": (
        "tf.compat.v1.train.<Optimizer>(learning_rate).apply_gradients(...) after "
        "tf.clip_by_global_norm on compute_gradients(loss) (what optimize_loss did)"
    ),
    "tensorflow.contrib.slim": "tf.contrib.slim has no TF2 home (tf_slim is a separate package)",
    "tensorflow.models": "tensorflow.models was removed in TensorFlow 1.0; port this use by hand",
    # TF 0.x wrappers that never reached tf.nn.rnn_cell in 1.x.
    "tensorflow.nn.rnn_cell.EmbeddingWrapper": "an embedding lookup before the cell, by hand",
    "tensorflow.nn.rnn_cell.InputProjectionWrapper": "a dense layer before the cell, by hand",
    "tensorflow.nn.rnn_cell.OutputProjectionWrapper": "a dense layer after the cell, by hand",
}

# Uses of these (canonical) names mean the module builds a TF1 graph, which TF2 can only do
# with eager execution off.
GRAPH_BUILDERS = frozenset(
    {
        "tensorflow.placeholder",
        "tensorflow.placeholder_with_default",
        "tensorflow.sparse_placeholder",
        "tensorflow.Session",
        "tensorflow.InteractiveSession",
        "tensorflow.get_variable",
        "tensorflow.variable_scope",
        "tensorflow.global_variables_initializer",
        "tensorflow.local_variables_initializer",
        "tensorflow.initialize_all_variables",
        "tensorflow.initialize_local_variables",
        "tensorflow.train.Saver",
        "tensorflow.get_default_graph",
        "tensorflow.reset_default_graph",
        "tensorflow.Graph",
    }
)
# Graph runners gone from TF2 (a Session under the hood; WildML's notebooks use run_n): a
# module calling them built a TF1 graph too (the keras level converts run_n).
GONE_GRAPH_BUILDERS = frozenset({"tensorflow.contrib.learn.run_n", "tensorflow.contrib.learn.run_feeds"})
# Calls that already turn eager execution off.
EAGER_SWITCHES = frozenset(
    {"tensorflow.disable_eager_execution", "tensorflow.disable_v2_behavior"}
)

# tf.compat.v1 modules backed by tf_keras: they resolve only with TF_USE_LEGACY_KERAS=1.
LEGACY_KERAS_MODULES = (RNN_CELL, V1 + ".layers")
LEGACY_KERAS_VARIABLE = "TF_USE_LEGACY_KERAS"
LEGACY_KERAS_COMMENT = (
    "# tf.compat.v1.nn.rnn_cell needs tf_keras on TF >= 2.16; the keras level removes this."
)

# Final names (after renaming) of the cell classes one layer of a stack is built from, and of
# the stack, for untie_cells.
CELL_CONSTRUCTORS = frozenset(
    f"{RNN_CELL}.{name}"
    for name in RNN_CELL_CLASSES
    if name not in ("LSTMStateTuple", "MultiRNNCell", "RNNCell")
)
MULTI_CELL = RNN_CELL + ".MultiRNNCell"
# Names a TF1 script gives the layer-count argument's axis; only these, or an int literal,
# make an old `tf.split(dim, n, x)` / `tf.concat(dim, values)` order certain.
AXIS_NAMES = frozenset(
    {"axis", "dim", "concat_dim", "split_dim", "dimension", "time_axis", "seq_axis"}
)
