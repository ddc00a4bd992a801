"""One read-only walk over a parsed module, shared by every compat codemod.

The codemods of a level run together in one transform pass (see ``engine``), so whatever a
codemod needs to know before it reaches a node -- an import statement's rewrite depends on
every later use of the name it binds, a shared cell's definition must be removed before the
``[cell] * n`` that uses it is reached -- is computed here first, from the original tree and
its metadata. The result is cached in the codemod context, so the walk happens once per file.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import libcst as cst
from libcst.helpers import get_full_name_for_node

from migrate import argument_fixes, resolve, symbols
from migrate.qualified_names import display, tensorflow_names
from migrate.resolve import CallShape, Resolution

SCRATCH_KEY = "migrate.analysis"


@dataclasses.dataclass(eq=False)
class Binding:
    """One import alias: ``local`` is bound to the dotted ``path``."""

    statement: cst.SimpleStatementLine
    node: cst.Import | cst.ImportFrom
    alias: cst.ImportAlias
    local: str
    path: str
    imported: str  # the module the statement makes Python import
    top_level: bool


@dataclasses.dataclass(eq=False)
class Use:
    """The outermost name or attribute chain that reads a name (``tf.nn.rnn_cell.LSTMCell``)."""

    node: cst.Name | cst.Attribute
    base: str
    depth: int
    qualified: tuple[str, ...]
    call: cst.Call | None  # the call this chain is the function of
    assigned_to: str | None  # `x = <chain>`
    star_module: str | None = None  # the name came from `from <star_module> import *`


@dataclasses.dataclass(eq=False)
class Star:
    statement: cst.SimpleStatementLine
    node: cst.ImportFrom
    module: str
    names: dict[str, str] = dataclasses.field(default_factory=dict)  # used name -> old full name
    unknown: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(eq=False)
class Block:
    """A statement list (module body or indented block) and what kind of body it is."""

    body: tuple[cst.CSTNode, ...]
    kind: str  # "module" | "function" | "class" | "other"


@dataclasses.dataclass
class Report:
    node: cst.CSTNode
    code: str
    message: str
    suggestion: str = ""
    severity: str | None = None


def call_shape(call: cst.Call) -> CallShape:
    return CallShape(
        positional=sum(1 for arg in call.args if arg.keyword is None and not arg.star),
        keywords=tuple(arg.keyword.value for arg in call.args if arg.keyword is not None),
        starred=any(arg.star for arg in call.args),
    )


class _Collector(cst.CSTVisitor):
    """Records imports, uses, statement positions and the shapes the codemods look for."""

    def __init__(
        self,
        scope_of: Callable[[cst.CSTNode], object],
        access_nodes: set[cst.CSTNode],
        unresolved: set[cst.CSTNode],
    ) -> None:
        super().__init__()
        self._scope_of = scope_of
        self._access_nodes = access_nodes
        self._unresolved = unresolved
        self._skip: set[cst.CSTNode] = set()
        self._call_of: dict[cst.CSTNode, cst.Call] = {}
        self._assigned: dict[cst.CSTNode, str] = {}
        self._blocks: list[Block] = []
        self._kinds: list[str] = ["module"]
        self._statements: list[cst.CSTNode] = []
        self.bindings: list[Binding] = []
        self.uses: list[Use] = []
        self.stars: list[Star] = []
        self.star_uses: list[cst.Name] = []
        self.block_of: dict[cst.CSTNode, tuple[Block, int]] = {}
        self.statement_of: dict[cst.CSTNode, cst.CSTNode] = {}
        self.shared_lists: list[cst.CSTNode] = []
        self.multi_cell_args: list[cst.BaseExpression] = []
        self.strings: list[str] = []
        self.top_level_imports: list[cst.SimpleStatementLine] = []

    # --- blocks and statements -------------------------------------------------------
    def _enter_block(self, body, kind: str) -> None:
        block = Block(tuple(body), kind)
        self._blocks.append(block)
        for index, statement in enumerate(block.body):
            self.block_of[statement] = (block, index)

    def visit_Module(self, node: cst.Module) -> None:
        self._enter_block(node.body, "module")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._kinds.append("function")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._kinds.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._kinds.append("class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._kinds.pop()

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._enter_block(node.body, self._kinds[-1])
        self._kinds.append("other")

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._kinds.pop()

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._statements.append(node)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self._statements.pop()

    def _top_level(self) -> bool:
        return len(self._statements) == 1 and self.block_of.get(self._statements[0], (None,))[0] is (
            self._blocks[0] if self._blocks else None
        )

    # --- imports ------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        statement = self._statements[-1]
        top = self._top_level()
        for alias in node.names:
            full = get_full_name_for_node(alias.name) or ""
            if alias.asname is not None:
                local = get_full_name_for_node(alias.asname.name) or ""
                path = full
            else:
                local = path = full.split(".")[0]
            self.bindings.append(Binding(statement, node, alias, local, path, full, top))
            if top and full.split(".")[0] == "tensorflow" and statement not in self.top_level_imports:
                self.top_level_imports.append(statement)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if node.relative or node.module is None:
            return False
        statement = self._statements[-1]
        module = get_full_name_for_node(node.module) or ""
        top = self._top_level()
        if top and module.split(".")[0] == "tensorflow" and statement not in self.top_level_imports:
            self.top_level_imports.append(statement)
        if isinstance(node.names, cst.ImportStar):
            self.stars.append(Star(statement, node, module))
            return False
        for alias in node.names:
            name = get_full_name_for_node(alias.name) or ""
            local = get_full_name_for_node(alias.asname.name) if alias.asname else name
            self.bindings.append(Binding(statement, node, alias, local or name, f"{module}.{name}", module, top))
        return False

    # --- uses ---------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self._call_of[node.func] = node

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self._assigned[node.value] = node.targets[0].target.value

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._skip.add(node.value)
        self._skip.add(node.attr)
        if node in self._skip:
            return
        base = node.value
        depth = 1
        # The scope records `import a.b.c` accesses on the `a.b.c` prefix, others on `a`.
        accessed = base in self._access_nodes
        while isinstance(base, cst.Attribute):
            base = base.value
            depth += 1
            accessed = accessed or base in self._access_nodes
        if isinstance(base, cst.Name) and accessed:
            self._record(node, base.value, depth)

    def visit_Name(self, node: cst.Name) -> None:
        if node in self._skip or node not in self._access_nodes:
            return
        if node in self._unresolved:
            self.star_uses.append(node)
            return
        self._record(node, node.value, 0)

    def _record(self, node, base: str, depth: int) -> None:
        names = tensorflow_names(self._scope_of(node), node)
        if names:
            self.uses.append(
                Use(node, base, depth, names, self._call_of.get(node), self._assigned.get(node))
            )

    # --- shapes the other codemods need -----------------------------------------------
    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Multiply) and (
            _single_name_list(node.left) or _single_name_list(node.right)
        ):
            self._note_shared(node)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        if isinstance(node.elt, cst.Name) and node.for_in.inner_for_in is None:
            self._note_shared(node)

    def _note_shared(self, node: cst.CSTNode) -> None:
        self.shared_lists.append(node)
        if self._statements:
            self.statement_of[node] = self._statements[-1]

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.strings.append(node.value)


def _single_name_list(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.List)
        and len(node.elements) == 1
        and isinstance(node.elements[0], cst.Element)
        and isinstance(node.elements[0].value, (cst.Name, cst.Call))
    )


class ModuleAnalysis:
    """Everything the compat codemods decide before the transform pass.

    Built by :meth:`build` from the module and a metadata lookup; codemods read it (never
    write it) through ``TFCodemod.analysis``.
    """

    def __init__(self, module: cst.Module, collector: _Collector) -> None:
        self.module = module
        self.bindings = collector.bindings
        self.uses = collector.uses
        self.stars = collector.stars
        self.block_of = collector.block_of
        self.statement_of = collector.statement_of
        self.shared_lists = collector.shared_lists
        self.top_level_imports = collector.top_level_imports
        self.legacy_keras_set = any(symbols.LEGACY_KERAS_VARIABLE in value for value in collector.strings)
        self.use_of: dict[cst.CSTNode, Use] = {use.node: use for use in self.uses}
        self.reports: list[Report] = []
        # Filled by _plan():
        self.replacements: dict[cst.CSTNode, cst.BaseExpression] = {}
        self.statement_rewrites: dict[cst.SimpleStatementLine, list[cst.SimpleStatementLine]] = {}
        self.removable_imports: list[cst.Import | cst.ImportFrom] = []
        self.final_names: dict[cst.CSTNode, str] = {}  # use node -> its full name after rewriting
        self.root: argument_fixes.Root | None = None
        self.root_statement: cst.SimpleStatementLine | None = None
        self.graph_builder: cst.CSTNode | None = None
        self.eager_disabled = False
        self.legacy_keras_use: cst.CSTNode | None = None
        # statement -> {alias: (kind, module, name, asname)}, see rewrite_import_statement
        self._alias_rewrites: dict[cst.SimpleStatementLine, dict[cst.ImportAlias, tuple]] = {}
        self._plan_star_uses(collector.star_uses)
        self._plan()

    @classmethod
    def build(
        cls,
        module: cst.Module,
        scope_of: Callable[[cst.CSTNode], object],
        scopes,
    ) -> "ModuleAnalysis":
        access_nodes: set[cst.CSTNode] = set()
        unresolved: set[cst.CSTNode] = set()
        for scope in scopes:
            for access in scope.accesses:
                access_nodes.add(access.node)
                if not access.referents:
                    unresolved.add(access.node)
        collector = _Collector(scope_of, access_nodes, unresolved)
        module.visit(collector)
        return cls(module, collector)

    # --- resolution ----------------------------------------------------------------------
    def resolution(self, use: Use, name: str) -> Resolution | None:
        shape = call_shape(use.call) if use.call is not None else None
        return resolve.resolve(name, shape)

    def _plan_star_uses(self, star_uses: list[cst.Name]) -> None:
        legacy_stars = [star for star in self.stars if resolve.is_legacy_path(star.module)]
        if not legacy_stars:
            return
        for star in legacy_stars:
            members = resolve.star_members(star.module)
            for node in star_uses:
                if node.value in members:
                    star.names[node.value] = members[node.value]
                    self.uses.append(
                        Use(node, node.value, 0, (members[node.value],), None, None, star.module)
                    )
        claimed = {name for star in legacy_stars for name in star.names}
        unknown = sorted(
            {node.value for node in star_uses if not node.value.startswith("__")} - claimed
        )
        for star in legacy_stars:
            star.unknown = unknown
        self.use_of = {use.node: use for use in self.uses}

    def _plan(self) -> None:
        self._find_root()
        groups: dict[tuple[str, str], list[tuple[Use, str]]] = {}
        bindings: dict[tuple[str, str], list[Binding]] = {}
        for binding in self.bindings:
            bindings.setdefault((binding.local, binding.path), []).append(binding)
        for use in self.uses:
            if use.star_module is None:
                self._note_flags(use)
            for name in use.qualified:
                for key in bindings:
                    local, path = key
                    if local == use.base and (name == path or name.startswith(path + ".")):
                        groups.setdefault(key, []).append((use, name))
        expressions: dict[cst.CSTNode, set[str]] = {}
        for key, members in bindings.items():
            self._plan_group(key, members, groups.get(key, []), expressions)
        for node, spelled in expressions.items():
            if len(spelled) > 1:
                self.reports.append(
                    Report(
                        node,
                        "TFM103",
                        f"`{get_full_name_for_node(node)}` is bound by several imports that "
                        "resolve to different TensorFlow 2 names; left as it is",
                        "import it once, from its TensorFlow 2 home",
                    )
                )
                self.replacements.pop(node, None)
        self._plan_stars()
        for use in self.uses:
            if use.star_module is not None:
                self._note_flags(use)
            self._note_final_name(use)

    def _find_root(self) -> None:
        for wanted in ("tensorflow", symbols.V1):
            for binding in self.bindings:
                if binding.top_level and binding.path == wanted and binding.local.isidentifier():
                    self.root = argument_fixes.Root(binding.local, binding.path)
                    self.root_statement = binding.statement
                    return

    def _note_flags(self, use: Use) -> None:
        for name in use.qualified:
            found = resolve.canonical(name)
            if found is None:
                continue
            key = found[0]
            if (key in symbols.GRAPH_BUILDERS or key in symbols.GONE_GRAPH_BUILDERS) and self.graph_builder is None:
                self.graph_builder = use.node
            if key in symbols.EAGER_SWITCHES and use.call is not None:
                self.eager_disabled = True

    def _note_final_name(self, use: Use) -> None:
        for name in use.qualified:
            resolution = self.resolution(use, name)
            final = name
            if resolution is not None:
                if resolution.call_rewrite is not None:
                    if use.call is None or self.call_rewrite(use) is None:
                        continue
                    final = argument_fixes.CALL_REWRITE_TARGETS[resolution.call_rewrite]
                elif resolution.target is None:
                    continue
                else:
                    final = resolution.target
            elif use.star_module is not None:
                continue
            final = resolve.compat_form(final) if final.startswith("tensorflow.compat.") else final
            self.final_names[use.node] = final
            if self.legacy_keras_use is None and any(
                final == module or final.startswith(module + ".")
                for module in symbols.LEGACY_KERAS_MODULES
            ):
                self.legacy_keras_use = use.node

    def call_rewrite(self, use: Use) -> cst.Call | None:
        """The whole-call rewrite of ``use.call`` when its function has one and it applies."""
        for name in use.qualified:
            resolution = self.resolution(use, name)
            if resolution is not None and resolution.call_rewrite is not None and use.call is not None:
                fix = getattr(argument_fixes, resolution.call_rewrite)(use.call, self.root)
                return fix.call
        return None

    # --- imports and their uses --------------------------------------------------------
    def _target(self, use: Use, name: str, path: str) -> tuple[str | None, bool]:
        """(new full name or None, handled elsewhere) for one use of a binding to ``path``."""
        resolution = self.resolution(use, name)
        if name in symbols.MODULE_HOMES:
            # The old module itself, used as a value (`rnn_cell`, `rc = tf.contrib.rnn`).
            home, whole = symbols.MODULE_HOMES[name]
            if whole:
                return home, False
            self._report_module_value(use, name)
            return None, True
        if resolution is None:
            if resolve.is_legacy_path(path) and name.startswith(path + "."):
                return None, False
            return name, False
        if resolution.call_rewrite is not None and use.call is not None:
            return None, True  # fix_arguments rewrites the whole call
        if resolution.call_rewrite is not None or resolution.target is None:
            # A call rewrite used as a value (not called here) has no home either.
            self.reports.append(
                Report(
                    use.node,
                    "TFM101",
                    f"{display(resolution.key)} has no TensorFlow 2 home",
                    resolution.suggestion,
                )
            )
            return None, True
        return resolution.target, False

    def _report_module_value(self, use: Use, path: str) -> None:
        home, _ = symbols.MODULE_HOMES[path]
        if use.assigned_to is not None:
            message = (
                f"`{use.assigned_to}` aliases {display(path)}, whose members moved to different "
                "TensorFlow 2 modules; names used through it are not rewritten"
            )
            code = "TFM102"
        else:
            message = f"{display(path)} is used as a value; its members moved to different modules"
            code = "TFM105"
        self.reports.append(
            Report(
                use.node,
                code,
                message,
                f"use {display(home)} and {display(home)}.rnn_cell names directly",
                "error",
            )
        )

    def _plan_group(
        self,
        key: tuple[str, str],
        members: list[Binding],
        uses: list[tuple[Use, str]],
        expressions: dict[cst.CSTNode, set[str]],
    ) -> None:
        local, path = key
        legacy_path = resolve.is_legacy_path(path)
        targets: list[tuple[Use, str, str]] = []
        handled_elsewhere = 0
        rebind = legacy_path
        for use, name in uses:
            target, elsewhere = self._target(use, name, path)
            if target is None:
                handled_elsewhere += elsewhere
                if not elsewhere:
                    missing = resolve.resolve(name)
                    self.reports.append(
                        Report(
                            use.node,
                            "TFM101",
                            f"{display(name)} has no TensorFlow 2 home",
                            missing.suggestion if missing else "",
                        )
                    )
                continue
            targets.append((use, name, target))
            if resolve.express(target, path) is None:
                rebind = True
            if use.assigned_to is not None and name != target:
                self._report_alias(use, name, target)
        new_path = path
        if rebind:
            new_path = self._new_binding_path(path, targets)
            if new_path is None:
                if not targets and uses and handled_elsewhere == len(uses):
                    # Every use is rewritten through the module's own TensorFlow binding;
                    # the old import is then unused and RemoveImportsVisitor drops it.
                    self.removable_imports.extend(binding.node for binding in members)
                elif not uses:
                    self.reports.append(
                        Report(
                            members[0].alias,
                            "TFM101",
                            f"{display(path)} has no TensorFlow 2 home",
                            resolve.resolve(path).suggestion if resolve.resolve(path) else "",
                        )
                    )
                return
        for use, name, target in targets:
            spelled_target = resolve.compat_form(target) if rebind else target
            suffix = resolve.express(spelled_target, new_path)
            if suffix is None:
                continue
            new_text = local + suffix
            expressions.setdefault(use.node, set()).add(new_text)
            if new_text != get_full_name_for_node(use.node):
                self.replacements[use.node] = cst.parse_expression(new_text)
        for binding in members:
            if new_path != path or resolve.is_legacy_path(binding.imported):
                self._rewrite_alias(binding, new_path)

    def _report_alias(self, use: Use, name: str, target: str) -> None:
        relative = resolve.canonical(name)
        if relative is None:
            return
        key = relative[0]
        module = key in symbols.MODULE_HOMES or key[len("tensorflow.") :] in resolve.generated.DROPPED_MODULES
        if module:
            self.reports.append(
                Report(
                    use.node,
                    "TFM102",
                    f"`{use.assigned_to}` aliases the module {display(key)}; it now points to "
                    f"{display(target)}, but names used through `{use.assigned_to}` are not checked",
                    f"use {display(target)}.<name> directly",
                    "info",
                )
            )

    @staticmethod
    def _new_binding_path(path: str, targets: list[tuple[Use, str, str]]) -> str | None:
        homes = []
        for use, _, target in targets:
            parts = resolve.compat_form(target).split(".")
            if len(parts) - use.depth < 1:
                return None
            homes.append(parts[: len(parts) - use.depth])
        if not homes:
            if path in symbols.MODULE_HOMES:
                return symbols.MODULE_HOMES[path][0]
            resolution = resolve.resolve(path)
            return resolution.target if resolution is not None else None
        common = homes[0]
        for home in homes[1:]:
            size = 0
            while size < min(len(common), len(home)) and common[size] == home[size]:
                size += 1
            common = common[:size]
        return ".".join(common) if common and common[0] == "tensorflow" else None

    def _rewrite_alias(self, binding: Binding, new_path: str) -> None:
        statement = binding.statement
        rewrites = self._alias_rewrites.setdefault(statement, {})
        if isinstance(binding.node, cst.Import) and binding.alias.asname is None:
            # `import tensorflow.contrib.rnn` binds `tensorflow`; its uses are rewritten to
            # absolute names, so importing the package is enough.
            rewrites[binding.alias] = ("import", "", new_path, None)
        elif "." not in new_path or isinstance(binding.node, cst.Import):
            asname = None if binding.local == new_path else binding.local
            rewrites[binding.alias] = ("import", "", new_path, asname)
        else:
            parent, last = new_path.rsplit(".", 1)
            rewrites[binding.alias] = ("from", parent, last, None if binding.local == last else binding.local)

    def _plan_stars(self) -> None:
        for statement, rewrites in self._alias_rewrites.items():
            self.statement_rewrites[statement] = rewrite_import_statement(statement, rewrites)
        # A star import of an old module becomes explicit imports of the names this file
        # uses, from their new homes. A star import of the new home instead would be shorter
        # but wrong: contrib.rnn's members went to two modules (cells to nn.rnn_cell, drivers
        # such as static_rnn to nn), so `from tensorflow.compat.v1.nn.rnn_cell import *`
        # would silently drop the drivers, and names with no home would only fail at run time.
        for star in self.stars:
            if not resolve.is_legacy_path(star.module):
                continue
            imports: dict[str, list[tuple[str, str]]] = {}
            for name, old in sorted(star.names.items()):
                resolution = resolve.resolve(old)
                if resolution is None or resolution.target is None:
                    self.reports.append(
                        Report(
                            star.node,
                            "TFM101",
                            f"{display(old)} (from the star import) has no TensorFlow 2 home",
                            resolution.suggestion if resolution else "",
                        )
                    )
                    continue
                parent, last = resolve.compat_form(resolution.target).rsplit(".", 1)
                imports.setdefault(parent, []).append((last, name))
            lines = [_import_from(parent, names) for parent, names in imports.items()]
            if lines:
                lines[0] = lines[0].with_changes(
                    leading_lines=star.statement.leading_lines,
                    trailing_whitespace=star.statement.trailing_whitespace,
                )
            self.statement_rewrites[star.statement] = lines
            if star.unknown:
                self.reports.append(
                    Report(
                        star.node,
                        "TFM104",
                        f"`from {star.module} import *` was replaced by the names this file uses "
                        f"that the tables know; these undefined names are not among them: "
                        f"{', '.join(star.unknown)}",
                        "import them explicitly from their TensorFlow 2 home",
                    )
                )


def _dotted(name: str) -> cst.Attribute | cst.Name:
    return cst.parse_expression(name)  # type: ignore[return-value]


def _import_from(parent: str, names: list[tuple[str, str]]) -> cst.SimpleStatementLine:
    aliases = [
        cst.ImportAlias(
            name=cst.Name(name), asname=None if name == local else cst.AsName(name=cst.Name(local))
        )
        for name, local in names
    ]
    return cst.SimpleStatementLine(body=[cst.ImportFrom(module=_dotted(parent), names=aliases)])


def _new_alias(alias: cst.ImportAlias, name: str, asname: str | None) -> cst.ImportAlias:
    if asname is None:
        new_asname = None
    elif alias.asname is not None and get_full_name_for_node(alias.asname.name) == asname:
        new_asname = alias.asname
    else:
        new_asname = cst.AsName(name=cst.Name(asname))
    return alias.with_changes(name=_dotted(name), asname=new_asname)


def rewrite_import_statement(
    statement: cst.SimpleStatementLine, rewrites: dict[cst.ImportAlias, tuple]
) -> list[cst.SimpleStatementLine]:
    """The statement(s) that replace ``statement`` once the given aliases point elsewhere.

    ``rewrites`` maps an alias to ``(kind, module, name, asname)``: kind ``"import"`` gives
    ``import name as asname``, ``"from"`` gives ``from module import name as asname``. Aliases
    that keep their kind and module are edited in place, so formatting survives; an import
    whose aliases now come from different modules is split into one statement per module.
    """
    body: list[cst.BaseSmallStatement] = []
    for small in statement.body:
        if not isinstance(small, (cst.Import, cst.ImportFrom)) or isinstance(small.names, cst.ImportStar):
            body.append(small)
            continue
        groups: list[tuple[tuple[str, str], list[cst.ImportAlias]]] = []
        original_module = (
            get_full_name_for_node(small.module) if isinstance(small, cst.ImportFrom) else ""
        )
        for alias in small.names:
            if alias in rewrites:
                kind, module, name, asname = rewrites[alias]
                new_alias = _new_alias(alias, name, asname)
            elif isinstance(small, cst.Import):
                kind, module, new_alias = "import", "", alias
            else:
                kind, module, new_alias = "from", original_module, alias
            if groups and groups[-1][0] == (kind, module):
                groups[-1][1].append(new_alias)
            else:
                groups.append(((kind, module), [new_alias]))
        for index, ((kind, module), aliases) in enumerate(groups):
            aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            same_kind = (kind == "import") == isinstance(small, cst.Import)
            if len(groups) == 1 and same_kind:
                if kind == "import":
                    body.append(small.with_changes(names=aliases))
                else:
                    body.append(small.with_changes(module=_dotted(module), names=aliases))
            elif kind == "import":
                body.append(cst.Import(names=aliases))
            else:
                body.append(cst.ImportFrom(module=_dotted(module), names=aliases))
    if len(statement.body) > 1 or len(body) == 1:
        return [statement.with_changes(body=body)]
    lines = [cst.SimpleStatementLine(body=[small]) for small in body]
    lines[0] = lines[0].with_changes(
        leading_lines=statement.leading_lines, trailing_whitespace=statement.trailing_whitespace
    )
    return lines
