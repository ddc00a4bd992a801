"""Helpers for the TF1 fixture corpus (tests/fixtures/tf1_scripts): its manifest, and running
a (rewritten) corpus script in a subprocess and judging whether it trained.

Every runnable corpus script honours the same two conventions:
- ``TF1M_SMOKE=1`` in the environment shrinks it (small hidden sizes, 100-300 steps);
- it prints its training loss once per step as a stdout line ``loss: <float>``.

``run_script`` relies on both. It never sets ``TF_USE_LEGACY_KERAS`` itself: a rewritten
script has to enable legacy Keras on its own (the compat level inserts that), so the
variable is removed from the inherited environment unless ``env_extra`` sets it.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import dataclasses
import functools
import json
import math
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO / "tests" / "fixtures" / "tf1_scripts"
# Hallström's TF 0.12 echo script is the demo's bundled default (shipped in the wheel); the corpus
# reads that one copy where it lives rather than keeping a copy or a link of its own.
HALLSTROM_SCRIPT = REPO / "tf1_reference" / "data" / "hallstrom_echo_tf1.py"

# What a corpus file is for; decides which checks the tests apply to it.
RUNS = "runs"  # self-contained; rewritten at compat it must run and train
RUNS_AFTER_KERAS = "runs-after-keras"  # self-contained, but compat leaves a TFM101 error on purpose
FINDING_ONLY = "finding-only"  # realistic, but can never run here (GPU build, contrib.learn...)
UNPARSEABLE = "unparseable"  # Python 2 or a syntax error: returned unchanged with TFM001
NOTEBOOK = "notebook"  # notebook export: magics masked and restored (TFM002); not run
NO_TENSORFLOW = "no-tensorflow"  # must come back byte-identical

KINDS = (RUNS, RUNS_AFTER_KERAS, FINDING_ONLY, UNPARSEABLE, NOTEBOOK, NO_TENSORFLOW)


@dataclasses.dataclass(frozen=True)
class CorpusScript:
    """One fixture file and what the compat level must do with it."""

    name: str
    kind: str
    # Finding codes the compat rewrite must report (a subset of what it reports).
    compat_findings: tuple[str, ...] = ()
    # Substrings that must each occur in some finding message (the symbols a finding names).
    finding_mentions: tuple[str, ...] = ()
    # For UNPARSEABLE: the 1-based line the parse error must point at (None: not checked).
    error_line: int | None = None
    # Where the file is, when the project keeps it outside the corpus folder.
    folder: pathlib.Path = CORPUS_DIR

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"CorpusScript.kind: expected one of {KINDS}, got {self.kind!r}")

    @property
    def path(self) -> pathlib.Path:
        return self.folder / self.name

    @property
    def runnable(self) -> bool:
        """A complete TF1 program that trains once its migration is complete."""
        return self.kind in (RUNS, RUNS_AFTER_KERAS)


# The manifest. tests/fixtures/tf1_scripts/README.md says what each file covers; the tests
# check that the directory, this table and the README list the same files.
CORPUS = (
    CorpusScript(HALLSTROM_SCRIPT.name, RUNS, folder=HALLSTROM_SCRIPT.parent),
    CorpusScript("packed_state_echo_dynamic.py", RUNS),
    CorpusScript("packed_state_static_contrib_alias.py", RUNS),
    CorpusScript("char_lm_deep_lstm_time_major.py", RUNS),
    CorpusScript("char_lm_gru_shared_cell.py", RUNS, ("TFM106",)),
    CorpusScript("course_language_model_dropout.py", RUNS),
    CorpusScript("sequence_classifier_keep_prob_placeholder.py", RUNS),
    CorpusScript("flat_state_sine_rnn_cell_module.py", RUNS),
    CorpusScript("tf06_models_rnn_delayed_digits.py", RUNS),
    CorpusScript("bidirectional_tagger_lengths.py", RUNS),
    CorpusScript("bidirectional_gru_classifier_old_concat.py", RUNS),
    CorpusScript("peephole_projection_frames.py", RUNS, ("TFM106",)),
    CorpusScript("residual_gru_running_mean.py", RUNS),
    CorpusScript("relu_rnn_counter_static.py", RUNS),
    CorpusScript("star_import_adding_problem.py", RUNS),
    CorpusScript("alias_T_gru_first_symbol.py", RUNS),
    CorpusScript("compat_v1_partial_xor.py", RUNS),
    CorpusScript("module_variable_alias_fibonacci.py", RUNS, ("TFM102",), ("rc",)),
    CorpusScript("core_rnn_cell_state_placeholders.py", RUNS),
    CorpusScript("manual_unroll_gru_repeat_detector.py", RUNS),
    CorpusScript("tab_indented_last_symbol_tracker.py", RUNS),
    CorpusScript("crlf_running_max_lstm.py", RUNS),
    # legacy_seq2seq / tf.nn.seq2seq / contrib.seq2seq / optimize_loss have no tf.compat.v1
    # home; the keras level converts them, so compat reports them instead.
    CorpusScript(
        "word_lm_manual_unroll_legacy_seq2seq.py",
        RUNS_AFTER_KERAS,
        ("TFM101",),
        ("legacy_seq2seq.sequence_loss_by_example",),
    ),
    CorpusScript(
        "char_rnn_legacy_seq2seq_decoder.py",
        RUNS_AFTER_KERAS,
        ("TFM101",),
        ("legacy_seq2seq.rnn_decoder", "legacy_seq2seq.sequence_loss_by_example"),
    ),
    CorpusScript(
        "tf010_nn_seq2seq_reverse.py",
        RUNS_AFTER_KERAS,
        ("TFM101",),
        ("seq2seq.rnn_decoder", "seq2seq.sequence_loss_by_example"),
    ),
    CorpusScript(
        "char_rnn_contrib_seq2seq_loss.py",
        RUNS_AFTER_KERAS,
        ("TFM101", "TFM106"),
        ("contrib.seq2seq.sequence_loss", "optimize_loss"),
    ),
    CorpusScript("layer_norm_lstm_finding.py", FINDING_ONLY, ("TFM101",), ("LayerNormBasicLSTMCell",)),
    CorpusScript("cudnn_lstm_finding.py", FINDING_ONLY, ("TFM101",), ("CudnnLSTM",)),
    CorpusScript(
        "contrib_learn_estimator_finding.py",
        FINDING_ONLY,
        ("TFM101",),
        ("contrib.learn", "optimize_loss"),
    ),
    CorpusScript("python2_char_rnn_print_statements.py", UNPARSEABLE, ("TFM001",), ("Python 2",)),
    CorpusScript("python2_sentiment_dropout.py", UNPARSEABLE, ("TFM001",), ("Python 2",)),
    CorpusScript("syntax_error_unclosed_call.py", UNPARSEABLE, ("TFM001",), error_line=14),
    CorpusScript("notebook_export_stacked_lstm.py", NOTEBOOK, ("TFM002",)),
    CorpusScript("no_tensorflow_numpy_rnn.py", NO_TENSORFLOW),
)
BY_NAME = {script.name: script for script in CORPUS}


def scripts(*kinds: str) -> list[CorpusScript]:
    """The manifest entries of the given kinds (all of them when none is given)."""
    return [script for script in CORPUS if not kinds or script.kind in kinds]


@functools.lru_cache(maxsize=None)
def keras_level_rewrites() -> dict:
    """{path: rewrite_source(source, "keras")} for :func:`every_tf1_script`, computed once per
    test process (two agreement tests compare it with other ways of rewriting)."""
    from migrate import rewrite_source

    return {str(path): rewrite_source(read_any_source(path), level="keras") for path in every_tf1_script()}


def read_any_source(path: pathlib.Path) -> str:
    """A script's text, undecodable bytes kept as surrogates (the Python 2 fixtures)."""
    return path.read_text(encoding="utf-8", errors="surrogateescape")


