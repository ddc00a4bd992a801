"""Test-side access to the reference-vs-port comparison (it lives in tf2_port.verify)."""

from tf2_port.verify import Comparison, compare_spec, tf1_outputs_in_port_layout  # noqa: F401
