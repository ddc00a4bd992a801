"""Tables of the keras level: which TF1 names become which Keras 3 / ``keras_rnn`` forms.

Keys are qualified names *after* the compat level, normalised by :func:`normalise`
(``tensorflow.compat.v1.X`` -> ``tensorflow.X``), so every import form and alias the compat
level leaves behind resolves to one key.
"""

from __future__ import annotations

# The module rewritten scripts import for TF1 call signatures on Keras 3 cells.
HELPER_MODULE = "tf2_port"
HELPER_NAME = "keras_rnn"

# TF1 cell class -> (Keras 3 class, family). Families pick the argument rules below.
CELLS = {
    "tensorflow.nn.rnn_cell.BasicLSTMCell": ("keras.layers.LSTMCell", "lstm"),
    "tensorflow.nn.rnn_cell.LSTMCell": ("keras.layers.LSTMCell", "lstm"),
    "tensorflow.nn.rnn_cell.GRUCell": ("keras.layers.GRUCell", "gru"),
    "tensorflow.nn.rnn_cell.BasicRNNCell": ("keras.layers.SimpleRNNCell", "rnn"),
    "tensorflow.nn.rnn_cell.MultiRNNCell": ("keras.layers.StackedRNNCells", "stack"),
}

# tf.keras cells a TF1 script may already use inside a TF1 driver: Keras cells, which the
# keras_rnn drivers run as they are (nothing to convert; they join a chain like a converted cell).
KERAS_CELLS = frozenset({
    "tensorflow.keras.layers.SimpleRNNCell",
    "tensorflow.keras.layers.GRUCell",
    "tensorflow.keras.layers.LSTMCell",
    "tensorflow.keras.layers.StackedRNNCells",
})

# TF1 signatures (positional order) of the cells, to read positional arguments by name.
CELL_PARAMETERS = {
    "tensorflow.nn.rnn_cell.BasicLSTMCell": (
        "num_units", "forget_bias", "state_is_tuple", "activation", "reuse", "name", "dtype",
    ),
    "tensorflow.nn.rnn_cell.LSTMCell": (
        "num_units", "use_peepholes", "cell_clip", "initializer", "num_proj", "proj_clip",
        "num_unit_shards", "num_proj_shards", "forget_bias", "state_is_tuple", "activation",
        "reuse", "name", "dtype",
    ),
    "tensorflow.nn.rnn_cell.GRUCell": (
        "num_units", "activation", "reuse", "kernel_initializer", "bias_initializer", "name", "dtype",
    ),
    "tensorflow.nn.rnn_cell.BasicRNNCell": ("num_units", "activation", "reuse", "name", "dtype"),
    "tensorflow.nn.rnn_cell.MultiRNNCell": ("cells", "state_is_tuple"),
}

# LSTM options stock Keras LSTMCell lacks: with any of them the tf2_port cell is used.
TF1_LSTM_OPTIONS = ("use_peepholes", "cell_clip", "num_proj", "proj_clip")
TF1_LSTM_CELL = "tf2_port.cells.TF1LSTMCell"

# Arguments that only steered TF1's variable handling or sharding: dropped, with a finding.
DROPPED_CELL_ARGUMENTS = {
    "reuse": "Keras layers own their weights: sharing follows the cell object, or a reusing variable scope",
    "num_unit_shards": "weight sharding across devices has no Keras equivalent and no effect on the math",
    "num_proj_shards": "weight sharding across devices has no Keras equivalent and no effect on the math",
}

# TF1 name -> the keras_rnn function or class with the same call signature.
HELPERS = {
    "tensorflow.nn.rnn_cell.DropoutWrapper": "DropoutWrapper",
    "tensorflow.nn.rnn_cell.ResidualWrapper": "ResidualWrapper",
    "tensorflow.nn.rnn_cell.LSTMStateTuple": "LSTMStateTuple",
    "tensorflow.nn.dynamic_rnn": "dynamic_rnn",
    "tensorflow.nn.static_rnn": "static_rnn",
    "tensorflow.nn.bidirectional_dynamic_rnn": "bidirectional_dynamic_rnn",
    "tensorflow.nn.static_bidirectional_rnn": "static_bidirectional_rnn",
    "tensorflow.contrib.rnn.stack_bidirectional_dynamic_rnn": "stack_bidirectional_dynamic_rnn",
    "tensorflow.contrib.legacy_seq2seq.rnn_decoder": "rnn_decoder",
    "tensorflow.nn.seq2seq.rnn_decoder": "rnn_decoder",
    "tensorflow.contrib.legacy_seq2seq.basic_rnn_seq2seq": "basic_rnn_seq2seq",
    "tensorflow.nn.seq2seq.basic_rnn_seq2seq": "basic_rnn_seq2seq",
    "tensorflow.contrib.layers.embed_sequence": "embed_sequence",
    "tensorflow.contrib.learn.run_n": "run_n",
    "tensorflow.contrib.legacy_seq2seq.sequence_loss_by_example": "sequence_loss_by_example",
    "tensorflow.nn.seq2seq.sequence_loss_by_example": "sequence_loss_by_example",
    "tensorflow.contrib.seq2seq.sequence_loss": "sequence_loss",
    "tensorflow.contrib.layers.optimize_loss": "optimize_loss",
    "tensorflow.layers.dense": "dense",
    "tensorflow.layers.dropout": "dropout",
}

