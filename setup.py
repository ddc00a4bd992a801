"""The one packaging setting pyproject.toml cannot express: shipping ``examples/`` in the wheel.

``tf1-migrate examples`` reads the side-by-side pairs. In the repository they live in the
top-level ``examples/`` folder (the tests import them as ``examples.<name>``); an installed
wheel carries the same folder as the package ``migrate._bundled_examples``, where
``migrate.examples_catalog`` finds it with ``importlib.resources``. Declarative configuration
can map a package name to another folder (``package-dir``) but cannot add that package to the
ones ``packages.find`` discovers, so the package list is computed here. Everything else,
the examples' README.md and results.json files included, is in pyproject.toml.
"""

from setuptools import find_packages, setup

BUNDLED_EXAMPLES = "migrate._bundled_examples"
EXAMPLES_FOLDER = "examples"

# Each example folder is a package (tests import examples.<name>.tf1), so each one is listed;
# a new example folder is picked up without editing anything here.
example_packages = [BUNDLED_EXAMPLES] + [
    f"{BUNDLED_EXAMPLES}.{name}" for name in find_packages(EXAMPLES_FOLDER)
]

setup(
    packages=find_packages(include=["tf1_reference*", "tf2_port*", "migrate*"]) + example_packages,
    package_dir={BUNDLED_EXAMPLES: EXAMPLES_FOLDER},  # its subpackages follow: examples/<name>
)
