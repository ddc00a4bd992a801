"""The side-by-side examples, for reading: list them, show one in two columns, write one HTML page.

    list_examples()                -> [ExampleInfo, ...]
    render_pair("cell_zoo")        -> str: TF1 left, Keras 3 right, highlighted, lines aligned
    write_html("examples.html")    -> one self-contained static page with every pair

Pure Python (rich, pygments): no TensorFlow import, like the rest of ``migrate``. The measured
figures come from ``examples/results.json``, written by ``python examples/measure.py``. An
installed wheel carries ``examples/`` as the package ``migrate._bundled_examples`` (setup.py).

Alignment. Each side marks its steps with comment lines ``# [name] ...`` (``# [cells]``,
``# [weights]``, ``# [forward]``...). The two lists of step names are matched with difflib
(longest common subsequence, so a step present on one side only — ``# [weights]`` has no TF1
counterpart — sits opposite blank space), and each matched pair of steps starts on the same row.
Inside a pair of steps the lines are aligned with difflib too: identical lines (imports,
the untouched parts of a rewritten script) share a row, the rest is top-aligned. Files without
markers are aligned by the same line-level difflib pass over the whole file.
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import importlib.resources
import io
import json
import re
from pathlib import Path
from typing import Optional, Sequence

from pygments.lexers import PythonLexer
from pygments.styles import get_style_by_name
from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

# The wheel carries the repository's examples/ folder as this package (setup.py maps it);
# an editable install maps the same name onto examples/ itself.
BUNDLED_EXAMPLES_PACKAGE = "migrate._bundled_examples"
SOURCE_TREE_EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


def _examples_dir() -> Path:
    """The installed examples, or the source tree's when the project runs uninstalled."""
    try:
        bundled = importlib.resources.files(BUNDLED_EXAMPLES_PACKAGE)
    except ModuleNotFoundError:  # a checkout on PYTHONPATH: examples/ sits beside migrate/
        return SOURCE_TREE_EXAMPLES_DIR
    # A wheel installs into a folder, never a zip, so the resource is a real path.
    return Path(str(bundled))


EXAMPLES_DIR = _examples_dir()
# (left file, right file, left label, right label) in order of preference.
SIDE_FILES = (
    ("tf1.py", "keras.py", "TF1 (tf.compat.v1, legacy cells)", "Keras 3"),
    ("before.py", "after.py", "before: the old script", "after: tf1-migrate rewrite (keras level)"),
)
MARKER = re.compile(r"^\s*# \[([A-Za-z0-9_-]+)\]")
MEASURED = re.compile(r"^\*\*Measured\*\*\s*(.*)$")
PYGMENTS_STYLE = "default"

Row = tuple[Optional[int], Optional[int]]  # 0-based line indexes into the left and right files


@dataclasses.dataclass(frozen=True)
class ExampleInfo:
    """One example folder.

    Attributes:
        name: the folder name (what ``tf1-migrate examples NAME`` takes).
        title: the README's first heading.
        summary: the README's first paragraph.
        left, right: the TF1 (or before) and Keras 3 (or after) files.
        left_label, right_label: column headings.
        measured: ``{dtype: max |diff|}`` from ``results.json`` (empty before the first measurement).
        measured_text: the README's "Measured" line, without its label.
    """

    name: str
    title: str
    summary: str
    left: Path
    right: Path
    left_label: str
    right_label: str
    measured: dict
    measured_text: str


def _readme_parts(readme: Path) -> tuple[str, str, str]:
    title, summary, measured = readme.parent.name, "", ""
    paragraph: list[str] = []
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.startswith("# ") and title == readme.parent.name:
            title = line[2:].strip()
        elif MEASURED.match(line):
            measured = MEASURED.match(line).group(1)
        elif line.strip() and not line.startswith(("#", "-")) and not summary:
            paragraph.append(line.strip())
        elif paragraph and not summary:
            summary = " ".join(paragraph)
    return title, summary or " ".join(paragraph), measured


def list_examples(directory: Path | str | None = None) -> list[ExampleInfo]:
    """Every example folder (a README.md and a pair of files), sorted by name."""
    directory = Path(directory) if directory is not None else EXAMPLES_DIR
    results_file = directory / "results.json"
    results = json.loads(results_file.read_text(encoding="utf-8")) if results_file.is_file() else {}
    examples = []
    for folder in sorted(path for path in directory.iterdir() if path.is_dir()):
        readme = folder / "README.md"
        for left, right, left_label, right_label in SIDE_FILES:
            if readme.is_file() and (folder / left).is_file() and (folder / right).is_file():
                title, summary, measured_text = _readme_parts(readme)
                examples.append(ExampleInfo(
                    folder.name, title, summary, folder / left, folder / right,
                    f"{left_label} — {left}", f"{right_label} — {right}",
                    dict(results.get(folder.name, {}).get("max_abs_diff", {})), measured_text))
                break
    return examples


