"""Test support for the codemods (libcst only)."""

from __future__ import annotations

from libcst.codemod import CodemodTest


class IdempotentCodemodTest(CodemodTest):
    """``CodemodTest`` whose every before/after pair also checks that ``after`` is a fixed point."""

    def assertCodemod(self, before, after, *args, expected_warnings=None, **kwargs):  # noqa: N802
        super().assertCodemod(before, after, *args, expected_warnings=expected_warnings, **kwargs)
        # Running the codemod on its own output changes nothing (warnings may repeat).
        super().assertCodemod(after, after, *args, **kwargs)
