"""The evaluation of expressions to abstract values, and the chains judged all or nothing."""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst
from libcst.metadata import Access, Assignment, BaseAssignment

from migrate import keras_symbols as ks
from migrate import qualified_names
from migrate.cell_flow.facts import STARRED, Facts, call_argument, decorators, is_cell_step, is_static
from migrate.cell_flow.values import (
    CELL_WRAPPERS, FOREIGN_CELL_MODULES, NOT_A_CELL, Blocker, Cell, CellClass, CellFlow, Foreign,
    Function, Instance, ModuleClass, Sequence, UnionFind, Unknown,
)


class Analysis:
    def __init__(self, module, scopes, qualified, kept_references, display) -> None:
        self.module = module
        self.scopes = scopes
        self.qualified = qualified
        self.kept_references = kept_references
        self.display = display
        self.facts = Facts()
        module.visit(self.facts)
        self.accesses: dict[cst.CSTNode, Access] = {}
        self.bindings: dict[cst.CSTNode, BaseAssignment] = {}
        for scope in {scope for scope in scopes.values() if scope is not None}:
            for access in scope.accesses:
                self.accesses[access.node] = access
            for assignment in scope.assignments:
                if isinstance(assignment, Assignment):
                    self.bindings[assignment.node] = assignment
        # (binding of a name, attribute) -> values assigned to that attribute of that object
        self.object_attributes: dict[tuple[BaseAssignment, str], list[cst.CSTNode]] = {}
        for name, attribute, value in self.facts.object_attributes:
            access = self.accesses.get(name)
            for referent in access.referents if access is not None else ():
                self.object_attributes.setdefault((referent, attribute), []).append(value)
        self._memo: dict[cst.CSTNode, frozenset] = {}
        self._active: set[cst.CSTNode] = set()
        self._cuts = 0

    # --- evaluation ---------------------------------------------------------------------
    def value(self, node: cst.CSTNode | None) -> frozenset:
        if node is None:
            return NOT_A_CELL
        if node in self._memo:
            return self._memo[node]
        if node in self._active:
            self._cuts += 1
            return frozenset()  # a cycle adds nothing the other bindings do not
        self._active.add(node)
        cuts = self._cuts
        try:
            result = frozenset(self._value(node))
        finally:
            self._active.discard(node)
        if cuts == self._cuts:
            self._memo[node] = result
        return result

    def _value(self, node: cst.CSTNode) -> Iterable:
        if isinstance(node, (cst.Name, cst.Attribute)):
            name = self.qualified(node)
            if name is not None:
                return self._tensorflow_name(node, name)
            if isinstance(node, cst.Name):
                return self._name(node)
            return self._attribute(node)
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, (cst.List, cst.Tuple)):
            items: set = set()
            for element in node.elements:
                items |= self.value(element.value) if not isinstance(element, cst.StarredElement) else {Unknown(element)}
            return {Sequence(frozenset(items))}
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            return {Sequence(self.value(node.elt))}
        if isinstance(node, cst.BinaryOperation):
            sides = self.value(node.left) | self.value(node.right)
            sequences = {atom for atom in sides if isinstance(atom, Sequence)}
            if isinstance(node.operator, (cst.Multiply, cst.Add)) and sequences:
                return sequences
            return NOT_A_CELL if not sequences else {Unknown(node)}
        if isinstance(node, cst.Subscript):
            return self._elements(self.value(node.value), node)
        if isinstance(node, cst.IfExp):
            return self.value(node.body) | self.value(node.orelse)
        if isinstance(node, cst.BooleanOperation):
            return self.value(node.left) | self.value(node.right)
        if isinstance(node, cst.Lambda):
            return {Function(node)}
        if isinstance(node, (cst.BaseNumber, cst.BaseString, cst.Comparison, cst.UnaryOperation)):
            return NOT_A_CELL
        return {Unknown(node)}

    def _elements(self, value: frozenset, node: cst.CSTNode) -> set:
        elements: set = set()
        for atom in value:
            if isinstance(atom, Sequence):
                elements |= atom.elements
            elif atom == "not-a-cell":
                elements.add(atom)
            else:
                elements.add(Unknown(node))
        return elements

    def _tensorflow_name(self, node: cst.CSTNode, name: str) -> Iterable:
        if name in ks.CELLS or name in ks.KERAS_CELLS:
            return {CellClass(node)}
        if name.startswith(FOREIGN_CELL_MODULES) and ks.HELPERS.get(name) not in CELL_WRAPPERS and name not in ks.HELPERS:
            return {Foreign(node, qualified_names.display(name), is_class=True)}
        return NOT_A_CELL

    def _name(self, node: cst.Name) -> Iterable:
        if node.value in ("None", "True", "False"):
            return NOT_A_CELL
        access = self.accesses.get(node)
        if access is None or not access.referents:
            return {Unknown(node)}
        result: set = set()
        for referent in access.referents:
            result |= self._binding(referent, node)
        return result

    def _binding(self, referent: BaseAssignment, use: cst.CSTNode) -> set:
        if not isinstance(referent, Assignment):
            return {Unknown(use)}  # an import of something not tensorflow, a builtin
        target = referent.node
        result: set = set()
        if isinstance(target, cst.FunctionDef):
            return {Function(target)}
        if isinstance(target, cst.ClassDef):
            return {self._class(target)}
        if isinstance(target, cst.Param):
            return self._parameter(target, use)
        kind, value = self.facts.binding_value.get(target, ("unknown", use))
        if kind == "value":
            result |= self.value(value)
        elif kind == "element":
            result |= self._elements(self.value(value), value)
        elif kind == "items":
            result |= {Sequence(frozenset(self._elements(self.value(value), value)))}
        else:
            result.add(Unknown(use))
        # `cells = []` then `cells.append(cell)`: the appends of every use of this binding
        items: set = set()
        for reference in referent.references:
            for item_kind, item in self.facts.appended.get(reference.node, ()):
                items |= self.value(item) if item_kind == "value" else self._elements(self.value(item), item)
        if items:
            result.add(Sequence(frozenset(items)))
        return result

    def _class(self, node: cst.ClassDef):
        for base in node.bases:
            base_value = self.value(base.value)
            if any(isinstance(atom, (CellClass, Foreign)) for atom in base_value):
                return Foreign(node, f"{node.name.value}, a subclass of a TF1 cell", is_class=True)
            if not all(isinstance(atom, ModuleClass) for atom in base_value) and not (
                isinstance(base.value, cst.Name) and base.value.value == "object"
            ):
                return Unknown(node)
        return ModuleClass(node)

    def _attribute(self, node: cst.Attribute) -> Iterable:
        access = self.accesses.get(node.value) if isinstance(node.value, cst.Name) else None
        if access is not None and access.referents and all(
            (referent, node.attr.value) in self.object_attributes for referent in access.referents
        ):
            # `model = SmartDict(); model.cell = MultiRNNCell(...)`: what that object's attribute got
            result: set = set()
            for referent in access.referents:
                for value in self.object_attributes[(referent, node.attr.value)]:
                    result |= self.value(value)
            return result
        owners = self.value(node.value)
        result: set = set()
        for owner in owners:
            if not isinstance(owner, Instance):
                return {Unknown(node)}
            method = self.facts.methods.get((owner.node, node.attr.value))
            if method is not None and decorators(method) == {"property"}:
                # `@property def cell(self): return self._cell`: reading it runs it
                for returned in self.facts.returns.get(method, ()):
                    result |= self.value(returned)
                continue
            if method is not None:
                result.add(Function(method))
                continue
            assigned = self.facts.attribute_values.get((owner.node, node.attr.value))
            if not assigned:
                return {Unknown(node)}
            items: set = set()
            for kind, value in assigned:
                if kind == "value":
                    result |= self.value(value)
                elif kind == "item":
                    items |= self.value(value)
                elif kind == "items":
                    items |= self._elements(self.value(value), value)
                else:
                    result.add(Unknown(node))
            if items:
                result.add(Sequence(frozenset(items)))
        return result or {Unknown(node)}

    def _call(self, node: cst.Call) -> Iterable:
        name = self.qualified(node.func)
        if name is not None:
            if name in ks.CELLS or name in ks.KERAS_CELLS or ks.HELPERS.get(name) in CELL_WRAPPERS:
                return {Cell(node)}
            if name.startswith(FOREIGN_CELL_MODULES) and name not in ks.HELPERS:
                return {Foreign(node, f"a {qualified_names.display(name)}")}
            return NOT_A_CELL
        if isinstance(node.func, cst.Name) and node.func.value in ("list", "tuple") and len(node.args) == 1:
            if self._builtin(node.func):
                return {Sequence(frozenset(self._elements(self.value(node.args[0].value), node)))}
        result: set = set()
        for atom in self.value(node.func):
            if isinstance(atom, CellClass):
                result.add(Cell(atom.reference))
            elif isinstance(atom, Foreign) and atom.is_class:
                result.add(Foreign(node, f"a {atom.what}"))
            elif isinstance(atom, Function):
                if atom.node in self.facts.generators or decorators(atom.node) - {"staticmethod"}:
                    result.add(Unknown(node))  # a generator, or a decorator that may change the result
                    continue
                for returned in self.facts.returns.get(atom.node, ()):
                    result |= self.value(returned)
                if not self.facts.returns.get(atom.node):
                    result |= NOT_A_CELL
            elif isinstance(atom, ModuleClass):
                result.add(Instance(atom.node))
            else:
                result.add(Unknown(node))
        return result

    def _builtin(self, name: cst.Name) -> bool:
        access = self.accesses.get(name)
        return access is not None and not any(isinstance(r, Assignment) for r in access.referents)

    def _parameter(self, param: cst.Param, use: cst.CSTNode) -> set:
        parameters = self.facts.parent.get(param)
        function = self.facts.parent.get(parameters)
        if not isinstance(parameters, cst.Parameters) or not isinstance(function, (cst.FunctionDef, cst.Lambda)):
            return {Unknown(use)}
        positional = [*parameters.posonly_params, *parameters.params]
        owner = self.facts.parent.get(self.facts.parent.get(function))
        method = isinstance(function, cst.FunctionDef) and isinstance(owner, cst.ClassDef) and not is_static(function)
        if method and positional and positional[0] is param:
            return {Instance(owner)}  # `self`
        if param not in positional and param not in parameters.kwonly_params:
            return {Unknown(use)}  # *args / **kwargs
        calls = self._call_sites(function, owner if method else None)
        if not calls:
            return {Unknown(use)}
        index = positional.index(param) - (1 if method else 0) if param in positional else None
        result: set = set()
        for call in calls:
            argument = call_argument(call, param.name.value, index)
            if argument is STARRED:
                return {Unknown(use)}
            result |= self.value(argument) if argument is not None else self.value(param.default) if param.default else {Unknown(use)}
        return result

    def _call_sites(self, function, owner: cst.ClassDef | None) -> list[cst.Call] | None:
        """Every call of ``function``, or None when it is also used otherwise (or unknown)."""
        if isinstance(function, cst.Lambda):
            # `dropout = lambda cell, keep: DropoutWrapper(cell, keep)`: the calls of that name
            assign = self.facts.parent.get(function)
            if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
                return None
            function = assign.targets[0].target
        if owner is None:
            binding = self.bindings.get(function)
            if binding is None:
                return None
            calls = []
            for reference in binding.references:
                call = self.facts.parent.get(reference.node)
                if not isinstance(call, cst.Call) or call.func is not reference.node:
                    return None
                calls.append(call)
            return calls
        # A method: every `X.name(...)` whose X is an instance of its class, and no other use
        # of that attribute name on such an instance.
        calls = []
        for attribute in self.facts.attributes:
            if attribute.attr.value != function.name.value:
                continue
            owners = self.value(attribute.value)
            if not any(isinstance(atom, Instance) and atom.node is owner for atom in owners):
                continue
            call = self.facts.parent.get(attribute)
            if not isinstance(call, cst.Call) or call.func is not attribute:
                return None
            calls.append(call)
        return calls

    # --- judging the sites ---------------------------------------------------------------
    def run(self) -> CellFlow:
        flow = CellFlow()
        union = UnionFind()
        blocked_roots: dict = {}
        module_blockers: list[Blocker] = []
        origins: list[cst.CSTNode] = []
        receivers: list[tuple[cst.CSTNode, frozenset]] = []
        for call in self.facts.calls:
            name = self.qualified(call.func)
            helper = ks.HELPERS.get(name or "")
            if name in ks.CELLS or helper in CELL_WRAPPERS:
                origins.append(call)
                union.add(call)
            if name in ks.CELLS and ks.CELLS[name][1] == "stack":
                self._consume(call, call_argument(call, "cells", 0), True, union, blocked_roots, module_blockers)
            elif helper in CELL_WRAPPERS:
                self._consume(call, call_argument(call, "cell", 0), False, union, blocked_roots, module_blockers)
            elif helper in ks.DRIVER_CELL_ARGUMENTS:
                union.add(call)
                for keyword, position, is_list in ks.DRIVER_CELL_ARGUMENTS[helper]:
                    self._consume(call, call_argument(call, keyword, position), is_list, union, blocked_roots, module_blockers)
            elif name is not None and name not in ks.HELPERS and name not in ks.CELLS and name.startswith("tensorflow."):
                # A TensorFlow function the level does not convert (raw_rnn, a contrib decoder or
                # wrapper...) needs TF1 cells: every cell passed to it stays compat.
                self._foreign_consumer(call, name, union, blocked_roots)
            elif isinstance(call.func, cst.Attribute) and call.func.attr.value in ks.CELL_METHODS:
                receivers.append((call.func.value, self.value(call.func.value)))
            elif name is None and is_cell_step(call):
                receivers.append((call.func, self.value(call.func)))
        for attribute in self.facts.attributes:
            if attribute.attr.value in ks.CELL_PROPERTIES and self.qualified(attribute) is None:
                receivers.append((attribute.value, self.value(attribute.value)))
        for reference in self.facts.references:
            if self.qualified(reference) in ks.CELLS and reference not in self.kept_references and not (
                isinstance(self.facts.parent.get(reference), cst.Call) and self.facts.parent[reference].func is reference
            ) and not isinstance(self.facts.parent.get(reference), cst.Attribute):
                origins.append(reference)
                union.add(reference)
        receivers = [(receiver, self._cells_at(value, False)) for receiver, value in receivers]
        for receiver, value in receivers:
            cells = [atom for atom in value if isinstance(atom, Cell)]
            if not cells:
                continue  # not a cell this module converts: left alone
            for atom in cells:
                union.join(receiver, atom.origin)
            doubtful = [atom for atom in value if not isinstance(atom, Cell)]
            if doubtful:
                blocked_roots.setdefault(union.find(receiver), Blocker(
                    receiver,
                    f"`{self.display(receiver)}` holds a TF1 cell here only on some paths "
                    f"({self._describe(doubtful[0])} on others)",
                    "make it hold one cell object on every path, or port this use by hand",
                ))
        for root, blocker in list(blocked_roots.items()):
            blocked_roots[union.find(root)] = blocker
        if module_blockers:
            flow.blockers = module_blockers
            flow.kept = {node for node in union.nodes()}
        else:
            flow.blockers = list({id(b): b for b in blocked_roots.values()}.values())
            flow.kept = {node for node in union.nodes() if union.find(node) in {union.find(r) for r in blocked_roots}}
        for node in list(flow.kept):
            if isinstance(node, cst.Call) and ks.HELPERS.get(self.qualified(node.func) or "") in ks.LEGACY_CELL_HELPERS:
                flow.kept.discard(node)  # converted anyway: keras_rnn runs TF1 cells there as TF1 did
            elif isinstance(node, cst.Call):
                flow.kept.add(node.func)
        flow.cells = {receiver for receiver, value in receivers
                      if value and all(isinstance(atom, Cell) for atom in value)
                      and receiver not in flow.kept
                      and not any(isinstance(atom, Cell) and atom.origin in flow.kept for atom in value)}
        return flow

    def _foreign_consumer(self, call, name, union, blocked_roots) -> None:
        for arg in call.args:
            value = self.value(arg.value)
            cells = [atom for atom in value | self._elements(value, arg.value) if isinstance(atom, Cell)]
            if not cells:
                continue
            for atom in cells:
                union.join(call, atom.origin)
            blocked_roots.setdefault(union.find(call), Blocker(
                call,
                f"`{self.display(arg.value)}` is passed to {qualified_names.display(name)}, which the keras level "
                "does not convert and which needs TF1 cells: this chain stays tf.compat.v1 and the "
                "file keeps tf_keras",
                f"port the {qualified_names.display(name)} call by hand to Keras 3, then rewrite again",
            ))

    def _consume(self, site, argument, is_list, union, blocked_roots, module_blockers) -> None:
        """Link ``site`` (a stack, wrapper or driver call) with the cells its argument holds."""
        if argument is None or argument is STARRED:
            module_blockers.append(Blocker(site, f"{self._site(site)}: its cell argument could not be read",
                                           "pass the cell as a plain argument"))
            return
        value = self._cells_at(self.value(argument), is_list)
        if not value:
            value = frozenset({Unknown(argument)})
        for atom in value:
            if isinstance(atom, Cell):
                union.join(site, atom.origin)
            elif isinstance(atom, Foreign) and not atom.is_class:
                union.join(site, atom.node)
        for atom in value:
            if isinstance(atom, Cell):
                continue
            if isinstance(atom, Unknown):
                module_blockers.append(Blocker(
                    site,
                    f"{self._site(site)}: `{self.display(argument)}` could not be traced to a TF1 cell "
                    f"constructor in this file ({self._describe(atom)}), so no cell of the file is "
                    "converted (one could reach this call unseen)",
                    "build the cell in this file where the call can see it (a local variable, "
                    "a function of this file, or self.<attribute> of the same class), or port this "
                    "file by hand",
                ))
            else:
                blocked_roots.setdefault(union.find(site), Blocker(
                    site,
                    f"{self._site(site)}: `{self.display(getattr(atom, 'node', argument))}` is {self._describe(atom)}, "
                    "which the keras level does not convert: this chain stays tf.compat.v1 and the "
                    "file keeps tf_keras",
                    "port that cell to a Keras 3 cell (keras.layers.AbstractRNNCell) by hand, then "
                    "rewrite again",
                ))
            return

    @staticmethod
    def _cells_at(value: frozenset, is_list: bool) -> frozenset:
        """What a cell parameter (or a list-of-cells one) may receive, without the atoms TF1
        itself refuses there: a tensor, a list or a class where a cell goes, a lone cell where
        a list goes. Such atoms come only from the analysis not being flow-sensitive
        (``cell = [...]`` then ``cell = MultiRNNCell(cell)``: both bindings reach each use)."""
        if is_list:
            elements: set = set()
            for atom in value:
                if isinstance(atom, Sequence):
                    elements |= atom.elements
                elif isinstance(atom, Unknown):
                    elements.add(atom)
            value = frozenset(elements)
        return frozenset(
            atom for atom in value
            if atom not in NOT_A_CELL
            and not isinstance(atom, (Sequence, CellClass, Function, ModuleClass))
            and not (isinstance(atom, Foreign) and atom.is_class)
        )

    def _site(self, call: cst.Call) -> str:
        name = self.qualified(call.func)
        return qualified_names.display(name) if name else self.display(call.func)

    def _describe(self, atom) -> str:
        if isinstance(atom, Foreign):
            return atom.what
        if isinstance(atom, Instance):
            return f"an instance of class {atom.node.name.value}"
        if isinstance(atom, Unknown):
            return f"`{self.display(atom.node)}` is not traceable"
        if isinstance(atom, Sequence):
            return "a list"
        if isinstance(atom, (Function, ModuleClass, CellClass)):
            return "a function or class, not a cell"
        return "not a cell"
