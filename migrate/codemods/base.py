"""What every codemod of this package shares: the analysis, statement edits and findings.

A codemod is a ``libcst.codemod.VisitorBasedCodemodCommand`` so that it runs on its own (in
``CodemodTest`` and with ``python -m libcst.tool``), but the engine does not run it that way: it
calls the ``visit_*`` / ``leave_*`` methods of all the level's codemods from one bare
``CSTTransformer`` (:class:`Pipeline`) over one ``MetadataWrapper``. Hence two rules for the
codemods: never return False from a ``visit_*`` method (the pipeline always visits children),
and never use matcher decorators (the pipeline does not dispatch them).
"""

from __future__ import annotations

from typing import Union

import libcst as cst
from libcst.codemod import Codemod, CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import PositionProvider, ScopeProvider

from migrate.analysis import SCRATCH_KEY, ModuleAnalysis, Report

EDITS_KEY = "migrate.edits"
REPORTS_KEY = "migrate.reports"

Statement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]


class StatementEdits:
    """Statements to add around, or instead of, original statements of the module.

    Keyed by the *original* statement node, applied when the transform leaves it, so several
    codemods can edit around one statement without knowing about each other.
    """

    def __init__(self) -> None:
        self._before: dict[cst.CSTNode, list[Statement]] = {}
        self._after: dict[cst.CSTNode, list[Statement]] = {}
        self._separate: set[cst.CSTNode] = set()

    def insert_before(
        self, original: cst.CSTNode, statements: list[Statement], separate: bool = False
    ) -> None:
        """Insert before ``original``; ``separate`` puts a blank line between them."""
        self._before.setdefault(original, []).extend(statements)
        if separate:
            self._separate.add(original)

    def insert_after(self, original: cst.CSTNode, statements: list[Statement]) -> None:
        self._after.setdefault(original, []).extend(statements)

    def apply(self, original: cst.CSTNode, result):
        before = self._before.get(original)
        after = self._after.get(original)
        if not before and not after:
            return result
        if isinstance(result, cst.FlattenSentinel):
            nodes = list(result.nodes)
        elif isinstance(result, cst.RemovalSentinel):
            nodes = []
        else:
            nodes = [result]
        if original in self._separate and nodes:
            first = nodes[0]
            if not first.leading_lines or first.leading_lines[0].comment is not None:
                nodes[0] = first.with_changes(leading_lines=[cst.EmptyLine(), *first.leading_lines])
        return cst.FlattenSentinel([*(before or []), *nodes, *(after or [])])


class TFCodemod(VisitorBasedCodemodCommand):
    """Base of the migrate codemods (see the module docstring for the two rules)."""

    DESCRIPTION = ""
    METADATA_DEPENDENCIES = (ScopeProvider,)

    def __init__(self, context: CodemodContext, *, pipelined: bool = False) -> None:
        if pipelined:
            # Run by Pipeline, which calls the visit/leave methods itself: skip
            # MatcherDecoratableTransformer.__init__, whose per-instance introspection of
            # matcher decorators costs more than rewriting a typical file.
            Codemod.__init__(self, context)
        else:
            super().__init__(context)
        self._analysis: ModuleAnalysis | None = None

    # --- shared state, kept in the context so that codemods of one run share it ----------
    @property
    def edits(self) -> StatementEdits:
        return self.context.scratch.setdefault(EDITS_KEY, StatementEdits())

    @property
    def analysis(self) -> ModuleAnalysis:
        if self._analysis is None:
            raise RuntimeError("TFCodemod.analysis: expected visit_Module to have run first")
        return self._analysis

    def visit_Module(self, node: cst.Module) -> None:
        cached = self.context.scratch.get(SCRATCH_KEY)
        if cached is not None and cached[0] is node:
            self._analysis = cached[1]
        else:
            scopes = {scope for scope in self.metadata[ScopeProvider].values() if scope is not None}
            self._analysis = ModuleAnalysis.build(node, self._scope_of, scopes)
            self.context.scratch[SCRATCH_KEY] = (node, self._analysis)
        self.prepare(node)

    def _scope_of(self, node: cst.CSTNode):
        # The scope of `node`, for migrate.qualified_names.tensorflow_names: what
        # QualifiedNameProvider would give is exactly `scope.get_qualified_names_for(node)`, and
        # asking the scope for the few nodes the analysis looks at skips the provider's own
        # walk over every node, which costs as much as the scope analysis itself.
        return self.get_metadata(ScopeProvider, node, None)

    def prepare(self, module: cst.Module) -> None:
        """Called once with the original module, after the analysis is available."""

    def report(
        self,
        node: cst.CSTNode,
        code: str,
        message: str,
        suggestion: str = "",
        severity: str | None = None,
    ) -> None:
        """Record a finding at ``node`` (an original node; the engine adds the position)."""
        self.context.scratch.setdefault(REPORTS_KEY, []).append(
            Report(node, code, message, suggestion, severity)
        )

    # --- running on its own (CodemodTest, libcst.tool) ------------------------------------
    def on_leave(self, original_node, updated_node):
        return self.edits.apply(original_node, super().on_leave(original_node, updated_node))

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        # A context may be reused for several commands or files: start from a clean slate.
        for key in (EDITS_KEY, REPORTS_KEY, SCRATCH_KEY):
            self.context.scratch.pop(key, None)
        result = tree.visit(self)
        # Standalone runs surface findings as codemod warnings ("CODE line:col message"),
        # which CodemodTest can assert on; the engine turns them into Finding objects instead.
        reports = self.context.scratch.get(REPORTS_KEY, [])
        if reports:
            positions = self.context.wrapper.resolve(PositionProvider)
            for item in reports:
                start = positions[item.node].start
                self.warn(f"{item.code} {start.line}:{start.column + 1} {item.message}")
        return result


class Pipeline(cst.CSTTransformer):
    """Runs several codemods' visit/leave methods in one traversal, in level order.

    A leave method gets the node as the previous codemods left it; once one returns a
    different kind of node (or removes it), the later codemods skip that node.
    """

    def __init__(self, codemods: list[TFCodemod], edits: StatementEdits) -> None:
        super().__init__()
        self._codemods = codemods
        self._edits = edits
        self._dispatch: dict[tuple[str, type], list] = {}

    def _methods(self, kind: str, node_type: type) -> list:
        key = (kind, node_type)
        methods = self._dispatch.get(key)
        if methods is None:
            name = f"{kind}_{node_type.__name__}"
            default = getattr(cst.CSTTransformer, name, None)
            methods = [
                getattr(codemod, name)
                for codemod in self._codemods
                if getattr(type(codemod), name, None) not in (None, default)
            ]
            self._dispatch[key] = methods
        return methods

    def on_visit(self, node: cst.CSTNode) -> bool:
        for method in self._methods("visit", type(node)):
            method(node)
        return True

    def on_leave(self, original_node, updated_node):
        result = updated_node
        node_type = type(original_node)
        for method in self._methods("leave", node_type):
            result = method(original_node, result)
            if type(result) is not node_type:
                break
        return self._edits.apply(original_node, result)
