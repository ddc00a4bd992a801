"""A ``feed_dict`` built before its ``Session.run``: the char-RNN idiom, read as one feed.

::

    feed = {input_data: x, targets: y}
    for i, (c, h) in enumerate(initial_state):   # each layer's zero-state tensors
        feed[c] = state[i].c
        feed[h] = state[i].h
    loss, state, _ = sess.run([cost, final_state, train_op], feed)

feeds ``input_data``, ``targets`` and, layer by layer, the whole ``initial_state`` with ``state``:
the same as ``{input_data: x, targets: y, initial_state: state}``. Only this exact shape is read
(the dict literal, the optional loop right after it, the run right after that, the dict's name
used nowhere else -- a name rebuilt this way before each of several runs is read at each); the
statements before the run then leave with the Session.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst



@dataclass
class BuiltFeed:
    feed: cst.Dict  # the feed as one literal: {placeholder: value, ..., state: fed state value}
    statements: list[cst.BaseStatement]  # the statements that built it (deleted with the Session)


def built_feeds(program, blocks: list[list[cst.BaseStatement]]) -> dict[int, BuiltFeed]:
    """{id of the Session.run call: its feed} for every run fed by a dict built just before it."""
    found: dict[int, BuiltFeed] = {}
    occurrences = _name_counts(blocks[0])
    mentions: dict[str, int] = {}  # per dict name, the occurrences the builds found account for
    names: dict[int, str] = {}
    for block in blocks:
        for index, node in enumerate(block):
            name_and_dict = _dict_assignment(node)
            if name_and_dict is None:
                continue
            name, literal = name_and_dict
            elements = list(literal.elements)
            used = [node]
            following = block[index + 1:]
            if following and isinstance(following[0], cst.For):
                state = _state_loop(following[0], name, program)
                if state is None:
                    continue
                elements.append(cst.DictElement(cst.Name(state[0]), state[1]))
                used.append(following[0])
                following = following[1:]
            if not following:
                continue
            call = _run_fed_by(following[0], name, program.session_name)
            if call is None:
                continue
            loop_mentions = _name_counts([used[1]]).get(name, 0) if len(used) == 2 else 0
            mentions[name] = mentions.get(name, 0) + 2 + loop_mentions
            names[id(call)] = name
            found[id(call)] = BuiltFeed(literal.with_changes(elements=elements), used)
    # The dict's name appears in these statements only (bound, extended in the loop, fed), in
    # each build of it: used anywhere else, it is a dict the script keeps, and nothing is read.
    return {key: feed for key, feed in found.items() if occurrences.get(names[key], 0) == mentions[names[key]]}


def _name_counts(nodes: list[cst.BaseStatement]) -> dict[str, int]:
    counts: dict[str, int] = {}

    class Count(cst.CSTVisitor):
        def visit_Arg(self, argument: cst.Arg) -> bool:
            argument.value.visit(self)  # `feed_dict=feed` mentions the name feed, not feed_dict
            return False

        def visit_Name(self, name: cst.Name) -> None:
            counts[name.value] = counts.get(name.value, 0) + 1

    for node in nodes:
        node.visit(Count())
    return counts


def _dict_assignment(node: cst.BaseStatement) -> tuple[str, cst.Dict] | None:
    if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
        small = node.body[0]
        if (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
                and isinstance(small.value, cst.Dict)):
            return small.targets[0].target.value, small.value
    return None


def _state_loop(loop: cst.For, feed: str, program) -> tuple[str, cst.BaseExpression] | None:
    """``for i, (c, h) in enumerate(S): feed[c] = E[i].c; feed[h] = E[i].h`` -> (S, E)."""
    iterated = loop.iter
    if not (isinstance(iterated, cst.Call) and isinstance(iterated.func, cst.Name) and iterated.func.value == "enumerate"
            and len(iterated.args) == 1 and isinstance(iterated.args[0].value, cst.Name)):
        return None
    state = iterated.args[0].value.value
    if state not in program.fed_states or loop.orelse is not None:
        return None
    target = loop.target
    if not (isinstance(target, cst.Tuple) and len(target.elements) == 2 and isinstance(target.elements[0].value, cst.Name)):
        return None
    index = target.elements[0].value.value
    body = list(loop.body.body) if isinstance(loop.body, cst.IndentedBlock) else []
    if isinstance(target.elements[1].value, cst.Name):
        # One tensor per layer (GRU, simple cells): ``for i, s in enumerate(S): feed[s] = E[i]``.
        if len(body) != 1:
            return None
        source = _fed_item(body[0], feed, target.elements[1].value.value, index)
        if source is None:
            return None
        # E may be a tuple or an array stacked by layer (tf.identity of a fetched state tuple):
        # TF1 fed E[i] either way; the step's tuple parameter takes tuple(E).
        return state, cst.Call(cst.Name("tuple"), [cst.Arg(source)])
    if not (isinstance(target.elements[1].value, cst.Tuple) and len(target.elements[1].value.elements) == 2):
        return None
    parts = [element.value for element in target.elements[1].value.elements]
    if not all(isinstance(part, cst.Name) for part in parts):
        return None
    if len(body) != 2:
        return None
    source = None
    for statement, part, field in zip(body, parts, ("c", "h")):
        pair = _fed_field(statement, feed, part.value, index, field)
        if pair is None or (source is not None and not source.deep_equals(pair)):
            return None
        source = pair
    return state, source


def _fed_field(statement: cst.BaseStatement, feed: str, key: str, index: str, field: str) -> cst.BaseExpression | None:
    """``feed[key] = E[index].field`` -> E."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Assign) and len(statement.body[0].targets) == 1):
        return None
    target, value = statement.body[0].targets[0].target, statement.body[0].value
    if not (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and target.value.value == feed
            and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index)
            and isinstance(target.slice[0].slice.value, cst.Name) and target.slice[0].slice.value.value == key):
        return None
    if not (isinstance(value, cst.Attribute) and value.attr.value == field and isinstance(value.value, cst.Subscript)):
        return None
    subscript = value.value
    if not (len(subscript.slice) == 1 and isinstance(subscript.slice[0].slice, cst.Index)
            and isinstance(subscript.slice[0].slice.value, cst.Name) and subscript.slice[0].slice.value.value == index):
        return None
    return subscript.value


