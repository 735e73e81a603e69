"""``draw_neurons``: a whole network at a glance, one box per neuron (or per layer).

A full ``draw_dot`` of an MLP has thousands of nodes. Here each neuron is one
box showing its output for an input ``x`` (if given) and a summary of its
gradients after ``backward()``:

* ``grad b``: the bias gradient, which equals d(loss)/d(pre-activation) summed
  over the samples: how hard the loss pushes this neuron. It sets the fill
  colour (red > 0, blue < 0), exactly as grad does in ``draw_dot``.
* ``|grad w|``: the mean absolute gradient of the neuron's weights.

Edges carry weights: red for positive, blue for negative, thicker for larger |w|.
"""

from __future__ import annotations

from collections.abc import Sequence

from micrograd.nn import MLP, Neuron
from micrograd.viz import palette
from micrograd.viz.fastforward import layer_outputs
from micrograd.viz.graph import GraphDrawing, resolve_engine
from micrograd.viz.spec import Edge, GraphSpec, GraphTooLargeError, Node, fmt

PER = ("neuron", "layer")


def draw_neurons(
    model: MLP,
    x: Sequence[float] | None = None,
    *,
    per: str = "neuron",
    format: str = "svg",
    engine: str = "auto",
    max_nodes: int = 200,
    legend: bool = True,
    strongest: int | None = None,
) -> GraphDrawing:
    """Draw ``model`` as boxes per neuron (``per='neuron'``) or per layer (``per='layer'``).

    ``strongest=k`` draws only each neuron's k incoming weights of largest |w|:
    between two layers of 16 neurons there are 256 weights, too many lines to
    follow, while the few strongest of each neuron still show what it listens to.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"draw_neurons expects an MLP, got {type(model).__name__}.")
    if per not in PER:
        raise ValueError(f"per={per!r}; choose 'neuron' or 'layer'.")
    if strongest is not None and (
        isinstance(strongest, bool) or not isinstance(strongest, int) or strongest < 1
    ):
        raise ValueError(f"strongest={strongest!r}: give a whole number of weights, e.g. 3.")
    acts = layer_outputs(model, x) if x is not None else None
    per_layer = per == "layer"
    spec = _per_layer(model, x, acts) if per_layer else _per_neuron(model, x, acts, strongest)
    boxes = sum(n.kind == "value" for n in spec.nodes)
    if boxes > max_nodes:
        raise GraphTooLargeError(
            f"this network has {boxes} neurons, more than max_nodes={max_nodes}. "
            f"Use draw_neurons(model, per='layer'), or pass max_nodes={boxes}."
        )
    if legend:
        spec.legend = _legend(per, x is not None)
        if strongest is not None and per == "neuron":
            spec.legend.append(f"only each neuron's {strongest} strongest weights are drawn")
    return GraphDrawing(spec, format, resolve_engine(engine))


def _mean_abs_w(n: Neuron) -> float:
    return sum(abs(w.grad) for w in n.w) / len(n.w)


def _inputs(model: MLP, x: Sequence[float] | None, spec: GraphSpec) -> list[str]:
    nin = len(model.layers[0].neurons[0].w)
    ids = []
    for i in range(nin):
        text = f"x{i + 1} = {fmt(float(x[i]))}" if x is not None else f"x{i + 1}"
        spec.nodes.append(Node(f"in{i}", "op", (text,), palette.OP_FILL))
        spec.grid[f"in{i}"] = (0, i)
        ids.append(f"in{i}")
    return ids


def _per_neuron(model: MLP, x, acts, strongest: int | None = None) -> GraphSpec:
    spec = GraphSpec([], [], "LR", grid={})
    prev = _inputs(model, x, spec)
    neurons = [n for layer in model.layers for n in layer.neurons]
    scale = max(abs(n.b.grad) for n in neurons)
    wmax = max(abs(w.data) for n in neurons for w in n.w) or 1.0
    for li, layer in enumerate(model.layers):
        ids = []
        for ni, n in enumerate(layer.neurons):
            nid = f"L{li}N{ni}"
            fields = [f"L{li + 1}·N{ni + 1} {n.activation}"]
            if acts is not None:
                fields.append(f"out {fmt(acts[li][ni])}")
            fields += [f"grad b {fmt(n.b.grad)}", f"|grad w| {fmt(_mean_abs_w(n))}"]
            spec.nodes.append(
                Node(nid, "value", tuple(fields), palette.grad_color(n.b.grad, scale))
            )
            spec.grid[nid] = (li + 1, ni)
            inputs = list(zip(prev, n.w))
            if strongest is not None:  # the k largest |w|, drawn in input order
                kept = sorted(range(len(inputs)), key=lambda k: -abs(inputs[k][1].data))
                inputs = [inputs[k] for k in sorted(kept[:strongest])]
            for src, w in inputs:
                color = palette.grad_color(w.data, wmax) if w.data else palette.EDGE
                width = 0.3 + 2.7 * abs(w.data) / wmax
                spec.edges.append(Edge(src, nid, color=color, width=width, arrow=False))
            ids.append(nid)
        prev = ids
    return spec


def _per_layer(model: MLP, x, acts) -> GraphSpec:
    spec = GraphSpec([], [], "LR", grid={})
    prev = _inputs(model, x, spec)
    grads = [[n.b.grad for n in layer.neurons] for layer in model.layers]
    scale = max(abs(sum(g) / len(g)) for g in grads)
    for li, layer in enumerate(model.layers):
        ns = layer.neurons
        fields = [f"layer {li + 1}: {len(ns)} × {ns[0].activation}"]
        if acts is not None:
            out = acts[li]
            fields.append(f"mean out {fmt(sum(out) / len(out))}")
            if ns[0].activation == "relu":
                fields.append(f"zero for this x: {sum(v == 0 for v in out)}/{len(out)}")
        mean_b = sum(grads[li]) / len(ns)
        fields += [f"mean grad b {fmt(mean_b)}",
                   f"|grad w| {fmt(sum(_mean_abs_w(n) for n in ns) / len(ns))}"]  # fmt: skip
        nid = f"L{li}"
        fill = palette.grad_color(mean_b, scale)
        spec.nodes.append(Node(nid, "value", tuple(fields), fill, stacked=True))
        spec.grid[nid] = (li + 1, 0)
        spec.edges.extend(Edge(src, nid, arrow=True) for src in prev)
        prev = [nid]
    return spec


def _legend(per: str, has_x: bool) -> list[str]:
    lines = []
    if has_x and per == "layer":
        lines.append("mean out = the layer's average output for this input x")
    elif has_x:
        lines.append("out = the neuron's output for this input x")
    lines.append("grad b = d(what backward() ran from)/d(pre-activation); sets the fill")
    if per == "layer":
        lines[-1] = "mean grad b = the layer's average bias gradient; sets the fill"
    lines.append("fill: red = grad > 0, blue = grad < 0, white = 0")
    lines.append("|grad w| = mean |gradient| of the neuron's weights")
    if per == "neuron":
        lines.append("edges = weights: red > 0, blue < 0, thicker = larger |w|")
    return lines
