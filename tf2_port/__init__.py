"""The Keras 3 side of tf1-migrate: cells Keras lacks, port builders, state helpers, conversion.

Never imports ``tf_keras`` or ``tf.compat.v1.nn.rnn_cell``; uses ``import keras``
(Keras 3). Importing the package registers the custom layers, so
``keras.saving.load_model`` can read ``.keras`` files written by the port.
"""

from tf2_port import checkpoint  # registers CudnnGRUStackPort for .keras loading
from tf2_port.build import StackPort, fast_form_supported, make_cell
from tf2_port.cells import DropoutWrapperCell, ResidualCell, TF1LSTMCell
from tf2_port.state import (
    LSTMStateTuple,
    keras_state_to_tf1,
    pack_keras_h_c_to_layers_c_h,
    tf1_state_to_keras,
    unpack_layers_c_h_to_keras_h_c,
)

__all__ = [
    "DropoutWrapperCell", "LSTMStateTuple", "ResidualCell", "StackPort", "TF1LSTMCell",
    "fast_form_supported", "keras_state_to_tf1", "make_cell", "pack_keras_h_c_to_layers_c_h",
    "tf1_state_to_keras", "unpack_layers_c_h_to_keras_h_c",
]