def _fed_item(statement: cst.BaseStatement, feed: str, key: str, index: str) -> cst.BaseExpression | None:
    """``feed[key] = E[index]`` -> E."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Assign) and len(statement.body[0].targets) == 1):
        return None
    target, value = statement.body[0].targets[0].target, statement.body[0].value
    if not (_subscript_of(target, feed, key) and isinstance(value, cst.Subscript)
            and isinstance(value.value, cst.Name) and _subscript_of(value, value.value.value, index)):
        return None
    return value.value


def _subscript_of(node: cst.BaseExpression, name: str, key: str) -> bool:
    """Whether ``node`` is ``name[key]`` (both plain names)."""
    return (isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and node.value.value == name
            and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)
            and isinstance(node.slice[0].slice.value, cst.Name) and node.slice[0].slice.value.value == key)


def _run_fed_by(statement: cst.BaseStatement, feed: str, session: str) -> cst.Call | None:
    """The ``session.run(fetches, feed)`` call of ``statement`` fed by the name ``feed``, or None."""
    found = []

    class Collect(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            func = call.func
            if (isinstance(func, cst.Attribute) and func.attr.value == "run" and isinstance(func.value, cst.Name)
                    and func.value.value == session):
                found.append(call)

    statement.visit(Collect())
    if len(found) != 1:
        return None
    call = found[0]
    feeds = [a.value for i, a in enumerate(call.args)
             if (a.keyword is not None and a.keyword.value == "feed_dict") or (a.keyword is None and i == 1)]
    if len(feeds) == 1 and isinstance(feeds[0], cst.Name) and feeds[0].value == feed:
        return call
    return None


def statement_blocks(nodes: list[cst.BaseStatement]) -> list[list[cst.BaseStatement]]:
    """``nodes`` and every indented block inside them, each as its list of statements."""
    blocks = [list(nodes)]

    class Collect(cst.CSTVisitor):
        def visit_IndentedBlock(self, block: cst.IndentedBlock) -> None:
            blocks.append(list(block.body))

    for node in nodes:
        node.visit(Collect())
    return blocks
