"""The ``micrograd`` command line.

``micrograd demo`` trains a small MLP on a toy dataset (two moons by default),
prints its progress and writes two pictures: the raw data and the learned
decision boundary. ``micrograd graph "EXPR"`` draws the computation graph of
a small expression. Run ``micrograd --help`` or ``micrograd demo --help``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from micrograd.argtypes import int_in, non_negative_float, positive_float, positive_int
from micrograd.errors import MissingExtraError

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


def _add_demo_parser(subparsers: argparse._SubParsersAction) -> None:
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
    demo.add_argument(
        "--dataset", choices=DATASETS, default="moons", help="which toy dataset to learn"
    )
    demo.add_argument("--samples", type=positive_int, default=100, help="number of data points")
    demo.add_argument(
        "--noise", type=non_negative_float, default=0.1, help="noise added to the points"
    )
    demo.add_argument("--steps", type=positive_int, default=100, help="number of training steps")
    demo.add_argument(
        "--hidden",
        type=positive_int,
        nargs="+",
        default=[16, 16],
        metavar="N",
        help="sizes of the hidden layers, e.g. --hidden 16 16",
    )
    demo.add_argument(
        "--activation",
        choices=("relu", "tanh", "sigmoid"),
        default="relu",
        help="activation of the hidden layers (the output layer is linear)",
    )
    demo.add_argument(
        "--lr",
        type=positive_float,
        default=1.0,
        help="learning rate at the first step",
    )
    demo.add_argument(
        "--schedule",
        choices=("linear", "constant"),
        default="linear",
        help="'linear' decays the learning rate to 10%% of --lr over the run; "
        "'constant' keeps it fixed",
    )
    demo.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        help="points per step (mini-batch SGD); default: all of them (full batch)",
    )
    demo.add_argument(
        "--loss",
        choices=LOSS_CHOICES,
        default="auto",
        help="training loss; 'auto' is svm for two classes and cross_entropy for more",
    )
    demo.add_argument(
        "--alpha", type=non_negative_float, default=1e-4, help="L2 regularisation strength"
    )
    demo.add_argument(
        "--seed",
        type=int_in(0, 2**32 - 1),
        default=1337,
        help="seed for the data, the initial weights and the mini-batches",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder for input_dataset.png and classified_dataset.png (created if needed)",
    )
    demo.add_argument(
        "--save-model",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write the trained model's parameters as JSON (load them back with "
        "MLP(2, hidden + [outputs]).load(PATH))",
    )
    demo.add_argument(
        "--log-every",
        type=positive_int,
        default=10,
        help="print the loss and accuracy every N steps",
    )
    demo.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    demo.set_defaults(run=run_demo, command="demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="micrograd",
        description="A tiny autograd engine that makes backpropagation visible.",
    )
    from micrograd import __version__

    parser.add_argument("--version", action="version", version=f"micrograd {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_demo_parser(subparsers)
    try:
        from micrograd import graph_cli
    except ImportError:  # the graph command is optional
        graph_cli = None
    if graph_cli is not None:
        graph_cli.add_parser(subparsers)
    from micrograd.playground import cli as playground_cli

    playground_cli.add_parser(subparsers)
    return parser


class UsageError(Exception):
    """A wrong option found before any work: one line on stderr and exit code 2."""


def run_demo(args: argparse.Namespace) -> int:
    """Check everything, train, report, and write the pictures. Returns the exit code."""
    from micrograd import datasets
    from micrograd.nn import MLP
    from micrograd.optim import constant, linear_decay
    from micrograd.training import DivergedError, train

    # Everything that can be refused is refused here, before the training run.
    _writable_folder(args.out, "--out")
    if args.save_model is not None:
        _writable_file(args.save_model, "--save-model")
    make = getattr(datasets, f"make_{args.dataset}")
    X, y = make(n_samples=args.samples, noise=args.noise, seed=args.seed)
    if args.batch_size is not None and args.batch_size > len(X):
        raise UsageError(
            f"--batch-size {args.batch_size} is larger than the {len(X)} points of the "
            f"dataset; use at most --batch-size {len(X)} or more --samples."
        )
    loss, n_classes = _choose_loss(args.loss, args.dataset, y)
    from micrograd.viz.mpl import pyplot

    pyplot()  # a missing matplotlib is a MissingExtraError now, not after training
    from micrograd.viz import plot_dataset, plot_decision_boundary

    outputs = n_classes if loss == "cross_entropy" else 1
    labels = datasets.signed_labels(y) if outputs == 1 else y
    random.seed(args.seed)  # the initial weights, exactly as the original demo draws them
    model = MLP(2, [*args.hidden, outputs], activation=args.activation)
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
        history = train(
            model,
            X,
            labels,
            loss=loss,
            steps=args.steps,
            lr=schedule,
            batch_size=args.batch_size,
            alpha=args.alpha,
            seed=args.seed,
            progress=not args.no_progress,
            log_every=args.log_every,
        )
    except DivergedError as exc:
        print(f"micrograd demo: {exc}", file=sys.stderr)
        return 1
    final = history.evaluation
    print(
        f"Final loss {final.loss:.6f}, training accuracy {final.accuracy:.0%} "
        f"(the trained model on all {final.points} points)"
    )

    data_path = args.out / "input_dataset.png"
    boundary_path = args.out / "classified_dataset.png"
    try:
        if args.save_model is not None:  # first: the result of the run matters most
            model.save(args.save_model)
            print(
                f"Wrote {args.save_model} (load it with "
                f"MLP(2, {[*args.hidden, outputs]}).load({str(args.save_model)!r}))"
            )
        _save(plot_dataset(X, y, title=f"{TITLES[args.dataset]}: the training data"), data_path)
        print(f"Wrote {data_path}")
        _save(
            plot_decision_boundary(
                model,
                X,
                y,
                title=f"Decision boundary after {len(history)} step{'s' * (len(history) != 1)} "
                f"(accuracy {final.accuracy:.0%} on all {final.points} points)",
            ),
            boundary_path,
        )
        print(f"Wrote {boundary_path}")
    except OSError as exc:  # e.g. the disk filled up during the run
        where = f" {exc.filename}" if exc.filename else ""
        print(f"micrograd demo: cannot write{where}: {exc.strerror or exc}.", file=sys.stderr)
        return 1
    return 0


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


def _writable_folder(folder: Path, option: str) -> None:
    """Create ``folder`` if needed and check that files can be written into it."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{option} {folder}: that is a file, not a folder; give a folder.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {folder}: cannot write there ({exc.strerror}).") from None


def _writable_file(path: Path, option: str) -> None:
    """Check that ``path`` can be (re)written, without touching an existing file."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: that is a folder; give a file name.")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"{option} {path}: the folder {parent} does not exist.")
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write there ({exc.strerror}).") from None


def _save(ax, path: Path) -> None:
    """Write the figure that holds ``ax`` to ``path`` and free its memory."""
    import matplotlib.pyplot as plt

    ax.figure.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(ax.figure)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["graph"]:  # an expression may start with a minus: "-a*b"
        from micrograd.graph_cli import protect_expression

        argv = protect_expression(argv)
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 0
    who = " ".join(("micrograd", getattr(args, "command", ""))).strip()
    try:
        return args.run(args)
    except (MissingExtraError, UsageError) as exc:
        print(f"{who}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: one line, and the shell's usual code for SIGINT
        print(f"{who}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
