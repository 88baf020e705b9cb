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
from typing import Any, NamedTuple

from ..conventions import OPTIONS, PYTORCH
from ..conventions.layers import CONV_KERNELS, PYTORCH_LAYERS, conv_sizes
from ._families import family_roots, forward_work_unknown, is_family, read, within
from ._folding import counted, other_layer
from ._records import Dims, IntrospectionError, Layer, Readers, Run, Runs, Sharing, Walk, row_name
from ._registry import register_adapter

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
    #: Each parameter's first holder: its index in ``layers`` and its name there.
    holders: dict[int, tuple[int, str]] = {}
    layers: list[Layer] = []
    # An xLSTM layer, block or stack is one row holding the tensors of every module
    # inside it.
    families = family_roots(model.named_modules())
    for path, module in model.named_modules():
        if _inside_parametrisation(path) or within(path, families):
            continue
        named = _torch_own_parameters(torch, module, recurse=path in families)
        own = [(n, p) for n, p in named if id(p) not in holders]
        tied = [(n, p) for n, p in named if id(p) in holders]
        if not named and not any(True for _ in module.children()):
            # Neither parameters nor submodules (Dropout, ReLU, Flatten, pooling, ...):
            # torchinfo's row at 0.
            layers.append(Layer(path, type(module).__name__, 0, (), (), module))
        if not named:
            continue
        entry = Layer(
            path=path,
            class_name=type(module).__name__,
            count=sum(p.numel() for _, p in own),
            tensors=tuple((f"{path}.{n}" if path else n, tuple(p.shape)) for n, p in own),
            names=tuple(n for n, _ in own),
            module=module,
            frozen=bool(own) and not any(p.requires_grad for _, p in own),
            sharing=tuple(
                Sharing(n, tuple(p.shape), _row(layers[holders[id(p)][0]]), counted_here=False)
                for n, p in tied
            ),
        )
        for _, p in tied:
            index, name = holders[id(p)]
            mark = Sharing(name, tuple(p.shape), _row(entry), counted_here=True)
            layers[index] = replace(layers[index], sharing=(*layers[index].sharing, mark))
        holders.update((id(p), (len(layers), n)) for n, p in own)
        kind = _torch_kind(torch, module)
        if "reason" in kind and not path and not families and any(True for _ in module.children()):
            kind = {"reason": "the model's own, outside its layers"}
        layers.append(replace(entry, **kind))
    return Walk(
        model_name=type(model).__name__,
        layers=layers,
        total=sum(p.numel() for p in model.parameters()),
        feeds=_torch_feeds,
        weight_name=partial(_torch_weight_name, torch),
        trainable_total=sum(p.numel() for p in model.parameters() if p.requires_grad),
        run_example=partial(_run, torch, model, label),
    )


def _row(layer: Layer) -> str:
    return row_name(layer.path, layer.class_name)


class _Call(NamedTuple):
    """One call of a module, as its forward hook saw it."""

    #: Its output's axes (the first tensor it returns); None when it returned none.
    dims: Dims | None
    #: The keys attention attended over (S); 1 for any other module.
    keys: int = 1
    #: The steps of a packed sequence of equal lengths; None for a tensor.
    packed: int | None = None
    #: Why its positions are not known, when they are not.
    why: str = ""


def _run(torch: Any, model: Any, label: str, example: object) -> Run:
    """One forward pass over ``example``: each module's output shape, how it ran at
    every call, and work done outside its layers.

    The pass runs without gradients and in eval mode, so no running statistic moves
    and no dropout draws; every module's own mode is put back afterwards. A module
    returning several tensors (an LSTM's output and final states) shows its first, the
    output, as torchinfo and Keras put first; one called several times, its first
    call's. Forward hooks fire on every call, so a cell stepped in a Python loop or a
    decoder looping over its outputs counts each step: every call's positions
    (:func:`_positions`) and, for attention, its keys. An attention's output
    projection, which the attention applies itself without calling it, runs as the
    attention does. :class:`_Watch` finds the work no layer counts.
    """
    calls: dict[int, list[_Call]] = {id(module): [] for module in model.modules()}
    batches: list[int] = []
    watch = _Watch(torch, model)

    def record(module: Any, args: Any, kwargs: Any, output: Any) -> None:
        calls[id(module)].append(_called(torch, module, args, kwargs, output))
        batches.extend(_batch_of(torch, module, args))

    modes = {id(module): module.training for module in model.modules()}
    hooks = [
        hook
        for module in model.modules()
        for hook in (
            module.register_forward_pre_hook(watch.enter),
            module.register_forward_hook(record, with_kwargs=True),
            module.register_forward_hook(watch.leave, always_call=True),
        )
    ]
    arguments = example if isinstance(example, tuple) else (example,)
    try:
        model.eval()
        with torch.no_grad(), watch.mode():
            output = model(*arguments)
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
    for attention in model.modules():
        if (
            isinstance(attention, torch.nn.MultiheadAttention)
            and not calls[id(attention.out_proj)]
        ):
            # Applied once a query, as a Linear of the attention's output.
            calls[id(attention.out_proj)] = [c._replace(keys=1) for c in calls[id(attention)]]
    batch = batches[0] if batches else None
    modules = {id(module): module for module in model.modules()}
    runs = {key: _runs(torch, modules[key], made, batch) for key, made in calls.items()}
    shapes = {key: made[0].dims for key, made in calls.items() if made and made[0].dims}
    # A state: given after the input (a char-RNN's hidden), and handed back.
    given, handed = (_tensor_shapes(torch, value) for value in (arguments[1:], output))
    return Run(shapes, runs, watch.outside(), returns_state=bool(given & handed))


