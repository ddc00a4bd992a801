"""Train a port on 1 device and under MirroredStrategy over 2 logical CPUs; print both loss curves.

Run in its own process: logical devices must be configured before TensorFlow
initializes, and the test process has long since done that.
"""

import json
import sys

import numpy as np
import tensorflow as tf

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()],
)

import keras  # noqa: E402

from tf1_reference.spec import DropoutSpec, LayerSpec, StackSpec  # noqa: E402
from tf2_port.build import StackPort  # noqa: E402

SPEC = StackSpec(layers=(LayerSpec("lstm", 8, use_peepholes=True), LayerSpec("gru", 6)),
                 batch_size=8, time_steps=7, input_size=3)


def build_model():
    inputs = keras.Input((SPEC.time_steps, SPEC.input_size))
    sequence = StackPort(SPEC)(inputs)[0]
    outputs = keras.layers.Dense(2)(sequence)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def train(weights, x, y):
    model = build_model()
    model.set_weights(weights)
    history = model.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0)
    variable_type = type(model.trainable_weights[0].value).__name__
    return history.history["loss"], variable_type, [w.tolist() for w in model.get_weights()[:1]]


def main():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (32, SPEC.time_steps, SPEC.input_size)).astype(np.float32)
    y = rng.uniform(-1, 1, (32, SPEC.time_steps, 2)).astype(np.float32)
    keras.utils.set_random_seed(0)
    weights = build_model().get_weights()
    single, single_type, single_weights = train(weights, x, y)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        mirrored, mirrored_type, mirrored_weights = train(weights, x, y)
    weight_diff = float(np.max(np.abs(np.array(single_weights) - np.array(mirrored_weights))))
    json.dump({"replicas": strategy.num_replicas_in_sync, "single": single, "mirrored": mirrored,
               "variable_types": [single_type, mirrored_type], "trained_weight_max_diff": weight_diff}, sys.stdout)


if __name__ == "__main__":
    main()
