"""Reading the examples: the terminal two-column view and the HTML page in a real browser.

The HTML page is rendered by Debian's headless chromium. A measuring script is added to a
copy of the page (the product page itself stays script-free) and writes the layout it sees
into the DOM, which --dump-dom prints; a screenshot is checked for content in both halves.
Chromium is installed by `make test` (Makefile target `chromium`); without it these tests fail
with instructions rather than skip.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from migrate import examples_catalog

MARKER = re.compile(r"# \[([A-Za-z0-9_-]+)\]")


def test_catalog_imports_without_tensorflow():
    code = "import sys, migrate.examples_catalog as c; c.render_pair('cell_zoo'); c.render_html(); " \
           "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras')))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


def test_list_examples_has_every_folder_with_title_and_figures():
    examples = examples_catalog.list_examples()
    names = [example.name for example in examples]
    assert {"hallstrom_packed_state", "cell_zoo", "whole_script_rewrite"} <= set(names)
    for example in examples:
        assert example.title and example.summary and example.measured.get("float32") is not None, example.name
        assert example.measured["float32"] < 1e-5  # the figures from results.json, not placeholders


def test_unknown_example_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown example 'nope': expected one of"):
        examples_catalog.render_pair("nope")


@pytest.mark.parametrize("name", ["cell_zoo", "hallstrom_packed_state", "whole_script_rewrite"])
def test_terminal_view_shows_both_sides_with_marked_steps_on_one_row(name):
    example = examples_catalog.load_example(name)
    text = examples_catalog.render_pair(name, width=220, color=False)
    left, right = example.left.read_text(), example.right.read_text()
    # Both files' distinctive lines appear: the TF1 side left, the Keras side right.
    left_only = next(line.strip() for line in left.splitlines() if "rnn_cell." in line or "contrib" in line)
    right_only = next(line.strip() for line in right.splitlines() if "keras.layers." in line)
    rows = text.splitlines()
    assert any(left_only in row and row.index(left_only) < len(row) // 2 for row in rows)
    assert any(right_only in row and row.index(right_only) > len(row) // 2 for row in rows)
    shared = set(MARKER.findall(left)) & set(MARKER.findall(right))
    assert len(shared) >= 2, shared
    for marker in shared:
        tag = f"# [{marker}]"
        rows_with_tag = [row for row in rows if tag in row]
        # The marker opens a row on which it appears twice: left half and right half.
        assert any(row.count(tag) == 2 and row.index(tag) < len(row) // 2 < row.rindex(tag)
                   for row in rows_with_tag), (name, marker)
    assert "Measured max |diff|" in text and "float32" in text


def test_terminal_view_is_highlighted_when_colour_is_on():
    assert "\x1b[" in examples_catalog.render_pair("cell_zoo", width=200, color=True)


def test_alignment_pairs_steps_in_order_and_keeps_every_line():
    left = ["a = 1", "# [cells] x", "l1", "# [forward]", "l2"]
    right = ["b = 2", "# [cells] y", "r1", "r1b", "# [weights]", "w", "# [forward]", "r2"]
    rows = examples_catalog.align(left, right)
    assert [index for index, _ in rows if index is not None] == list(range(len(left)))
    assert [index for _, index in rows if index is not None] == list(range(len(right)))
    assert (1, 1) in rows and (3, 6) in rows  # marker lines share a row
    assert (None, 4) in rows  # a step on one side only faces blank space


# --- the HTML page in a real browser ----------------------------------------------------------

MEASURE_SCRIPT = """
<script>
window.addEventListener('load', () => {
  const root = document.documentElement;
  const report = {page: {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth}, pairs: []};
  for (const table of document.querySelectorAll('table.pair')) {
    const left = table.querySelector('td.code.left'), right = table.querySelector('td.code.right');
    const l = left.getBoundingClientRect(), r = right.getBoundingClientRect();
    let overflowing = 0;
    for (const cell of table.querySelectorAll('td.code')) {
      if (cell.scrollWidth > cell.clientWidth + 1) overflowing += 1;
    }
    report.pairs.push({id: table.closest('section').id, leftWidth: l.width, rightWidth: r.width,
                       leftRight: l.right, rightLeft: r.left, leftTop: l.top, rightTop: r.top,
                       tableScroll: table.scrollWidth, tableClient: table.clientWidth,
                       overflowingCells: overflowing});
  }
  const out = document.createElement('pre');
  out.id = 'layout-report';
  out.textContent = JSON.stringify(report);
  document.body.appendChild(out);
});
</script>
"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("Debian's chromium is needed to render the examples page: run `make chromium` "
                "(apt-get install -y chromium, as root) or `make test`, which installs it.")


def _run_chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,2000", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def _png_rgb_rows(data: bytes) -> tuple[int, int, list[bytes], int]:
    """Minimal PNG reader (8-bit RGB/RGBA, not interlaced): ``(width, height, rows, channels)``."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, color_type, _, _, interlace = header
    assert depth == 8 and color_type in (2, 6) and interlace == 0, header
    channels = 3 if color_type == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks)), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows, channels


@pytest.fixture(scope="module")
def rendered_page(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("examples_html")
    page = tmp_path / "examples.html"
    examples_catalog.write_html(page)
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", MEASURE_SCRIPT + "</body>"))
    dom = _run_chromium(tmp_path, "--dump-dom", f"file://{probe}")
    assert dom.returncode == 0, dom.stderr[-2000:]
    screenshot = tmp_path / "examples.png"
    shot = _run_chromium(tmp_path, f"--screenshot={screenshot}", f"file://{page}")
    assert shot.returncode == 0 and screenshot.is_file(), shot.stderr[-2000:]
    return page, dom.stdout, screenshot


def test_html_page_is_self_contained(rendered_page):
    text = rendered_page[0].read_text()
    assert not re.search(r"""(src|href)=["'](https?:)?//""", text)  # nothing fetched from anywhere
    assert "<script" not in text and "<link" not in text
    assert text.count('<table class="pair">') == len(examples_catalog.list_examples())
    assert 'style="color:#' in text  # pygments highlighting, inline
    assert "Measured" in text and "float32" in text


def test_html_columns_are_side_by_side_and_nothing_overflows(rendered_page):
    match = re.search(r'<pre id="layout-report">(.*?)</pre>', rendered_page[1], re.S)
    assert match, "the measuring script wrote no report"
    report = json.loads(match.group(1).replace("&quot;", '"'))
    assert report["page"]["scrollWidth"] <= report["page"]["clientWidth"], report["page"]
    assert len(report["pairs"]) == len(examples_catalog.list_examples())
    for pair in report["pairs"]:
        assert pair["leftWidth"] > 300 and pair["rightWidth"] > 300, pair  # both visible at 1400 px
        assert pair["leftRight"] <= pair["rightLeft"] and pair["leftTop"] == pair["rightTop"], pair
        assert pair["tableScroll"] <= pair["tableClient"] and pair["overflowingCells"] == 0, pair


def test_screenshot_has_content_in_both_halves(rendered_page):
    width, height, rows, channels = _png_rgb_rows(rendered_page[2].read_bytes())
    assert (width, height) == (1400, 2000)
    # Count non-background (not near-white) pixels in each half below the page header.
    counts = [0, 0]
    for row in rows[height // 3:]:
        for x in range(0, width * channels, channels * 2):
            if min(row[x], row[x + 1], row[x + 2]) < 150:
                counts[0 if x < width * channels // 2 else 1] += 1
    assert counts[0] > 2000 and counts[1] > 2000, counts