def _tensor_shapes(torch: Any, value: object) -> set[tuple[int, ...]]:
    """The shapes of the floating-point tensors in ``value`` (nested in tuples, lists,
    dicts), as a state's would be; tokens are none."""
    leaves = torch.utils._pytree.tree_leaves(value)
    return {
        tuple(leaf.shape)
        for leaf in leaves
        if isinstance(leaf, torch.Tensor) and leaf.is_floating_point()
    }


def _called(torch: Any, module: Any, args: Any, kwargs: Any, output: Any) -> _Call:
    """What one call of ``module`` did: its output's axes, a packed sequence's steps,
    the keys an attention attended over."""
    keys = 1
    if isinstance(module, torch.nn.MultiheadAttention):
        key = args[1] if len(args) > 1 else kwargs.get("key")
        batched = module.batch_first and key.dim() == 3
        keys = int(key.shape[1 if batched else 0])
    leaves = [output]
    while leaves and isinstance(leaves[0], tuple | list) and not _packed(torch, leaves[0]):
        leaves = list(leaves[0]) + leaves[1:]
    first: Any = leaves[0] if leaves else None
    if _packed(torch, first):
        sizes = [int(n) for n in first.batch_sizes]
        dims = tuple(int(n) for n in first.data.shape)
        if len(set(sizes)) == 1:
            return _Call(dims, keys, packed=len(sizes))
        return _Call(dims, keys, why="a packed batch of sequences of different lengths")
    if isinstance(first, torch.Tensor):
        return _Call(tuple(int(n) for n in first.shape), keys)
    return _Call(None, keys, why=f"it returned no tensor ({type(first).__name__})")


def _packed(torch: Any, value: object) -> bool:
    return isinstance(value, torch.nn.utils.rnn.PackedSequence)


def _runs(torch: Any, module: Any, made: list[_Call], batch: int | None) -> Runs:
    """How ``module`` ran: every call's positions for one example of the batch, and
    keys; not known when one call's are not.

    An attention's figure per position counts its key and value projections at its
    queries' positions, which holds when it has as many keys as queries (self-attention
    over the sequence); with other keys (cross-attention, a step attending over all
    before it) it is not known.
    """
    each = []
    for call in made:
        if call.why:
            return Runs(len(made), None, call.why)
        positions = call.packed
        if positions is None and call.dims is not None:
            positions = _positions(torch, module, call.dims, batch)
        if positions is None:
            why = f"its output {call.dims} does not divide into a batch of {batch}"
            return Runs(len(made), None, why)
        each.append((positions, call.keys))
    unlike_its_step = forward_work_unknown(module) if is_family(module) else ""
    if unlike_its_step:
        return Runs(len(made), tuple(each), unlike_its_step)
    other_keys = [(n, keys) for n, keys in each if n != keys]
    if isinstance(module, torch.nn.MultiheadAttention) and other_keys:
        n, keys = other_keys[0]
        why = (
            f"{keys:,} keys for {n:,} queries: its key and value projections run at "
            "every key, which its figure per query leaves out"
        )
        return Runs(len(made), tuple(each), why)
    return Runs(len(made), tuple(each))


