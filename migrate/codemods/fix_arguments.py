"""Fix call arguments whose order, names or meaning changed between TF 0.x, 1.x and 2."""

from __future__ import annotations

import libcst as cst

from migrate import argument_fixes, resolve, symbols
from migrate.analysis import call_shape, display
from migrate.codemods.base import TFCodemod


class FixArgumentsCommand(TFCodemod):
    """Rewrite the arguments of calls whose signature changed; rewrite a few calls whole.

    Before::

        logits = tf.contrib.layers.fully_connected(h, 10)
        parts = tf.split(1, num_steps, inputs)
        loss = tf.nn.softmax_cross_entropy_with_logits(logits, labels)
        total = tf.reduce_sum(loss, reduction_indices=1, keep_dims=True)
        cell = rnn_cell.LSTMCell(64, input_size=8)

    After::

        logits = tf.compat.v1.layers.dense(h, 10, activation=tf.nn.relu)
        parts = tf.split(inputs, num_steps, axis=1)
        loss = tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=labels)
        total = tf.reduce_sum(loss, axis=1, keepdims=True)
        cell = rnn_cell.LSTMCell(64)

    The old ``tf.split(dim, n, x)`` / ``tf.concat(dim, values)`` orders are rewritten only when
    certain (an int literal or an axis-like name first); otherwise the call is a TFM201
    finding. Positional cross-entropy calls are TF 0.x code (TF 1.x rejects them), so their
    ``(logits, labels)`` order is certain. Keyword renames follow ``symbols.KEYWORD_RENAMES``
    and, for v2 drop-ins kept by rename_symbols, ``symbols.V2_DROP_INS``.
    """

    DESCRIPTION = "Fix old argument orders and keyword names; rewrite contrib.layers calls whole."

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call):
        use = self.analysis.use_of.get(original_node.func)
        if use is None:
            return updated_node
        for name in use.qualified:
            found = resolve.canonical(name)
            if found is None:
                continue
            key, via_v1 = found
            resolution = resolve.resolve(name, call_shape(original_node))
            if resolution is not None and resolution.call_rewrite is not None:
                return self._rewrite_whole(original_node, updated_node, resolution)
            return self._fix(original_node, updated_node, key, via_v1, resolution)
        return updated_node

    def _rewrite_whole(self, original: cst.Call, updated: cst.Call, resolution):
        fix = getattr(argument_fixes, resolution.call_rewrite)(updated, self.analysis.root)
        if fix.call is None:
            self.report(
                original,
                "TFM101",
                f"{display(resolution.key)} has no TensorFlow 2 home and this call could not be "
                f"converted: {fix.reason}",
                resolution.suggestion,
            )
            return updated
        if fix.note:
            self.report(original, fix.code, fix.note)
        return fix.call

    def _fix(self, original: cst.Call, updated: cst.Call, key: str, via_v1: bool, resolution):
        call = updated
        self._check_flag_name(original, key)
        # No via_v1 exemption: tf.compat.v1 rejects the TF 0.x forms these fixes rewrite.
        if key in symbols.ARGUMENT_FIXES:
            fix = getattr(argument_fixes, symbols.ARGUMENT_FIXES[key])(call, self.analysis.root)
            if fix.call is not None:
                call = fix.call
            elif fix.reason:
                self.report(original, fix.code or "TFM203", fix.reason, _order_hint(key))
        renames = dict(symbols.KEYWORD_RENAMES.get(key, {}))
        relative = key[len("tensorflow.") :]
        if resolution is None and not via_v1:
            renames.update(resolve.drop_in_keywords(relative, call_shape(original)) or {})
        if renames:
            call = _rename_keywords(call, renames)
        removed = symbols.KEYWORDS_REMOVED.get(key, {})
        if removed:
            kept = []
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value in removed:
                    self.report(
                        original,
                        "TFM202",
                        f"removed `{arg.keyword.value}=` from {display(key)}: "
                        f"{removed[arg.keyword.value]}",
                    )
                    continue
                kept.append(arg)
            if len(kept) != len(call.args):
                if kept:
                    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                call = call.with_changes(args=kept)
        return call


    def _check_flag_name(self, original: cst.Call, key: str) -> None:
        module, _, function = key.rpartition(".")
        if module not in symbols.FLAG_MODULES or not function.startswith("DEFINE"):
            return
        named = [arg for arg in original.args if arg.keyword is not None and arg.keyword.value == "name"]
        first = named[0] if named else next((arg for arg in original.args if arg.keyword is None), None)
        if first is None or not isinstance(first.value, cst.SimpleString):
            return
        flag = first.value.evaluated_value
        if flag in symbols.ABSL_OWN_FLAGS:
            self.report(
                original, "TFM204",
                f"flag {flag!r} is one absl defines itself: TF >= 1.5 parses {display(module)} with absl, "
                "so this definition fails with DuplicateFlagError when the script starts",
                f"rename the flag (for example to 'train_{flag}') here and wherever it is read or passed",
            )


def _order_hint(key: str) -> str:
    if key == "tensorflow.split":
        return "write tf.split(value, num_or_size_splits, axis=...) with keywords"
    if key == "tensorflow.concat":
        return "write tf.concat(values, axis=...) with keywords"
    return ""


def _rename_keywords(call: cst.Call, renames: dict[str, str]) -> cst.Call:
    args = []
    changed = False
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in renames:
            new = renames[arg.keyword.value]
            if new != arg.keyword.value:
                arg = arg.with_changes(keyword=cst.Name(new))
                changed = True
        args.append(arg)
    return call.with_changes(args=args) if changed else call
