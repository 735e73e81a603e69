"""``micrograd demo``: train an MLP on a toy dataset and write the pictures.

With the defaults this is the original micrograd demo, number for number: two
moons, MLP(2, [16, 16, 1]), the max-margin loss plus L2, 100 steps. It prints
its progress and writes ``input_dataset.png`` (the data) and
``classified_dataset.png`` (the learned decision boundary) into ``--out``.
"""

from __future__ import annotations

import argparse
import os
import random
from collections.abc import Sequence
from pathlib import Path

from micrograd.cli.argtypes import (
    CommandFailed,
    UsageError,
    float_in,
    int_in,
    make_folder,
    output_file,
    output_folder,
    path_text,
    positive_float,
)

DATASETS = ("moons", "circles", "blobs", "spirals", "xor")
LOSS_CHOICES = ("auto", "svm", "bce", "mse", "cross_entropy")
TWO_CLASS_LOSSES = ("svm", "bce", "mse")  # one output: a score whose sign is the class
DEFAULT_OUT = Path("micrograd-demo")
TITLES = {
    "moons": "Two moons",
    "circles": "Two circles",
    "blobs": "Blobs",
    "spirals": "Spirals",
    "xor": "XOR",
}
# Upper bounds, so that a typo (an extra zero or three) is a message, not a
# MemoryError after minutes. Each is far beyond what a scalar engine trains well.
MAX_SAMPLES = 100_000
MAX_STEPS = 1_000_000
MAX_WIDTH = 1_024
MAX_LAYERS = 16
MAX_NOISE = 10.0  # the data spans about 3 units: more noise than this is noise alone
MAX_ALPHA = 100.0  # far past where L2 alone makes training diverge


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``micrograd demo`` on the main parser's subparsers."""
    demo = subparsers.add_parser(
        "demo",
        help="train an MLP on two moons and write the pictures",
        description=(
            "Train a multi-layer perceptron on a toy 2-D dataset with the max-margin "
            "(SVM) loss plus L2 regularisation, and write input_dataset.png (the raw "
            "data) and classified_dataset.png (the learned decision boundary) into the "
            "--out folder. With the defaults this is the original micrograd demo, number "
            "for number: it reaches 100% training accuracy with a final loss of about "
            "0.011. The final loss and accuracy are those of the trained model (after the "
            "last update) on all the points."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = demo.add_argument
    add("--dataset", choices=DATASETS, default="moons", help="which toy dataset to learn")
    add("--samples", type=int_in(1, MAX_SAMPLES), default=100, help="number of data points")
    add("--noise", type=float_in(0, MAX_NOISE), default=0.1, help="noise added to the points")
    add("--steps", type=int_in(1, MAX_STEPS), default=100, help="number of training steps")
    add("--hidden", type=int_in(1, MAX_WIDTH), nargs="+", default=[16, 16], metavar="N",
        help=f"sizes of the hidden layers, e.g. --hidden 16 16 (at most {MAX_LAYERS})")  # fmt: skip
    add("--activation", choices=("relu", "tanh", "sigmoid"), default="relu",
        help="activation of the hidden layers (the output layer is linear)")  # fmt: skip
    add("--lr", type=positive_float, default=1.0, help="learning rate at the first step")
    add("--schedule", choices=("linear", "constant"), default="linear",
        help="'linear' decays the learning rate to 10%% of --lr over the run; "
        "'constant' keeps it fixed")  # fmt: skip
    add("--batch-size", type=int_in(1, MAX_SAMPLES), default=None,
        help="points per step (mini-batch SGD); default: all of them (full batch)")  # fmt: skip
    add("--loss", choices=LOSS_CHOICES, default="auto",
        help="training loss; 'auto' is svm for two classes and cross_entropy for more")  # fmt: skip
    add("--alpha", type=float_in(0, MAX_ALPHA), default=1e-4, help="L2 regularisation strength")
    add("--seed", type=int_in(0, 2**32 - 1), default=1337,
        help="seed for the data, the initial weights and the mini-batches")  # fmt: skip
    add("--out", type=path_text, default=str(DEFAULT_OUT),
        help="folder for input_dataset.png and classified_dataset.png")  # fmt: skip
    add("--save-model", type=path_text, default=None, metavar="PATH",
        help="also write the trained model's parameters as JSON (load them back with "
        "MLP(2, hidden + [outputs]).load(PATH))")  # fmt: skip
    add("--log-every", type=int_in(1, MAX_STEPS), default=10,
        help="print the loss and accuracy every N steps")  # fmt: skip
    add("--no-progress", action="store_true", help="hide the progress bar")
    demo.set_defaults(run=run, command="demo")
    return demo


def run(args: argparse.Namespace) -> int:
    """Check everything, train, report, and write the pictures. Returns the exit code."""
    from micrograd import datasets
    from micrograd.nn import MLP
    from micrograd.optim import constant, linear_decay
    from micrograd.training import DivergedError, train

    # Everything that can be refused is refused here, before the training run.
    if len(args.hidden) > MAX_LAYERS:
        raise UsageError(f"--hidden: at most {MAX_LAYERS} hidden layers, got {len(args.hidden)}.")
    out = output_folder(args.out, "--out")
    data_path = out / "input_dataset.png"
    boundary_path = out / "classified_dataset.png"
    save_model = None if args.save_model is None else output_file(args.save_model, "--save-model")
    if save_model is not None and _same_file(save_model, data_path, boundary_path):
        raise UsageError(
            f"--save-model {args.save_model}: the demo writes its pictures there; "
            "give the model another name, e.g. model.json."
        )
    make = getattr(datasets, f"make_{args.dataset}")
    X, y = make(n_samples=args.samples, noise=args.noise, seed=args.seed)
    if args.batch_size is not None and args.batch_size > len(X):
        raise UsageError(
            f"--batch-size {args.batch_size} is larger than the {len(X)} points of the "
            f"dataset; use at most --batch-size {len(X)} or more --samples."
        )
    loss, n_classes = _choose_loss(args.loss, args.dataset, y)
    from micrograd.viz.mpl import pyplot, save_figure

    pyplot()  # a missing matplotlib is a MissingExtraError now, not after training
    from micrograd.viz import plot_dataset, plot_decision_boundary

    outputs = n_classes if loss == "cross_entropy" else 1
    labels = datasets.signed_labels(y) if outputs == 1 else y
    # The initial weights, exactly as the original demo draws them after
    # random.seed(seed), from a generator of their own: the global one is left alone.
    model = MLP(2, [*args.hidden, outputs], activation=args.activation,
                rng=random.Random(args.seed))  # fmt: skip
    schedule = (
        linear_decay(args.lr, args.lr * 0.1, args.steps)
        if args.schedule == "linear"
        else constant(args.lr)
    )
    print(
        f"Training {model.__class__.__name__}(2, {[*args.hidden, outputs]}) "
        f"with {len(model.parameters())} parameters on {len(X)} {args.dataset} points "
        f"for {args.steps} steps...",
        flush=True,
    )
    try:
        history = train(model, X, labels, loss=loss, steps=args.steps, lr=schedule,
                        batch_size=args.batch_size, alpha=args.alpha, seed=args.seed,
                        progress=not args.no_progress, log_every=args.log_every)  # fmt: skip
    except DivergedError as exc:
        raise CommandFailed(str(exc)) from None
    final = history.evaluation
    print(
        f"Final loss {final.loss:.6f}, training accuracy {final.accuracy:.0%} "
        f"(the trained model on all {final.points} points)"
    )

    steps = f"{len(history)} step{'s' * (len(history) != 1)}"
    make_folder(out)
    try:
        if save_model is not None:  # first: the result of the run matters most
            model.save(save_model)
            print(f"Wrote {save_model} (load it with "
                  f"MLP(2, {[*args.hidden, outputs]}).load({str(save_model)!r}))")  # fmt: skip
        data = plot_dataset(X, y, title=f"{TITLES[args.dataset]}: the training data")
        save_figure(data.figure, data_path, dpi=150, bbox_inches="tight")
        print(f"Wrote {data_path}")
        boundary = plot_decision_boundary(
            model, X, y,
            title=f"Decision boundary after {steps} "
            f"(accuracy {final.accuracy:.0%} on all {final.points} points)",
        )  # fmt: skip
        save_figure(boundary.figure, boundary_path, dpi=150, bbox_inches="tight")
        print(f"Wrote {boundary_path}")
    except OSError as exc:  # e.g. the disk filled up during the run
        where = f" {exc.filename}" if exc.filename else ""
        raise CommandFailed(f"cannot write{where}: {exc.strerror or exc}.") from None
    return 0


def _same_file(path: Path, *others: Path) -> bool:
    where = os.path.realpath(path)
    return any(where == os.path.realpath(other) for other in others)


def _choose_loss(choice: str, dataset: str, y: Sequence[float]) -> tuple[str, int]:
    """The loss to train with, and the number of classes; a UsageError if they do not fit."""
    n_classes = len(set(y))
    if n_classes < 2:
        raise UsageError(
            f"the {dataset} data has only {n_classes} class with these options; "
            "use more --samples so that every class has points."
        )
    if choice == "auto":
        return ("svm" if n_classes == 2 else "cross_entropy"), n_classes
    if choice in TWO_CLASS_LOSSES and n_classes > 2:
        raise UsageError(
            f"--loss {choice} separates two classes, but the {dataset} data has "
            f"{n_classes}; use --loss cross_entropy (or --loss auto)."
        )
    return choice, n_classes
