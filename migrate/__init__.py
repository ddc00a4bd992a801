"""tf1-migrate's code side: libcst codemods that move TF1 RNN scripts to current TensorFlow.

    from migrate import rewrite_source
    result = rewrite_source(open("train.py").read(), level="keras", path="train.py")
    result.code, result.findings

``level="keras"`` (the default) moves the RNN parts to Keras 3; ``level="compat"`` makes the
smallest change that runs on current TensorFlow (legacy cells through ``tf_keras``).

Imports and runs without TensorFlow (libcst only); see ``api_contract.md``.
"""

from migrate.engine import rewrite_source
from migrate.findings import Finding, RewriteResult

__all__ = ["Finding", "RewriteResult", "rewrite_source"]
