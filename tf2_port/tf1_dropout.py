"""TF1's ``DropoutWrapper`` rule on a Keras 3 cell: ``TF1DropoutWrapper``.

:class:`tf2_port.cells.DropoutWrapperCell` drops as TF1 did (a mask per step, variational masks,
an LSTM's h but never its c) but only when Keras says ``training``. TF1 had no training flag:
its ``DropoutWrapper`` dropped whenever a keep probability was below 1, and the keep
probabilities could be tensors (a placeholder fed 0.5 while training and 1.0 at evaluation).
This class keeps that rule. The keras level's runtime (``keras_rnn.DropoutWrapper``) builds it,
and the tf2 level's output imports it by this name (it needs TensorFlow, which
:mod:`tf2_port.cells` does not import).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tf2_port.cells import DropoutWrapperCell


@keras.saving.register_keras_serializable(package="tf1_migrate")
class TF1DropoutWrapper(DropoutWrapperCell):
    """TF1 ``DropoutWrapper``: dropout whenever a keep probability is below 1, tensors allowed.

    :class:`~tf2_port.cells.DropoutWrapperCell` with TF1's run-time rule instead of Keras'
    ``training`` flag: keep probabilities may be Python numbers or scalar tensors (a fed
    placeholder), and the masks are applied on every call. A keep probability of 1 gives the
    identity exactly. Non-tensor keep probabilities of 1 skip the mask altogether.
    """

    @staticmethod
    def _keep_prob(name: str, value: Any) -> Any:
        if tf.is_tensor(value) or isinstance(value, tf.Variable):
            return value
        return DropoutWrapperCell._keep_prob(name, value)

    @staticmethod
    def _drops(keep_prob: Any) -> bool:
        # A tensor keep probability is only known when the graph runs: always apply the mask
        # (exactly the identity when the fed value is 1).
        return not isinstance(keep_prob, (int, float)) or keep_prob < 1.0

    def _dropout_on(self, training: Any) -> bool:
        return True  # TF1 had no training flag: the keep probabilities alone decide

    def _dropout(self, value: Any, keep_prob: Any, mask_name: str, masks: dict[str, Any] | None) -> Any:
        dropped = super()._dropout(value, keep_prob, mask_name, masks)
        # A mask drawn for a dynamic shape has an unknown static shape in a TF1 graph; the
        # cell that consumes the value needs its rank, which is the value's own.
        if hasattr(dropped, "set_shape") and hasattr(value, "shape"):
            dropped.set_shape(value.shape)
        return dropped

    def get_config(self) -> dict[str, Any]:
        tensors = [
            name for name in ("input_keep_prob", "output_keep_prob", "state_keep_prob")
            if not isinstance(getattr(self, name), (int, float))
        ]
        if tensors:
            raise ValueError(
                "TF1DropoutWrapper.get_config: expected numeric keep probabilities to serialize, "
                f"got tensors for {tensors}"
            )
        return super().get_config()