def _batch_of(torch: Any, module: Any, inputs: Any) -> list[int]:
    """The batch size ``module``'s input shows, for a module that knows its batch axis
    (recurrent modules and cells, convolutions, attention); none for the others."""
    nn = torch.nn
    x: Any = inputs[0] if inputs else None
    if isinstance(module, nn.RNNBase) and _packed(torch, x):
        return [int(x.batch_sizes[0])]
    if not isinstance(x, torch.Tensor):
        return []
    if isinstance(module, nn.RNNBase | nn.MultiheadAttention):
        return [1 if x.dim() < 3 else int(x.shape[0 if module.batch_first else 1])]
    if isinstance(module, nn.RNNCellBase):
        return [int(x.shape[0]) if x.dim() == 2 else 1]
    if _convolution(torch, module):
        return [int(x.shape[0]) if x.dim() == len(module.kernel_size) + 2 else 1]
    return []


def _convolution(torch: Any, module: Any) -> bool:
    return isinstance(module, torch.nn.Conv1d | torch.nn.Conv2d | torch.nn.Conv3d)


def _positions(torch: Any, module: Any, dims: Dims, batch: int | None) -> int | None:
    """The positions one call of ``module`` ran at, for one example of the batch: a
    convolution's grid, its last axes; any other layer's, every axis of its output but
    the features' (the last), divided by the batch (as the first module that knows its
    batch axis showed it, else the first axis, as torchinfo shows it); None when they
    do not divide."""
    if _convolution(torch, module):
        return math.prod(n or 0 for n in dims[-len(module.kernel_size) :])
    if batch is None:
        return math.prod(n or 0 for n in dims[1:-1])
    run = math.prod(n or 0 for n in dims[:-1])
    return run // batch if run % batch == 0 else None


class _Watch:
    """Watches every operation of a run for work no layer's row counts.

    Forward pre-hooks and hooks keep the stack of modules running. A matrix product
    (an operation PyTorch's ``FlopCounterMode`` counts, a vector product, or a fused
    recurrent kernel) is counted by its layer when the innermost module running is one
    of PyTorch's own layers holding weights, or any module of an xLSTM family (its row
    counts a step of all of them); one written in a model's own forward
    (``torch.bmm(weights, keys)``, ``x @ self.W``) is not. A layer's weights used while
    neither it, a module inside it nor the attention owning it runs (a fused
    Transformer layer bypassing its sublayers, a tied weight used by hand) do work no
    run of it counted. Either makes the work "not known" where it happens.
    """

    def __init__(self, torch: Any, model: Any) -> None:
        self._tensor, self._strided = torch.Tensor, torch.strided
        self._stack: list[Any] = []
        self._paths = {id(m): (path, type(m).__name__) for path, m in model.named_modules()}
        #: By module: the products its own forward ran, the layers whose weights it used.
        self._found: dict[int, tuple[set[str], set[str]]] = {}
        self._counted = set(import_module("torch.utils.flop_counter").flop_registry)
        #: Each parameter's storage: the modules that may use it, and its first holder.
        self._allowed: dict[int, tuple[set[int], str]] = {}
        #: Each module of an xLSTM family: the modules of its family, which share work.
        family_of = {
            id(m): {id(n) for n in root.modules()}
            for root in family_roots(model.named_modules()).values()
            for m in root.modules()
        }
        for path, holder in model.named_modules():
            inside = {id(m) for m in holder.modules()} | family_of.get(id(holder), set())
            if isinstance(holder, torch.nn.Linear):  # an attention's out_proj
                inside |= {
                    id(m)
                    for m in model.modules()
                    if isinstance(m, torch.nn.MultiheadAttention) and m.out_proj is holder
                }
            for p in holder.parameters(recurse=False):
                if p.numel():
                    allowed, first = self._allowed.get(_storage(p), (set(), path or "the model"))
                    self._allowed[_storage(p)] = (allowed | inside, first)
        self._counts_own = {
            id(m)
            for m in model.modules()
            if type(m).__module__.startswith("torch.")
            and any(p.numel() for p in m.parameters(recurse=False))
        } | set(family_of)

    def enter(self, module: Any, args: Any) -> None:
        self._stack.append(module)

    def leave(self, module: Any, args: Any, output: Any) -> None:
        self._stack.pop()

    def mode(self) -> Any:
        """A dispatch mode reporting every operation to :meth:`saw`."""
        base: Any = import_module("torch.utils._python_dispatch").TorchDispatchMode
        saw = self.saw

        class Mode(base):  # type: ignore[misc]
            def __torch_dispatch__(
                self, func: Any, types: Any, args: Any = (), kwargs: Any = None
            ) -> Any:
                saw(func, args, kwargs or {})
                return func(*args, **(kwargs or {}))

        return Mode()

    def saw(self, func: Any, args: Any, kwargs: Any) -> None:
        if not self._stack:
            return
        caller = self._stack[-1]
        name = func.overloadpacket.__name__
        products, uses = self._found.setdefault(id(caller), (set(), set()))
        if id(caller) not in self._counts_own and self._multiplies(func.overloadpacket):
            products.add(name)
        # An operation's tensors are its arguments, or in a list of them (torch.cat's).
        for value in (*args, *kwargs.values()):
            for tensor in value if isinstance(value, list | tuple) else (value,):
                if isinstance(tensor, self._tensor) and tensor.layout == self._strided:
                    allowed, holder = self._allowed.get(_storage(tensor), (None, ""))
                    if allowed is not None and id(caller) not in allowed:
                        uses.add(holder)

    def _multiplies(self, op: Any) -> bool:
        """Whether ``op`` multiplies matrices: one ``FlopCounterMode`` counts, a product
        with a vector it leaves out, or a fused recurrent kernel (mkldnn's, cuDNN's) it
        cannot see into."""
        name = op.__name__
        vector = name in ("mv", "addmv", "dot", "vdot")
        return op in self._counted or vector or any(k in name for k in ("rnn", "lstm", "gru"))

    def outside(self) -> tuple[tuple[str, str], ...]:
        """Where work was done that no layer counts, and what it was."""
        found = []
        for key, (products, uses) in self._found.items():
            path, class_name = self._paths[key]
            where = f"{path} ({class_name})" if path else class_name
            if products:
                ops = ", ".join(sorted(products))
                found.append((where, f"its own forward multiplies matrices ({ops}), not a layer"))
            if uses:
                owners = ", ".join(sorted(uses))
                found.append((where, f"its forward uses {owners}'s weights itself, work no run "
                              "of theirs shows"))  # fmt: skip
        return tuple(found)


