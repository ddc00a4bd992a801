"""The fence around PyTorch's private fused LSTM entry point (``torch._VF.lstm``) and the
``Parameter.data`` swap that keeps Keras kernels in its layout.

Why it is needed: :class:`tf2_port.fused.FusedLSTMStack` runs a stack of Keras LSTM layers
through PyTorch's fused CPU kernel with the Keras variables' own tensors (on the torch backend
a Keras variable *is* a ``torch.nn.Parameter``), so autograd fills their ``.grad``. The kernel's
Python entry point is ``torch._VF.lstm(input, (h0, c0), params, has_biases, num_layers,
dropout, train, bidirectional, batch_first)``, the call ``torch.nn.LSTM.forward`` makes.
Storing a kernel transposed in memory (``parameter.data = parameter.data.t().contiguous().t()``)
lets the kernel read it without a copy while Keras sees the same shape and values, and keeps
the ``Parameter`` object every tracker holds.

Public alternatives checked: ``torch.nn.LSTM`` owns its parameters (``weight_ih_l0``...), so
calling it on the Keras variables means copying them in on every call, or re-binding them with
``torch.func.functional_call`` on every call (not measured here); the direct call is the
measured path of bench/RESULTS.md. For the layout, a transposed copy per call is what the swap
removes (most of the layer's gap to ``nn.LSTM`` there).

Checked against torch 2.13.0+cpu (``pyproject.toml`` pins ``torch==2.13.0``): :func:`check`
compares :func:`fused_lstm` with ``torch.nn.LSTM`` on the same weights and checks the swap
keeps identity, values and gradients (tests/test_private_api_fences.py). This module is the
only one that names ``torch._VF`` or assigns ``.data``; it imports torch, so import it only on
the torch backend.
"""

from __future__ import annotations

from typing import Any

import torch

from tf2_port.fence_errors import fence_broken

CHECKED_AGAINST = {"torch": "2.13.0"}


def _broken(expected: str, got: str) -> RuntimeError:
    return fence_broken(__name__, "torch", CHECKED_AGAINST["torch"], expected, got)


def _private_lstm() -> Any:
    lstm = getattr(getattr(torch, "_VF", None), "lstm", None)
    if not callable(lstm):
        raise _broken("a callable torch._VF.lstm (the fused LSTM kernel nn.LSTM calls)", repr(lstm))
    return lstm


_LSTM = _private_lstm()


def fused_lstm(inputs: Any, h0: Any, c0: Any, params: list[Any], num_layers: int) -> tuple[Any, Any, Any]:
    """One fused call over ``num_layers`` equal-width layers, batch-major, no dropout.

    Args:
        inputs: ``[batch, time, features]``.
        h0, c0: ``[num_layers, batch, units]``.
        params: ``[weight_ih, weight_hh, bias_ih, bias_hh]`` per layer, in torch's layout.
        num_layers: how many layers ``params`` holds.

    Returns:
        ``(outputs [batch, time, units], h_n, c_n)``, ``h_n`` and ``c_n`` like ``h0``.
    """
    try:
        outputs, h_n, c_n = _LSTM(inputs, (h0, c0), params, True, num_layers, 0.0, torch.is_grad_enabled(),
                                  False, True)
    except TypeError as error:  # an argument list the kernel no longer takes
        raise _broken("torch._VF.lstm(input, hx, params, has_biases, num_layers, dropout, train, "
                      "bidirectional, batch_first) returning (output, h_n, c_n)", f"TypeError: {error}") from error
    return outputs, h_n, c_n


def store_transposed(parameter: Any) -> Any:
    """``parameter`` (a 2-D ``torch.nn.Parameter``) with its storage laid out transposed, in place.

    The shape and every value stay; ``parameter.t()`` becomes contiguous. The ``Parameter``
    object is the same one, so Keras' variable and any optimizer keep referring to it.
    """
    with torch.no_grad():
        parameter.data = parameter.data.t().contiguous().t()
    return parameter


def check() -> None:
    """:func:`fused_lstm` against ``torch.nn.LSTM`` on the same weights; :func:`store_transposed`
    keeps the object, its values and its gradient.

    Raises:
        RuntimeError: saying what differed.
    """
    generator = torch.Generator().manual_seed(0)
    batch, time, features, units, layers = 2, 3, 4, 5, 2
    reference = torch.nn.LSTM(features, units, num_layers=layers, batch_first=True)
    inputs = torch.randn(batch, time, features, generator=generator)
    h0, c0 = (torch.randn(layers, batch, units, generator=generator) for _ in range(2))
    with torch.no_grad():
        expected = reference(inputs, (h0, c0))
        params = [getattr(reference, f"{kind}_l{layer}") for layer in range(layers)
                  for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        got = fused_lstm(inputs, h0, c0, params, layers)
    for name, want, have in zip(("outputs", "h_n", "c_n"), (expected[0], *expected[1]), got):
        if want.shape != have.shape or not torch.allclose(want, have, atol=1e-6):
            raise _broken(f"fused_lstm's {name} to equal torch.nn.LSTM's", f"shape {tuple(have.shape)}, "
                          f"max |diff| {float((want - have).abs().max()) if want.shape == have.shape else 'n/a'}")
    kernel = torch.nn.Parameter(torch.randn(features, 4 * units, generator=generator))
    before = kernel.detach().clone()
    same = store_transposed(kernel)
    if same is not kernel or not isinstance(kernel, torch.nn.Parameter) or not torch.equal(kernel, before) \
            or not kernel.t().is_contiguous():
        raise _broken("parameter.data = ... to keep the Parameter, its values and take the transposed layout",
                      f"same object {same is kernel}, values kept {torch.equal(kernel.detach(), before)}, "
                      f"transpose contiguous {kernel.t().is_contiguous()}")
    (kernel.t().contiguous() * 2.0).sum().backward()
    if kernel.grad is None or not torch.equal(kernel.grad, torch.full_like(before, 2.0)):
        raise _broken("the gradient to reach the Parameter through its transposed view", repr(kernel.grad))


__all__ = ["CHECKED_AGAINST", "check", "fused_lstm", "store_transposed"]
