"""Load a port's .keras file on whatever KERAS_BACKEND says and compare with saved TF1 outputs.

Usage: run_keras_file.py MODEL.keras IO.npz   (IO.npz: inputs, lengths, expected, arr_0.. states)
Prints one JSON line: backend, max |diff| of the outputs, whether tf_keras was imported, and
the TF_USE_LEGACY_KERAS value this process saw.
"""

import json
import os
import sys

import keras
import numpy as np

import tf2_port.checkpoint  # noqa: F401  (registers StackPort and the cells its .keras files name)


def main(model_path, io_path):
    model = keras.saving.load_model(model_path)
    data = np.load(io_path)
    states = [data[f"arr_{i}"] for i in range(len(data.files) - 3)]
    outputs = model(data["inputs"], initial_state=states, sequence_length=data["lengths"])[0]
    max_diff = float(np.max(np.abs(keras.ops.convert_to_numpy(outputs) - data["expected"])))
    print(json.dumps({"backend": keras.backend.backend(), "max_diff": max_diff,
                      "tf_keras_loaded": "tf_keras" in sys.modules,
                      "legacy_keras_flag": os.environ.get("TF_USE_LEGACY_KERAS")}))


if __name__ == "__main__":
    main(*sys.argv[1:])
