"""tf1-migrate's code side: libcst codemods that move TF1 RNN scripts to current TensorFlow.

    from migrate import rewrite_source
    result = rewrite_source(open("train.py").read(), level="compat", path="train.py")
    result.code, result.findings

Imports and runs without TensorFlow (libcst only); see ``api_contract.md``.
"""

from migrate.engine import rewrite_source
from migrate.findings import Finding, RewriteResult

__all__ = ["Finding", "RewriteResult", "rewrite_source"]