# The keras_rnn helpers that take cells, and where: (keyword, position, is a list of cells).
# The keras level converts such a call only when every cell reaching these arguments converts.
DRIVER_CELL_ARGUMENTS = {
    "dynamic_rnn": (("cell", 0, False),),
    "static_rnn": (("cell", 0, False),),
    "bidirectional_dynamic_rnn": (("cell_fw", 0, False), ("cell_bw", 1, False)),
    "static_bidirectional_rnn": (("cell_fw", 0, False), ("cell_bw", 1, False)),
    "stack_bidirectional_dynamic_rnn": (("cells_fw", 0, True), ("cells_bw", 1, True)),
    "rnn_decoder": (("cell", 2, False),),
    "basic_rnn_seq2seq": (("cell", 2, False),),
}

# Cell helpers with no TensorFlow 2 home whose keras_rnn form also runs a TF1 cell exactly as
# TF1 did: a chain left at compat (TFM506) still has its call converted, or it could not run.
LEGACY_CELL_HELPERS = frozenset({"rnn_decoder"})

# Other tf.layers functions -> keras_rnn.functional_layer("<kind>", ...) (same arguments after
# the kind); keras_rnn.FUNCTIONAL_LAYERS names their Keras 3 classes. batch_normalization is not
# here on purpose: its moving-average updates ran through TF1's UPDATE_OPS collection, which
# Keras layers do not fill, so it stays legacy with a TFM504 finding.
FUNCTIONAL_LAYERS = frozenset(
    {"conv1d", "conv2d", "max_pooling1d", "max_pooling2d", "average_pooling1d", "average_pooling2d", "flatten"}
)

# The keras_rnn helpers that create RNN weights (through the cells they run): their files get
# the one checkpoint-names finding.
WEIGHT_CREATING_HELPERS = frozenset(
    {"dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "static_bidirectional_rnn", "rnn_decoder",
     "basic_rnn_seq2seq",
     "stack_bidirectional_dynamic_rnn"}
)

# Why a legacy name has no conversion, where there is more to say than "none exists".
UNCONVERTED_REASONS = {
    "tensorflow.layers.batch_normalization": (
        "its moving averages were updated through TF1's UPDATE_OPS collection, which Keras 3 "
        "layers do not fill"
    ),
}

# Modules whose remaining uses still need tf_keras; a use the level cannot convert is reported.
LEGACY_MODULES = ("tensorflow.nn.rnn_cell", "tensorflow.layers")

# Module aliases (`rc = tf.compat.v1.nn.rnn_cell`) the level resolves through.
ALIASABLE_MODULES = ("tensorflow.nn.rnn_cell", "tensorflow.layers", "tensorflow.nn")

# Cell methods whose TF1 form takes the cell first: `cell.zero_state(b, dtype)`.
CELL_METHODS = {"zero_state": "zero_state"}

# Cell attributes whose TF1 value has another structure in Keras: `cell.state_size` of a
# cell object bound to a name the module assigns a cell to.
CELL_PROPERTIES = {"state_size": "state_size"}

# Import paths the level's conversions leave unused; their imports are removed once unused.
CONVERTED_MODULES = (
    "tensorflow.compat.v1.nn.rnn_cell",
    "tensorflow.compat.v1.nn",
    "tensorflow.compat.v1.layers",
    "tensorflow.contrib",
    "tensorflow.nn.rnn_cell",
    "tensorflow.nn.seq2seq",
)

# Compat findings (TFM101) about names this level converts: dropped from the keras report.
CONVERTED_WITHOUT_HOME = tuple(name for name in HELPERS if ".contrib." in name or ".seq2seq." in name)