def _storage(tensor: Any) -> int:
    return int(tensor.untyped_storage().data_ptr())


def _inside_parametrisation(path: str) -> bool:
    """Whether the module at ``path`` is one a parametrisation keeps its tensors and
    functions in: it computes a tensor of the module holding it, and is no layer (its
    tensors are that module's, :func:`_torch_own_parameters`)."""
    return "parametrizations" in path.split(".")


def _torch_own_parameters(
    torch: Any, module: Any, *, recurse: bool = False
) -> list[tuple[str, Any]]:
    """``module``'s own parameters (``recurse``: with those of the modules inside it),
    including the originals behind its parametrised tensors; one without elements holds
    nothing, and is left out.

    ``torch.nn.utils.parametrize`` (e.g. the new weight norm) moves a tensor's
    parameters into a child ``parametrizations`` module; they still belong to the
    module whose tensor they compute, under torch's own names for them.
    """
    named = list(module.named_parameters(recurse=recurse))
    if torch.nn.utils.parametrize.is_parametrized(module):
        named += module.parametrizations.named_parameters(prefix="parametrizations")
    return [(name, p) for name, p in named if p.numel()]


def _torch_feeds(recurrent: Any, linear: Any) -> bool:
    """Always: a PyTorch module records nothing of what its forward passes where, so
    the order the modules are defined in is all there is to go on."""
    return True


def _torch_weight_name(torch: Any, module: Any, counting_name: str) -> str:
    """What ``module`` calls counting's ``counting_name``.

    A ``Linear`` calls "linear.weight" just "weight"; a cell holds a one-layer
    module's tensors without the "_l0".
    """
    if is_family(module):  # an xLSTM family holds its modules' tensors by their paths
        return counting_name
    name = counting_name.rpartition(".")[2]
    return name.removesuffix("_l0") if isinstance(module, torch.nn.RNNCellBase) else name


def _torch_kind(torch: Any, module: Any) -> dict[str, Any]:
    """What ``module`` is to us: recurrent settings, a dense head, or the reason it is neither.

    Each convention's cell module is ``nn.<class name>Cell``; the options that apply to
    it are read off the module by their PyTorch names (the settings' names).
    """
    nn = torch.nn
    if is_family(module):
        return read(module)
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
            **other_layer(TorchAdapter.packages, PYTORCH_LAYERS, _READERS, module, tuple(_CELLS)),
        }
    else:
        return other_layer(TorchAdapter.packages, PYTORCH_LAYERS, _READERS, module, tuple(_CELLS))
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
    "RMSNorm": lambda m: (
        "rmsnorm", {"d": math.prod(m.normalized_shape)}, {"affine": bool(m.elementwise_affine)}),
    "MultiheadAttention": lambda m: (
        "mha", {"E": m.embed_dim, "k": m.kdim, "v": m.vdim},
        {"packed": bool(m._qkv_same_embed_dim), "separate": not m._qkv_same_embed_dim,
         "bias": m.in_proj_bias is not None, "bias_kv": m.bias_k is not None}),
}  # fmt: skip