def every_tf1_script() -> list[pathlib.Path]:
    """Every TF1 script the repository holds as rewrite input: the corpus, the keras-level proof
    fixtures and the examples' ``before.py`` files (for checks that two ways of rewriting agree)."""
    return sorted([
        *(script.path for script in CORPUS),
        *(REPO / "tests" / "fixtures" / "keras_level").glob("*.py"),
        *(REPO / "examples").glob("*/before.py"),
    ])


def read_source(path: pathlib.Path) -> str:
    """The file as ``rewrite_source`` wants it: text with its own line endings untouched."""
    return path.read_bytes().decode("utf-8")


def write_source(path: pathlib.Path, code: str) -> pathlib.Path:
    # Bytes, so CRLF survives exactly as the rewrite returned it (no newline translation).
    path.write_bytes(code.encode("utf-8"))
    return path


# --- running a script -------------------------------------------------------------------

DEFAULT_TIMEOUT = 240  # seconds; a smoke run takes ~10 s alone, ~20 s two at a time on 2 cores

_LOSS_LINE = re.compile(r"^loss: (\S+)\s*$")

# A sitecustomize module that makes `import tf_keras` fail as if it were not installed. The
# keras level must produce scripts that never touch tf_keras; this proves they do not.
_BLOCK_TF_KERAS = '''\
"""tf1-migrate test harness: tf_keras is blocked in this interpreter."""
import sys


class _BlockTfKeras:
    def find_spec(self, name, path=None, target=None):
        if name == "tf_keras" or name.startswith("tf_keras."):
            raise ModuleNotFoundError(
                "No module named %r (blocked by the tf1-migrate corpus harness)" % name,
                name=name)
        return None


sys.meta_path.insert(0, _BlockTfKeras())
'''
_block_dir: pathlib.Path | None = None