def load_example(name: str, directory: Path | str | None = None) -> ExampleInfo:
    """The example called ``name``; ``ValueError`` naming the known ones otherwise."""
    examples = {example.name: example for example in list_examples(directory)}
    if name not in examples:
        raise ValueError(f"Unknown example {name!r}: expected one of {', '.join(sorted(examples))}.")
    return examples[name]


# --- alignment ------------------------------------------------------------------------------


def _blocks(lines: Sequence[str]) -> list[tuple[str, int, int]]:
    """``(marker name, start, end)`` spans; the lines before the first marker have name ``""``."""
    starts = [(match.group(1), index) for index, line in enumerate(lines) if (match := MARKER.match(line))]
    spans, previous_name, previous_start = [], "", 0
    for name, start in starts:
        spans.append((previous_name, previous_start, start))
        previous_name, previous_start = name, start
    spans.append((previous_name, previous_start, len(lines)))
    return spans


def _align_lines(left: Sequence[str], right: Sequence[str], left_offset: int, right_offset: int) -> list[Row]:
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, [line.strip() for line in left], [line.strip() for line in right],
                                      autojunk=False)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(max(i2 - i1, j2 - j1)):
            rows.append((left_offset + i1 + k if i1 + k < i2 else None,
                         right_offset + j1 + k if j1 + k < j2 else None))
    return rows


def align(left: Sequence[str], right: Sequence[str]) -> list[Row]:
    """Rows of ``(left line index or None, right line index or None)``; see the module docstring."""
    left_blocks, right_blocks = _blocks(left), _blocks(right)
    matcher = difflib.SequenceMatcher(None, [name for name, _, _ in left_blocks],
                                      [name for name, _, _ in right_blocks], autojunk=False)
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for (_, ls, le), (_, rs, re_) in zip(left_blocks[i1:i2], right_blocks[j1:j2]):
                rows.extend(_align_lines(left[ls:le], right[rs:re_], ls, rs))
        else:  # steps on one side only: each stands opposite blank space
            for _, start, end in left_blocks[i1:i2]:
                rows.extend((index, None) for index in range(start, end))
            for _, start, end in right_blocks[j1:j2]:
                rows.extend((None, index) for index in range(start, end))
    return rows


def _read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


# --- terminal -------------------------------------------------------------------------------


def _highlighted_lines(code: str) -> list[Text]:
    syntax = Syntax(code, "python", theme="ansi_dark", background_color="default")
    text = syntax.highlight(code)
    text.rstrip()
    return text.split("\n", allow_blank=True)


def _figures(measured: dict) -> str:
    return ", ".join(f"{dtype} {value:.1e}" for dtype, value in measured.items()) or "not measured yet"


def render_pair(name: str, width: int | None = None, color: bool = True,
                directory: Path | str | None = None) -> str:
    """The example as two columns (TF1 left, Keras 3 right), highlighted, marked steps aligned.

    Args:
        name: an example folder name (see ``list_examples``).
        width: terminal width in characters; None uses 160.
        color: ANSI colours (syntax highlighting); False gives plain text.
        directory: the examples folder; None uses the installed examples (``EXAMPLES_DIR``).

    Returns:
        The rendered text, ending with the measured max |diff|.
    """
    example = load_example(name, directory)
    left, right = _read_lines(example.left), _read_lines(example.right)
    left_text = _highlighted_lines("\n".join(left))
    right_text = _highlighted_lines("\n".join(right))
    table = Table(title=f"{example.name}: {example.title}", expand=True, show_lines=False, pad_edge=False,
                  title_justify="left")
    table.add_column("", justify="right", style="dim", no_wrap=True, width=3)
    table.add_column(example.left_label, ratio=1, overflow="fold")
    table.add_column("", justify="right", style="dim", no_wrap=True, width=3)
    table.add_column(example.right_label, ratio=1, overflow="fold")
    for left_index, right_index in align(left, right):
        table.add_row(
            "" if left_index is None else str(left_index + 1),
            Text("") if left_index is None else left_text[left_index],
            "" if right_index is None else str(right_index + 1),
            Text("") if right_index is None else right_text[right_index],
        )
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or 160, force_terminal=color, no_color=not color,
                      color_system="truecolor" if color else None, highlight=False, emoji=False)
    console.print(table)
    console.print(Text(f"Measured max |diff| (TF1 vs Keras 3, same weights): {_figures(example.measured)}"))
    return buffer.getvalue()


def render_list(directory: Path | str | None = None) -> str:
    """One line per example: name, title, measured max |diff|."""
    examples = list_examples(directory)
    width = max((len(example.name) for example in examples), default=0)
    return "\n".join(f"{example.name:<{width}}  {example.title}  [{_figures(example.measured)}]"
                     for example in examples) + "\n"


# --- HTML -----------------------------------------------------------------------------------


