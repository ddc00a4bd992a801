"""What a rewrite returns: the new code and the findings about what it could not convert."""

from __future__ import annotations

import dataclasses

SEVERITIES = ("error", "warning", "info")

# Stable finding codes. The first digit groups them: 0 the file as a whole, 1 names and
# imports, 2 call arguments, 3 cell stacks, 4 inserted settings, 5 the keras level. Tests and the CLI's report
# key on these codes, so a code is never reused for a different meaning.
CODES = {
    "TFM001": ("error", "file could not be parsed"),
    "TFM002": ("info", "notebook magics were masked while rewriting"),
    "TFM101": ("error", "no TensorFlow 2 home"),
    "TFM102": ("warning", "module alias held in a variable"),
    "TFM103": ("warning", "name bound to different modules"),
    "TFM104": ("warning", "star import"),
    "TFM105": ("warning", "old module used as a value"),
    "TFM106": ("info", "converted with different checkpoint variable names"),
    "TFM201": ("warning", "ambiguous argument order"),
    "TFM202": ("info", "argument removed"),
    "TFM203": ("error", "call could not be converted"),
    "TFM204": ("error", "flag name that absl defines itself"),
    "TFM301": ("warning", "one cell object shared by several layers"),
    "TFM401": ("info", "legacy Keras (tf_keras) required"),
    "TFM501": ("info", "checkpoint variable names changed: convert old checkpoints"),
    "TFM502": ("info", "the file now imports tf2_port"),
    "TFM503": ("info", "fresh weights drawn by Keras initializers"),
    "TFM504": ("warning", "legacy Keras use the keras level cannot convert"),
    "TFM505": ("info", "cell class used as a value or called with run-time arguments: built by keras_rnn's TF1-signature constructor"),
    "TFM506": ("error", "cell chain left at the compat level: a value reaching it is not a convertible TF1 cell"),
    "TFM601": ("warning", "file kept at the keras level: the tf2 level cannot restructure it exactly"),
    "TFM602": ("info", "Session program restructured into TensorFlow 2 steps"),
    "TFM603": ("info", "the TensorFlow 2 program imports tf2_port for a TF1 cell wrapper Keras 3 lacks"),
    "TFM604": ("info", "the TensorFlow 2 program restores TF1 checkpoints through tf2_port.tf1_restore"),
    "TFM605": ("info", "the TensorFlow 2 program writes summaries: tf.summary.scalar / histogram need tensorboard"),
}


@dataclasses.dataclass(frozen=True)
class Finding:
    """One site that a level did not (or could not fully) convert."""

    code: str
    path: str
    line: int
    col: int
    severity: str
    message: str
    suggestion: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"Finding.severity: expected one of {SEVERITIES}, got {self.severity!r}"
            )
        if self.code not in CODES:
            raise ValueError(f"Finding.code: expected one of {sorted(CODES)}, got {self.code!r}")

    def format(self) -> str:
        """``path:line:col: CODE severity: message`` plus the suggestion, one line each."""
        text = f"{self.path}:{self.line}:{self.col}: {self.code} {self.severity}: {self.message}"
        return f"{text}\n    fix: {self.suggestion}" if self.suggestion else text


@dataclasses.dataclass(frozen=True)
class RewriteResult:
    """The outcome of :func:`migrate.rewrite_source` for one file."""

    code: str
    changed: bool
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    # The tf2 level only: the step functions it wrote (in order) and, per weight of the new
    # program, (the TF1 variable name or RNN driver scope, the expression that holds it now).
    steps: tuple[str, ...] = ()
    tf1_weights: tuple[tuple[str, str], ...] = ()