def block_tf_keras_dir() -> pathlib.Path:
    """A directory holding the blocking ``sitecustomize.py`` (created once per process)."""
    global _block_dir
    if _block_dir is None:
        _block_dir = pathlib.Path(tempfile.mkdtemp(prefix="tf1m-block-tf-keras-"))
        atexit.register(shutil.rmtree, _block_dir, ignore_errors=True)
        (_block_dir / "sitecustomize.py").write_text(_BLOCK_TF_KERAS)
    return _block_dir


def script_env(env_extra: dict[str, str] | None = None, *, block_tf_keras: bool = False) -> dict[str, str]:
    """The environment a corpus script runs in (see the module docstring)."""
    env = dict(os.environ)
    env.pop("TF_USE_LEGACY_KERAS", None)
    env.update(
        TF1M_SMOKE="1",
        TF_CPP_MIN_LOG_LEVEL="3",
        CUDA_VISIBLE_DEVICES="",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
    )
    if block_tf_keras:
        previous = env.get("PYTHONPATH")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(block_tf_keras_dir())] + ([previous] if previous else [])
        )
    if env_extra:
        env.update(env_extra)
    return env


def run_script(
    path: os.PathLike | str,
    env_extra: dict[str, str] | None = None,
    *,
    block_tf_keras: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[int, list[float], str, str]:
    """Run one script in smoke mode; return ``(returncode, losses, stdout, stderr)``.

    Runs with this interpreter, in a fresh temporary working directory (some scripts write
    checkpoints or summaries). A timeout is reported as return code -9 with a note at the
    end of stderr rather than raised, so callers show it like any other failure.
    """
    path = pathlib.Path(path).resolve()
    env = script_env(env_extra, block_tf_keras=block_tf_keras)
    with tempfile.TemporaryDirectory(prefix="tf1m-run-") as cwd:
        try:
            proc = subprocess.run(
                [sys.executable, str(path)],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as expired:
            stdout = _text(expired.stdout)
            stderr = _text(expired.stderr) + f"\n[run_script] TIMEOUT after {timeout:.0f} s\n"
            return -9, parse_losses(stdout), stdout, stderr
    return proc.returncode, parse_losses(proc.stdout), proc.stdout, proc.stderr


ONE_PROCESS_RUNNER = REPO / "tests" / "scripts" / "run_scripts_in_one_process.py"


def run_scripts_in_one_process(
    paths: list[os.PathLike | str],
    env_extra: dict[str, str] | None = None,
    *,
    block_tf_keras: bool = False,
    timeout: float = 900,
) -> dict[str, tuple[str | None, list[float], str]]:
    """Run scripts one after the other in ONE subprocess (one TensorFlow start-up).

    Returns ``{path: (error or None, losses, stdout)}``; a script missing from the runner's
    output (the process died or timed out) gets the process's stderr as its error.
    """
    paths = [str(pathlib.Path(path).resolve()) for path in paths]
    env = script_env(env_extra, block_tf_keras=block_tf_keras)
    try:
        proc = subprocess.run(
            [sys.executable, str(ONE_PROCESS_RUNNER), *paths], env=env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=timeout,
        )
        stdout, stderr = proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as expired:
        stdout = _text(expired.stdout)
        stderr = _text(expired.stderr) + f"\n[run_scripts_in_one_process] TIMEOUT after {timeout:.0f} s\n"
    results = {}
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            record = json.loads(line[len("RESULT "):])
            results[record["path"]] = (record["error"], parse_losses(record["stdout"]), record["stdout"])
    for path in paths:
        results.setdefault(path, (f"not run: the runner process ended early\n{tail(stderr)}", [], ""))
    return results


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def run_scripts_in_parallel_processes(paths, jobs: int | None = None, **kwargs) -> dict[str, tuple]:
    """:func:`run_scripts_in_one_process` over ``jobs`` processes side by side (default 2, or
    ``TF1M_CORPUS_JOBS``); results keyed by file name."""
    if jobs is None:
        jobs = int(os.environ.get("TF1M_CORPUS_JOBS", "0")) or min(2, os.cpu_count() or 1)
    shares = [list(paths)[index::jobs] for index in range(jobs)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_scripts_in_one_process, share, **kwargs) for share in shares if share]
        results = {}
        for future in futures:
            results.update(future.result())
    return {pathlib.Path(path).name: record for path, record in results.items()}


# --- judging a run ----------------------------------------------------------------------


def parse_losses(stdout: str) -> list[float]:
    """The values of every ``loss: <float>`` line, in order (other lines are ignored)."""
    losses = []
    for line in stdout.splitlines():
        match = _LOSS_LINE.match(line)
        if match:
            try:
                losses.append(float(match.group(1)))
            except ValueError:
                continue
    return losses


MIN_STEPS = 50


def assert_trains(losses: list[float], *, min_drop: float = 0.2) -> None:
    """Fail unless the loss went down: mean of the last window <= (1 - min_drop) * the first.

    Windows: the first and the last 10% of the steps, at least 5 steps each. A smoke run
    has 100-300 steps, so a window holds 10-30 single-minibatch losses. One minibatch loss
    is noisy (random batches, dropout); a mean over 10+ of them is several times steadier,
    and the first window is still the (nearly) untrained model while the last is the end of
    training. A script whose recurrent core does not learn ends with last/first near 1, or
    at best near 0.86-0.89 on the character models (unigram entropy over log(vocab): all an
    output bias can learn there). The corpus
    tasks and smoke sizes were tuned so that a correct migration ends between 0.001 and
    ~0.6 (repeated runs of hand-migrated copies, run-to-run spread included), so a 20% drop
    separates the two with margin on both sides.
    """
    assert len(losses) >= MIN_STEPS, f"expected at least {MIN_STEPS} 'loss:' lines, got {len(losses)}"
    bad = [value for value in losses if not math.isfinite(value)]
    assert not bad, f"non-finite losses: {bad[:5]} (first at step {losses.index(bad[0])})"
    window = max(5, len(losses) // 10)
    first = sum(losses[:window]) / window
    last = sum(losses[-window:]) / window
    assert last <= (1.0 - min_drop) * first, (
        f"loss did not decrease by {min_drop:.0%}: mean of the first {window} steps {first:.5g}, "
        f"of the last {window} steps {last:.5g} (ratio {last / first:.3f}, {len(losses)} steps)"
    )


def tail(text: str, lines: int = 40) -> str:
    """The end of a long output, for assertion messages."""
    return "\n".join(text.splitlines()[-lines:])
