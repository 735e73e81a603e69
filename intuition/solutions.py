"""Solutions to every exercise of the course.

Try each exercise before you look here: working it out is what makes it stick.
In a notebook, ``show_solution("name")`` prints just the one you ask for.

The self-checks use these when an exercise is still empty and
``MICROGRAD_STRICT_CHECKS=1`` is set (as ``regenerate.py`` and CI do), so every
solution here is checked against the library on every run.
"""

from __future__ import annotations

import math

# ====================================================================================
# Numbers, by the name of their check. Each is written the way you would work it out.
# ====================================================================================
ANSWERS: dict[str, float] = {
    # ---- notebook 1, micrograd_basics
    "f'(0)": 3 * 0**2 - 3,
    "∂(x·y)/∂x": -1.5,  # the other factor, y
    "dL/dc": 1.0 * -2.0,  # a + passes d.grad = -2 through
    "dL/da": -3.0 * -2.0,  # the other factor b = -3, times e.grad = -2
    "a after one step": 2.0 - 0.01 * 6.0,
    "dg/dx": 2 * 3 * -1 + 2,  # 2xy + z
    "dy/dx": 2 * 2 + 1,  # 2x + 1
    "a.grad after backward() twice": 6 + -3 * (-2 + -4),  # e.grad became -2 + (-4): see the text
    # ---- notebook 2, micrograd_intermediate
    "d(4/x)/dx at x = 2": -4 / 2**2,
    "do/dn": 1 - 0.4621**2,  # 1 - o²
    "do/dw1": 2.0 * 0.7864,  # ∂n/∂w1 = x1 = 2, times do/dn
    "sigmoid'(0)": 0.5 * (1 - 0.5),
    "tanh' where tanh = 0.6": 1 - 0.6**2,
    "∂(u/v)/∂v": -1.71828 / 3.71828**2,
    "values in the graph of a fused 16-input neuron": 16 + 1 + 1 + 1,  # w, b, Σw·x+b, tanh
    "parameters of MLP(2, [16, 16, 1])": (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1,
    "w after one step": 0.278854 - 0.1 * -0.115651,  # w - lr · w.grad, from the printed numbers
    # ---- notebook 3, micrograd_advanced
    "output of the first neuron for x = (1, -2)": max(0.0, 0.2355 * 1 + 0.0665 * -2 + 0.0),
    "(a) mean hinge loss": (0.0 + 0.5 + 0.8) / 3,  # max(0, 1 - y·s) per point: 0, 0.5, 0.8
    "(b) dL/dŷ for MSE": 2 * (0.5 - 1) / 1,
    "(c) cross-entropy": -math.log(math.exp(2) / (math.exp(2) + math.exp(0))),
    "ŷ after one update": 0.2 - 0.1 * (2 * (0.2 - 1)),
    "w.grad at the third update": 0.2 + 0.1 + -0.1,  # leaves add up every backward()
    "dŷ/dx1": -0.6686 * (1 - 0.0512**2) * 0.2355 + 0.6487 * (1 - 0.2965**2) * -0.2683,
    "how many times too large x1.grad is": 2,  # two backward passes added into the same leaves
    "(a) tanh'(2)": 1 - 0.964**2,
    "(b) fraction left after eight sigmoid layers": (1 / 4) ** 8,
    # ---- notebook 4, demo
    "(a) hinge loss of one point": max(0.0, 1 - (-1.0) * 0.3),
    "(b) L2 penalty": 1e-4 * (0.5**2 + (-1.0) ** 2 + 2.0**2),
    "(a) learning rate at step 75": 1.0 - 0.9 * 75 / 100,
    "(b) w after one step": 0.5 - 0.1 * (0.2 + 2 * 0.01 * 0.5),
    "test accuracy": 348 / 400,
}


# ====================================================================================
# Functions, by the name of their exercise.
# ====================================================================================


# ---- notebook 1, micrograd_basics
def tiny_add(self, other):
    """TinyValue.__add__: the sum, its two children, and d(x+y)/dx = 1, d(x+y)/dy = 1."""
    return type(self)(self.data + other.data, (self, other), "+", (1.0, 1.0))


def tiny_mul(self, other):
    """TinyValue.__mul__: the product, its two children, and each factor's the other one."""
    return type(self)(self.data * other.data, (self, other), "*", (other.data, self.data))


def closure_mul(self, other):
    """x * y in the lecture's form: the result carries a function that passes its grad on."""
    out = type(self)(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad  # d(x*y)/dx = y, times the gradient from above
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


def topological_order(root):
    """Every value root depends on, and root itself, each listed after all of its children."""
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for child in node._children:
                visit(child)
            order.append(node)  # only after all of its children

    visit(root)
    return order


def backward(root):
    """Fill in .grad of every value in root's graph with d(root)/d(value)."""
    root.grad = 1.0
    for node in reversed(topological_order(root)):  # output first, leaves last
        for child, local in zip(node._children, node._local):
            child.grad += local * node.grad  # the chain rule; += because a value can be reused


# ---- notebook 2, micrograd_intermediate
def pow_local(x, k, out):
    """d(x**k)/dx at the input x; out = x**k."""
    return k * x ** (k - 1)


def exp_local(x, out):
    """d(e**x)/dx at the input x; out = e**x."""
    return out  # the exponential is its own derivative


def tanh_local(x, out):
    """d(tanh x)/dx at the input x; out = tanh(x)."""
    return 1 - out**2


def relu_local(x, out):
    """d(relu x)/dx at the input x; out = max(0, x). Use 0 at the corner x = 0, like PyTorch."""
    return 1.0 if x > 0 else 0.0


def neuron(xs, ws, b):
    """tanh(w1·x1 + w2·x2 + ... + b), from scalar operations."""
    total = b
    for w, x in zip(ws, xs):
        total = total + w * x
    return total.tanh()


def layer_call(self, xs):
    """MyLayer.__call__: every neuron on the same inputs; one neuron gives its Value itself."""
    outs = [n(xs) for n in self.neurons]
    return outs[0] if len(outs) == 1 else outs


def mlp_call(self, xs):
    """MyMLP.__call__: each layer reads the outputs of the layer before it."""
    for layer in self.layers:
        xs = layer(xs)
    return xs


def mlp_parameters(self):
    """MyMLP.parameters: every weight and bias, layer by layer, in one flat list."""
    return [p for layer in self.layers for p in layer.parameters()]


def training_step(model, X, targets, lr):
    """One step of gradient descent on the mean squared error; returns the loss Value."""
    from micrograd.losses import mse_loss

    loss = mse_loss([model(x) for x in X], targets)  # 1. forward
    model.zero_grad()  # 2. zero the gradients
    loss.backward()  # 3. backward
    for p in model.parameters():  # 4. update, against the gradient
        p.data -= lr * p.grad
    return loss


FUNCTIONS = {
    "tiny_add": tiny_add,
    "tiny_mul": tiny_mul,
    "topological_order": topological_order,
    "backward": backward,
    "closure_mul": closure_mul,
    "pow_local": pow_local,
    "exp_local": exp_local,
    "tanh_local": tanh_local,
    "relu_local": relu_local,
    "neuron": neuron,
    "MyLayer.__call__": layer_call,
    "MyMLP.__call__": mlp_call,
    "MyMLP.parameters": mlp_parameters,
    "training_step": training_step,
}


# ====================================================================================
# Notebooks 3 (advanced) and 4 (demo): the functions you write there.
# ====================================================================================
def my_mse(predictions, targets):
    """The mean of the squared errors: ((ŷ₁ - y₁)² + ... + (ŷₙ - yₙ)²) / n."""
    squares = [(p - t) ** 2 for p, t in zip(predictions, targets)]
    return sum(squares[1:], squares[0]) * (1 / len(squares))


def hinge_l2(scores, labels, params, alpha):
    """The demo's loss: the mean of max(0, 1 - y·s) over the points, plus α·Σθ²."""
    hinges = [(1 - y * s).relu() for s, y in zip(scores, labels)]  # relu(u) is max(0, u)
    squares = [p * p for p in params]
    return sum(hinges[1:], hinges[0]) * (1 / len(hinges)) + alpha * sum(squares[1:], squares[0])


def numeric_gradient(f, xs, eps=1e-6):
    """One slope per input of f, by central differences: (f(x + ε) - f(x - ε)) / 2ε."""
    slopes = []
    for k in range(len(xs)):
        up, down = list(xs), list(xs)  # copies: xs itself stays as it was
        up[k] += eps
        down[k] -= eps
        slopes.append((f(up) - f(down)) / (2 * eps))
    return slopes


def dual_mul(self, other):
    """(a + a'ε)(b + b'ε) = ab + (a'b + ab')ε: the product rule, carried along."""
    return type(self)(self.value * other.value, self.slope * other.value + self.value * other.slope)


def l2_penalty(params, alpha):
    """α times the sum of the squares of the parameters."""
    squares = [p * p for p in params]
    return alpha * sum(squares[1:], squares[0])


def demo_step(model, X, labels, lr, alpha):
    """One step of the classic demo: forward, loss, zero_grad, backward, update; the loss."""
    from micrograd.losses import l2_regularization, svm_loss

    scores = [model(x) for x in X]  # 1. forward
    loss = svm_loss(scores, labels) + l2_regularization(model.parameters(), alpha)
    model.zero_grad()  # 2. zero the gradients
    loss.backward()  # 3. backward
    for p in model.parameters():  # 4. update, against the gradient
        p.data -= lr * p.grad
    return loss


def my_linear_decay(start, end, steps):
    """A schedule: from `start` at step 0 down to `end` at step `steps`, then `end`."""

    def rate(k):
        return end if k >= steps else start - (start - end) * k / steps

    return rate


def accuracy_of(scores, classes):
    """The fraction of points on their class's side: score > 0 for class 1, else class 0."""
    right = sum((s > 0) == (c == 1) for s, c in zip(scores, classes))
    return right / len(scores)


FUNCTIONS.update(
    {
        "my_mse": my_mse,
        "hinge_l2": hinge_l2,
        "numeric_gradient": numeric_gradient,
        "Dual.__mul__": dual_mul,
        "l2_penalty": l2_penalty,
        "demo_step": demo_step,
        "my_linear_decay": my_linear_decay,
        "accuracy_of": accuracy_of,
    }
)

# notebook 4's prediction: measured by the experiment itself (51% of the points right);
# a prediction within a fifth of it counts
ANSWERS["accuracy after 100 updates on batches of 1"] = 0.51
