"""The one walk over a module that collects what the binding analysis evaluates, and the
call-shape helpers the walk and the analysis share."""

from __future__ import annotations

import libcst as cst


class Facts(cst.CSTVisitor):
    """One walk collecting what the evaluation needs: parents, binding values, appends,
    ``self.attr`` assignments per class, returns per function, the sites to judge."""

    def __init__(self) -> None:
        super().__init__()
        self.parent: dict[cst.CSTNode, cst.CSTNode] = {}
        self.binding_value: dict[cst.CSTNode, tuple[str, cst.CSTNode | None]] = {}
        self.appended: dict[cst.CSTNode, list[tuple[str, cst.CSTNode]]] = {}  # Name access -> items
        self.attribute_values: dict[tuple[cst.ClassDef, str], list[tuple[str, cst.CSTNode]]] = {}
        self.methods: dict[tuple[cst.ClassDef, str], cst.FunctionDef] = {}
        # `model.cell = V` on a name that is not a method's self: (the name's node, attr, V)
        self.object_attributes: list[tuple[cst.Name, str, cst.CSTNode]] = []
        self.returns: dict[cst.CSTNode, list[cst.CSTNode | None]] = {}
        self.generators: set[cst.CSTNode] = set()
        self.calls: list[cst.Call] = []
        self.attributes: list[cst.Attribute] = []
        self.references: list[cst.CSTNode] = []
        self._functions: list[cst.CSTNode] = []
        self._classes: list[cst.ClassDef | None] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        for child in node.children:
            self.parent[child] = node
        return super().on_visit(node)

    # functions and classes
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        owner = self._classes[-1] if self._classes else None
        if owner is not None and self.parent.get(self.parent.get(node)) is owner:
            self.methods[(owner, node.name.value)] = node
        self._functions.append(node)
        self._classes.append(None)
        self.returns.setdefault(node, [])

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.pop()
        self._classes.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.returns[node] = [node.body]

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.pop()

    def visit_Return(self, node: cst.Return) -> None:
        if self._functions:
            self.returns[self._functions[-1]].append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        if self._functions:
            self.generators.add(self._functions[-1])

    # bindings
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, "value", node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, "value", node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.AddAssign):
            self._bind(node.target, "items", node.value)
        else:
            self._bind(node.target, "unknown", node.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, "element", node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target, "element", node.iter)

    def _bind(self, target: cst.BaseExpression, kind: str, value: cst.CSTNode | None) -> None:
        if isinstance(target, cst.Name):
            self.binding_value[target] = (kind, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            items = value.elements if kind == "value" and isinstance(value, (cst.Tuple, cst.List)) else None
            for index, element in enumerate(target.elements):
                if items is not None and len(items) == len(target.elements) and not isinstance(element, cst.StarredElement):
                    self._bind(element.value, "value", items[index].value)
                elif isinstance(element, cst.StarredElement):
                    self._bind(element.value, "items" if kind == "value" else "unknown", value)
                else:
                    # `a, b = f()`: each target may hold any element of what f returns
                    self._bind(element.value, "element" if kind == "value" else "unknown", value)
        elif isinstance(target, cst.Attribute) and self._self_name(target.value) is not None:
            owner = self._self_name(target.value)
            self.attribute_values.setdefault((owner, target.attr.value), []).append((kind, value))
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and kind == "value":
            self.object_attributes.append((target.value, target.attr.value, value))

    def _self_name(self, node: cst.CSTNode) -> cst.ClassDef | None:
        """The class whose method this is, when ``node`` is that method's first parameter."""
        if not isinstance(node, cst.Name) or not self._functions:
            return None
        function = self._functions[-1]
        if not isinstance(function, cst.FunctionDef):
            return None
        owner = self.parent.get(self.parent.get(function))
        if not isinstance(owner, cst.ClassDef) or not function.params.params:
            return None
        if function.params.params[0].name.value != node.value or is_static(function):
            return None
        return owner

    # sites and appends
    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("append", "extend", "insert") and node.args:
            kind = "items" if func.attr.value == "extend" else "value"
            item = node.args[-1].value
            if isinstance(func.value, cst.Name):
                self.appended.setdefault(func.value, []).append((kind, item))
            owner = self._self_name(func.value.value) if isinstance(func.value, cst.Attribute) else None
            if owner is not None:
                self.attribute_values.setdefault((owner, func.value.attr.value), []).append(
                    ("items" if kind == "items" else "item", item)
                )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.attributes.append(node)
        self.references.append(node)

    def visit_Name(self, node: cst.Name) -> None:
        self.references.append(node)


def decorators(function: cst.CSTNode) -> set[str]:
    """The decorators of a function, as written (``property``, ``tf.function``...)."""
    if not isinstance(function, cst.FunctionDef):
        return set()
    return {cst.Module(body=[]).code_for_node(decorator.decorator) for decorator in function.decorators}


def is_static(function: cst.FunctionDef) -> bool:
    return any(
        isinstance(decorator.decorator, cst.Name) and decorator.decorator.value in ("staticmethod", "classmethod")
        for decorator in function.decorators
    )


STARRED = object()


def call_argument(call: cst.Call, keyword: str, position: int | None):
    """The argument bound to a parameter: by keyword, else by position; STARRED when a
    ``*args`` / ``**kwargs`` makes it unknowable; None when absent."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    seen = 0
    for arg in call.args:
        if arg.star:
            return STARRED
        if arg.keyword is None:
            if position is not None and seen == position:
                return arg.value
            seen += 1
    return None


def is_cell_step(call: cst.Call) -> bool:
    """``cell(inputs, state)`` or ``cell(inputs, state, scope=...)``."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    keywords = {arg.keyword.value for arg in call.args if arg.keyword is not None}
    return len(positional) == 2 and keywords <= {"scope"} and not any(arg.star for arg in call.args)