def _css_for(style, token_type) -> str:
    spec = style.style_for_token(token_type)
    parts = []
    if spec["color"]:
        parts.append(f"color:#{spec['color']}")
    if spec["bold"]:
        parts.append("font-weight:bold")
    if spec["italic"]:
        parts.append("font-style:italic")
    return ";".join(parts)


def _html_lines(code: str) -> list[str]:
    """Pygments tokens as inline-styled spans, cut at line ends (a token may span lines)."""
    style = get_style_by_name(PYGMENTS_STYLE)
    lines, current = [], []
    for token_type, value in PythonLexer(stripnl=False, ensurenl=False).get_tokens(code):
        css = _css_for(style, token_type)
        for index, piece in enumerate(value.split("\n")):
            if index:
                lines.append("".join(current))
                current = []
            if piece:
                escaped = html.escape(piece)
                current.append(f'<span style="{css}">{escaped}</span>' if css else escaped)
    lines.append("".join(current))
    return lines


_PAGE_CSS = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1800px; padding: 16px 24px;
       color: #1b1f23; background: #ffffff; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 36px 0 4px; border-top: 1px solid #d0d7de; padding-top: 16px; }
p.summary { margin: 4px 0 8px; line-height: 1.4; }
p.measured { margin: 8px 0; font-size: 14px; }
nav { columns: 3; font-size: 14px; line-height: 1.6; }
table.pair { width: 100%; table-layout: fixed; border-collapse: collapse; font-size: 12.5px;
             font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
table.pair th { text-align: left; font-family: system-ui, sans-serif; font-size: 13px; padding: 6px 8px;
                background: #eaeef2; border-bottom: 1px solid #d0d7de; }
table.pair td { vertical-align: top; padding: 0 6px; }
table.pair td.ln { width: 2.6em; text-align: right; color: #8c959f; user-select: none; }
table.pair col.ln { width: 3em; }
table.pair td.code { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.45; }
table.pair td.left { background: #fff8f0; border-right: 2px solid #d0d7de; }
table.pair td.right { background: #f3f8ff; }
table.pair tr.marker td.code { border-top: 1px dashed #d0d7de; }
"""


def _inline_code(text: str) -> str:
    """README prose to HTML: escaped, with `backtick` spans as <code>."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{part}</code>" if index % 2 else part for index, part in enumerate(parts))


def _pair_html(example: ExampleInfo) -> str:
    left, right = _read_lines(example.left), _read_lines(example.right)
    left_html, right_html = _html_lines("\n".join(left)), _html_lines("\n".join(right))
    rows = []
    for left_index, right_index in align(left, right):
        marker = any(index is not None and MARKER.match(lines[index])
                     for index, lines in ((left_index, left), (right_index, right)))
        cells = []
        for index, lines_html, side in ((left_index, left_html, "left"), (right_index, right_html, "right")):
            number = "" if index is None else str(index + 1)
            code = "" if index is None else lines_html[index]
            cells.append(f'<td class="ln">{number}</td><td class="code {side}">{code}</td>')
        rows.append(f'<tr{" class=marker" if marker else ""}>{"".join(cells)}</tr>')
    return (
        f'<section id="{html.escape(example.name)}">\n'
        f"<h2>{html.escape(example.title)} <small><code>{html.escape(example.name)}</code></small></h2>\n"
        f'<p class="summary">{_inline_code(example.summary)}</p>\n'
        '<table class="pair"><colgroup><col class="ln"><col><col class="ln"><col></colgroup>\n'
        f'<thead><tr><th colspan="2">{html.escape(example.left_label)}</th>'
        f'<th colspan="2">{html.escape(example.right_label)}</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>\n"
        f'<p class="measured"><strong>Measured</strong> max |diff|, TF1 vs Keras 3 from the same weights: '
        f"{html.escape(_figures(example.measured))}</p>\n</section>"
    )


def render_html(directory: Path | str | None = None) -> str:
    """The whole page as a string (see ``write_html``)."""
    examples = list_examples(directory)
    nav = "\n".join(f'<a href="#{html.escape(e.name)}">{html.escape(e.title)}</a><br>' for e in examples)
    body = "\n".join(_pair_html(example) for example in examples)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>tf1-migrate: TF1 and Keras 3 side by side</title>\n"
        f"<style>{_PAGE_CSS}</style></head>\n<body>\n"
        "<h1>TF1 and Keras 3, side by side</h1>\n"
        "<p class=\"summary\">Each pair runs on both sides from the same weights in the test suite; "
        "the figures are the measured max |diff| (<code>python examples/measure.py</code>). Steps marked "
        "<code># [name]</code> start on the same row.</p>\n"
        f"<nav>{nav}</nav>\n{body}\n</body></html>\n"
    )


def write_html(path: Path | str, directory: Path | str | None = None) -> None:
    """Write one self-contained static HTML page with every pair (inline CSS, no external resources)."""
    Path(path).write_text(render_html(directory), encoding="utf-8")


__all__ = ["ExampleInfo", "align", "list_examples", "load_example", "render_html", "render_list",
           "render_pair", "write_html"]
