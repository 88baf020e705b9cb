"""Reading live PyTorch modules: parameters, their layers' settings, dense heads.

Registered as the adapter of the conventions whose ``adapter`` key is ``"pytorch"``.
PyTorch is imported only when :meth:`TorchAdapter.walk` is handed an object whose class
comes from it, and is used as ``Any``, so type-checking does not depend on it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial
from importlib import import_module
from typing import Any

from ..conventions import OPTIONS, PYTORCH
from ..conventions.layers import CONV_KERNELS, PYTORCH_LAYERS, conv_sizes
from ._assembly import (
    Dims,
    IntrospectionError,
    Layer,
    Readers,
    Walk,
    counted,
    other_layer,
    register_adapter,
)

#: The recurrent classes this convention stores, as PyTorch names them; an ``RNNBase``
#: module's ``mode`` starts with one (``RNN_TANH``).
_CELLS = {layout.class_name: cell for cell, layout in PYTORCH.cells.items()}


class TorchAdapter:
    """PyTorch modules: a whole model, a recurrent module or a cell."""

    packages: tuple[str, ...] = ("torch",)
    accepts = "a PyTorch module"
    total_source = "PyTorch sum(p.numel() for p in parameters())"

    def walk(self, obj: object, label: str) -> Walk | None:
        torch: Any = import_module("torch")
        return _walk(torch, obj, label) if isinstance(obj, torch.nn.Module) else None


def _walk(torch: Any, model: Any, label: str) -> Walk:
    if any(torch.nn.parameter.is_lazy(p) for p in model.parameters()):
        raise IntrospectionError(
            f"{label} ({type(model).__name__}) has lazy parameters that are not "
            "initialised yet; run one batch through it first."
        )
    seen: set[int] = set()
    layers: list[Layer] = []
    for path, module in model.named_modules():
        named = _torch_own_parameters(torch, module)
        own = [(n, p) for n, p in named if id(p) not in seen]
        seen.update(id(p) for _, p in own)
        if not named and _weightless_leaf(module, path):
            layers.append(Layer(path, type(module).__name__, 0, (), (), module))
        if not own:
            continue
        entry = Layer(
            path=path,
            class_name=type(module).__name__,
            count=sum(p.numel() for _, p in own),
            tensors=tuple((f"{path}.{n}" if path else n, tuple(p.shape)) for n, p in own),
            names=tuple(n for n, _ in own),
            module=module,
            frozen=not any(p.requires_grad for _, p in own),
        )
        kind = (
            _torch_kind(torch, module)
            if len(own) == len(named)
            else {"reason": "shares parameters with an earlier module (counted there)"}
        )
        layers.append(replace(entry, **kind))
    return Walk(
        model_name=type(model).__name__,
        layers=layers,
        total=sum(p.numel() for p in model.parameters()),
        feeds=_torch_feeds,
        weight_name=partial(_torch_weight_name, torch),
        trainable_total=sum(p.numel() for p in model.parameters() if p.requires_grad),
        run_example=partial(_output_shapes, torch, model, label),
    )


def _output_shapes(
    torch: Any, model: Any, label: str, example: object
) -> dict[int, tuple[Dims, Dims | None]]:
    """Each module's output shape on one forward pass over ``example``, and the positions
    it runs at (:func:`_torch_positions`), by module id.

    The pass runs without gradients and in eval mode, so no running statistic moves
    and no dropout draws; every module's own mode is put back afterwards. A module
    returning several tensors (an LSTM's output and final states) shows its first, the
    output, as torchinfo and Keras put first; one called twice, its first call's. An
    attention's output projection, which the attention applies itself without calling
    it, shows the attention's output.
    """
    shapes: dict[int, Dims] = {}
    batches: list[int] = []

    def record(module: Any, inputs: Any, output: Any) -> None:
        leaves = [output]
        while leaves and isinstance(leaves[0], tuple | list):
            leaves = list(leaves[0]) + leaves[1:]
        if leaves and isinstance(leaves[0], torch.Tensor):
            shapes.setdefault(id(module), tuple(int(n) for n in leaves[0].shape))
        batches.extend(_batch_of(torch, module, inputs))

    modes = {id(module): module.training for module in model.modules()}
    hooks = [module.register_forward_hook(record) for module in model.modules()]
    arguments = example if isinstance(example, tuple) else (example,)
    try:
        model.eval()
        with torch.no_grad():
            model(*arguments)
    except Exception as error:  # the user's forward: any error is theirs to read
        first_line = str(error).strip().splitlines()[0].rstrip(".") if str(error).strip() else ""
        raise IntrospectionError(
            f"{label} ({type(model).__name__}) cannot run on the example given: "
            f"{type(error).__name__}: {first_line}."
        ) from error
    finally:
        for hook in hooks:
            hook.remove()
        for module in model.modules():
            module.train(modes[id(module)])
    attentions = [m for m in model.modules() if isinstance(m, torch.nn.MultiheadAttention)]
    for attention in attentions:
        if id(attention) in shapes:
            shapes.setdefault(id(attention.out_proj), shapes[id(attention)])
    modules = {id(module): module for module in model.modules()}
    batch = batches[0] if batches else None
    return {
        key: (dims, _torch_positions(torch, modules[key], dims, batch))
        for key, dims in shapes.items()
    }


def _batch_of(torch: Any, module: Any, inputs: Any) -> list[int]:
    """The batch size ``module``'s input shows, for a module that knows its batch axis
    (recurrent modules and cells, convolutions, attention); none for the others."""
    nn = torch.nn
    x = inputs[0] if inputs else None
    if not isinstance(x, torch.Tensor):
        return []
    if isinstance(module, nn.RNNBase | nn.MultiheadAttention):
        return [1 if x.dim() < 3 else int(x.shape[0 if module.batch_first else 1])]
    if isinstance(module, nn.RNNCellBase):
        return [int(x.shape[0]) if x.dim() == 2 else 1]
    if isinstance(module, nn.Conv1d | nn.Conv2d | nn.Conv3d):
        return [int(x.shape[0]) if x.dim() == len(module.kernel_size) + 2 else 1]
    return []


def _torch_positions(torch: Any, module: Any, dims: Dims, batch: int | None) -> Dims | None:
    """The positions ``module`` runs at for one example of the batch: a convolution's
    grid, its last axes; any other layer's, every axis of its output but the features'
    (the last), divided by the batch (as the first module that knows its batch axis
    showed it, else the first axis, as torchinfo shows it)."""
    if isinstance(module, torch.nn.Conv1d | torch.nn.Conv2d | torch.nn.Conv3d):
        return dims[-len(module.kernel_size) :]
    if batch is None:
        return dims[1:-1]
    run = math.prod(n or 0 for n in dims[:-1])
    return (run // batch,) if run % batch == 0 else None


def _weightless_leaf(module: Any, path: str) -> bool:
    """A module with neither parameters nor submodules (Dropout, ReLU, Flatten, pooling,
    ...): torchinfo's row at 0. The modules a parametrisation keeps its functions in
    compute a tensor of another module; they are not layers."""
    inside_parametrisation = "parametrizations" in path.split(".")
    return not any(True for _ in module.children()) and not inside_parametrisation


def _torch_own_parameters(torch: Any, module: Any) -> list[tuple[str, Any]]:
    """``module``'s own parameters, including the originals behind its parametrised tensors.

    ``torch.nn.utils.parametrize`` (e.g. the new weight norm) moves a tensor's
    parameters into a child ``parametrizations`` module; they still belong to the
    module whose tensor they compute, under torch's own names for them.
    """
    named = list(module.named_parameters(recurse=False))
    if torch.nn.utils.parametrize.is_parametrized(module):
        named += module.parametrizations.named_parameters(prefix="parametrizations")
    return named


def _torch_feeds(recurrent: Any, linear: Any) -> bool:
    """Always: a PyTorch module records nothing of what its forward passes where, so
    the order the modules are defined in is all there is to go on."""
    return True


def _torch_weight_name(torch: Any, module: Any, counting_name: str) -> str:
    """What ``module`` calls counting's ``counting_name``.

    A ``Linear`` calls "linear.weight" just "weight"; a cell holds a one-layer
    module's tensors without the "_l0".
    """
    name = counting_name.rpartition(".")[2]
    return name.removesuffix("_l0") if isinstance(module, torch.nn.RNNCellBase) else name


def _torch_kind(torch: Any, module: Any) -> dict[str, Any]:
    """What ``module`` is to us: recurrent settings, a dense head, or the reason it is neither.

    Each convention's cell module is ``nn.<class name>Cell``; the options that apply to
    it are read off the module by their PyTorch names (the settings' names).
    """
    nn = torch.nn
    cells = {getattr(nn, f"{name}Cell"): cell for name, cell in _CELLS.items()}
    if isinstance(module, nn.RNNBase) and module.mode.partition("_")[0] in _CELLS:
        cell = _CELLS[module.mode.partition("_")[0]]
        stacking = {"layers": module.num_layers, "bidirectional": bool(module.bidirectional)}
    elif isinstance(module, tuple(cells)):
        cell = next(name for kind, name in cells.items() if isinstance(module, kind))
        stacking = {}
    elif isinstance(module, nn.Linear) and module.bias is not None:
        return {
            "head": (module.in_features, module.out_features),
            **other_layer(PYTORCH_LAYERS, _READERS, module, tuple(_CELLS)),
        }
    else:
        return other_layer(PYTORCH_LAYERS, _READERS, module, tuple(_CELLS))
    options = PYTORCH.cells[cell].options
    return counted(
        {
            "cell": cell,
            "framework": PYTORCH.key,
            "input_size": module.input_size,
            "units": module.hidden_size,
            "bias": bool(module.bias),
            **stacking,
            **{name: getattr(module, name, OPTIONS[name].neutral) for name in options},
        }
    )


register_adapter(PYTORCH.adapter or PYTORCH.key, TorchAdapter())


def _conv(m: Any) -> tuple[str, dict[str, int], dict[str, bool]]:
    key, sizes = conv_sizes(m.kernel_size)
    sizes |= {"c/g": m.in_channels // m.groups, "f": m.out_channels}
    return key, sizes, {"bias": m.bias is not None}


def _linear(m: Any) -> tuple[str, dict[str, int], dict[str, bool]]:
    return "dense", {"a": m.in_features, "b": m.out_features}, {"bias": m.bias is not None}


def _batchnorm(m: Any) -> tuple[str, dict[str, int], dict[str, bool]]:
    return "batchnorm", {"c": m.num_features}, {"affine": bool(m.affine)}


#: How each PyTorch module is read: its registry key, the sizes of its shape symbols
#: and its switches, from the module's own attributes.
_READERS: Readers = {
    "Embedding": lambda m: ("embedding", {"v": m.num_embeddings, "d": m.embedding_dim}, {}),
    "Linear": _linear,
    # nn.MultiheadAttention's out_proj: a Linear under another name.
    "NonDynamicallyQuantizableLinear": _linear,
    **{f"Conv{dims}d": _conv for dims in CONV_KERNELS},
    "BatchNorm1d": _batchnorm,
    "BatchNorm2d": _batchnorm,
    "LayerNorm": lambda m: (
        "layernorm", {"d": math.prod(m.normalized_shape)},
        {"affine": bool(m.elementwise_affine), "bias": m.bias is not None}),
    "MultiheadAttention": lambda m: (
        "mha", {"E": m.embed_dim, "k": m.kdim, "v": m.vdim},
        {"packed": bool(m._qkv_same_embed_dim), "separate": not m._qkv_same_embed_dim,
         "bias": m.in_proj_bias is not None, "bias_kv": m.bias_k is not None}),
}  # fmt: skip
