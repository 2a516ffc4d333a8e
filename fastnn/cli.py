"""The ``fastnn`` command: run the initialisation study, print its table, save figures.

This is the only module that decides where figures go: it draws on
``matplotlib.figure.Figure`` objects and saves them, so no GUI backend is ever
selected and a script never blocks on a window.

Every command reports a failed run (a ``ValueError``, ``TypeError``,
``FloatingPointError`` or ``OSError``) as one line ``fastnn: error: ...`` with exit
status 1, and a warning as one line ``fastnn: warning: ...``; ``--debug`` shows
Python's traceback and warnings instead. Bad usage exits with 2 (argparse's
status), Ctrl-C with 130.

``study.json`` is strict JSON (RFC 8259 has no Infinity): a cost that is infinite,
as the ×10 start's first cost is, is written as the string ``"inf"``, which
``float()`` reads back; every other number is a JSON number.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import warnings
from typing import Any, Callable, Sequence

from fastnn import __version__
from fastnn._validate import DTYPES, HIDDEN_ACTIVATIONS, OUTPUTS, SEED_LIMIT
from fastnn.init import DEFAULT_HIDDEN, INITIALIZATIONS
from fastnn.io import json_number
from fastnn.study import (
    CLASSIFIER_OUTPUTS, ENGINES, STUDY_INITIALIZATIONS, StudyRow, format_table, run_study,
)

DESCRIPTION = """\
Reproduce the initialisation study: a [2, 10, 5, 1] ReLU network with a sigmoid
output, trained by full-batch gradient descent on the "donut" data (300 training and
100 test points on two noisy concentric circles), once from each initialisation.
Prints the cost every 1000 iterations and a closing table (first and final cost,
train and test accuracy, training time), and saves, per initialisation, its cost
curve and its decision boundary as PNG files, plus an overview figure.
--hidden-activation, --output and --dtype train another network on the same data:
other hidden units, a softmax over two units, float32.
"""

EXIT_STATUS_HELP = (
    'exit status: 0 done; 1 a run failed (training diverged, a file could not be read or'
    ' written), reported as one line "fastnn: error: ..." (--debug shows the traceback);'
    " 2 bad usage"
)

EPILOG = """\
examples:
  fastnn                           the study: zeros, random and he, 15000 iterations
  fastnn --init he --iterations 3000 --no-plots
  fastnn --engine reference        the same study on the plain NumPy oracle
  fastnn --save models             also save each trained model (models/model_he.npz, ...)
  fastnn --predict models/model_he.npz
                                   evaluate a saved model on the study's data, no training
  fastnn --hidden-activation tanh --output softmax --dtype float32
                                   the study with tanh units, a softmax over two units, float32

Ctrl-C stops training between chunks of iterations; the runs that finished are
still printed and saved (as they are when a later run fails), and the exit status
is 130.

study.json holds one record per run; an infinite cost (a saturated sigmoid) is
written as the string "inf" (float() reads it back), so that strict JSON parsers
accept the file.

{exit_status}

more commands (each has --help):
  fastnn inits                     every initialisation scheme's per-layer statistics
  fastnn sweep                     every scheme over 50 seeds: means, spreads, figures
  fastnn optimizers                the optimisation study: gd, momentum and Adam on the moons
  fastnn regularization            the regularisation study: none, L2 and dropout, train vs test
  fastnn gradcheck                 check both engines' gradients against finite differences
""".format(exit_status=textwrap.fill(
    EXIT_STATUS_HELP + " (including a --predict MODEL that is not a readable fastnn model);"
    " 130 interrupted.", width=80,
))


EXIT_FAILURE = 1        # a run failed
EXIT_USAGE = 2          # bad options; argparse's own status
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT
# What a failed run raises: bad input found late, divergence, files, sizes that do
# not fit in memory (--iterations 10**12 asks for a 7 TiB cost history).
RUN_ERRORS = (ValueError, TypeError, FloatingPointError, OSError, MemoryError)


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def _show_warning(message: Any, category: type, filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    # Replaces warnings.showwarning while a command runs: no file, line number or
    # source line, which mean nothing to someone running the command.
    print(f"fastnn: warning: {_one_line(message)}", file=sys.stderr)


def _run(work: Callable[[], int], debug: bool) -> int:
    """Run a command's body: warnings print as ``fastnn: warning: ...`` and a failed
    run as ``fastnn: error: ...`` with status 1, or, with ``debug``, as Python
    prints them (the traceback)."""
    if debug:
        return work()
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return work()
        except RUN_ERRORS as exc:
            print(f"fastnn: error: {_one_line(exc) or type(exc).__name__}", file=sys.stderr)
            return EXIT_FAILURE


def _add_debug(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--debug", action="store_true",
        help="on a failed run, show Python's traceback instead of one line (and"
        " warnings with their source)",
    )


# The --output choices' help, for commands that classify the study's two classes
# (and refuse identity, a regression) and for those that take any output layer.
CLASSIFIER_OUTPUT_HELP = (
    "output layer and its loss: sigmoid (default: one unit, binary cross-entropy) or softmax"
    " (two units, one per class, the labels 0 and 1 their classes; categorical cross-entropy);"
    " identity, a regression output, is refused: it has no classes to count or draw"
)
ANY_OUTPUT_HELP = (
    "output layer and its loss: sigmoid (default: one unit, binary cross-entropy), softmax"
    " (two units, one per class, the labels 0 and 1 their classes; categorical cross-entropy)"
    " or identity (one unit, squared error against the labels as numbers)"
)
HIDDEN_ACTIVATION_HELP = (
    "activation of the hidden layers: relu (default, the study's), tanh, sigmoid or identity"
    " (linear layers)"
)
DTYPE_HELP = (
    "precision of the parameters, the data and every operation: float64 (default) or float32"
    " (half the memory; costs are reported in float64 either way)"
)


def _add_model_options(
    parser: argparse.ArgumentParser,
    output_help: str | None,
    *,
    hidden_help: str = HIDDEN_ACTIVATION_HELP,
    dtype_help: str | None = DTYPE_HELP,
) -> None:
    """--output (unless ``output_help`` is None), --hidden-activation and
    --dtype (unless ``dtype_help`` is None): the network besides its sizes."""
    if output_help is not None:
        parser.add_argument("--output", choices=OUTPUTS, default="sigmoid", help=output_help)
    parser.add_argument("--hidden-activation", choices=HIDDEN_ACTIVATIONS, default="relu", help=hidden_help)
    if dtype_help is not None:
        parser.add_argument("--dtype", choices=[dtype.name for dtype in DTYPES], default="float64",
                            help=dtype_help)


def _check_classifier_output(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Bad usage (status 2) unless --output classifies the study's two classes."""
    if args.output not in CLASSIFIER_OUTPUTS:
        parser.error(
            f"--output {args.output} is a regression output (squared error), and this command"
            " reports accuracy on two classes: use --output sigmoid or --output softmax"
        )


def _output_units(output: str) -> int:
    """The output units the study's two classes take: one sigmoid unit, a softmax
    over two; one identity unit (the labels as numbers)."""
    return CLASSIFIER_OUTPUTS.get(output, 1)


def _model_words(output: str = "sigmoid", hidden_activation: str = "relu", dtype: str = "float64") -> str:
    """The network's options that differ from the study's, for a heading:
    ``", tanh hidden units, softmax output, float32"``; empty for the study's."""
    words = []
    if hidden_activation != "relu":
        words.append(f"{hidden_activation} hidden units")
    if output != "sigmoid":
        words.append(f"{output} output")
    if dtype != "float64":
        words.append(dtype)
    return "".join(f", {word}" for word in words)


def version_text() -> str:
    """``fastnn X.Y.Z (kernel <build>; ...; NumPy X.Y)``, for --version and bug reports."""
    import numpy as np

    from fastnn._dispatch import build_info

    info = build_info()
    forced = ", forced by FASTNN_KERNEL" if info["forced_by_env"] else ""
    return (
        f"fastnn {__version__} (kernel {info['build']}{forced}; available on this CPU:"
        f" {', '.join(info['available'])}; {info['machine']}; NumPy {np.__version__})"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastnn",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--init", nargs="+", choices=sorted(INITIALIZATIONS), default=list(STUDY_INITIALIZATIONS),
        metavar="SCHEME",
        help=f"initialisations to train, in order: any of {', '.join(sorted(INITIALIZATIONS))}"
        " (default: zeros random he)",
    )
    parser.add_argument(
        "--iterations", type=int, default=15000, metavar="N",
        help="gradient-descent iterations per run (default: 15000)",
    )
    parser.add_argument(
        "--learning-rate", type=float, default=0.01, metavar="LR",
        help="learning rate (default: 0.01)",
    )
    parser.add_argument(
        "--engine", choices=sorted(ENGINES), default="compiled",
        help="compiled (default) or reference, the plain NumPy oracle",
    )
    parser.add_argument(
        "--out", default="fastnn-results", metavar="DIR",
        help="folder for the figures and study.json (default: ./fastnn-results)",
    )
    parser.add_argument("--no-plots", action="store_true", help="do not draw or save figures")
    parser.add_argument(
        "--save", metavar="DIR",
        help="save each trained model as DIR/model_<init>.npz (see fastnn.load)",
    )
    parser.add_argument(
        "--predict", metavar="MODEL",
        help="instead of training, load MODEL (.npz from --save or fastnn.save) and print"
        " its accuracy on the study's training and test data, with the output layer and"
        " hidden activation it was trained with",
    )
    _add_model_options(parser, CLASSIFIER_OUTPUT_HELP)
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only the closing table"
    )
    _add_debug(parser)
    parser.add_argument("--version", action="version", version=version_text())
    return parser


def _network(result: Any) -> dict[str, str]:
    """A trained result's output layer and hidden activation, as keyword
    arguments for what evaluates its network."""
    return {"output": result.output, "hidden_activation": result.hidden_activation}


def _save_row_figures(row: StudyRow, out: str) -> list[str]:
    from matplotlib.figure import Figure

    from fastnn.data import load_dataset
    from fastnn.plots import plot_costs, plot_decision_boundary

    train_X, train_Y, _, _ = load_dataset()
    name = row.initialization
    paths = []
    fig = Figure(figsize=(6, 4), layout="constrained")
    plot_costs(row.result.costs, ax=fig.add_subplot(), title=f"cost, {name} initialization",
               output=row.result.output)
    paths.append(os.path.join(out, f"cost_{name}.png"))
    fig.savefig(paths[-1], dpi=110)
    fig = Figure(figsize=(5, 5), layout="constrained")
    plot_decision_boundary(
        row.result.parameters, train_X, train_Y, ax=fig.add_subplot(),
        title=f"{name}: train accuracy {row.train_accuracy:.3f}", **_network(row.result),
    )
    paths.append(os.path.join(out, f"boundary_{name}.png"))
    fig.savefig(paths[-1], dpi=110)
    return paths


def _save_overview(rows: Sequence[StudyRow], out: str) -> str:
    from matplotlib.figure import Figure

    from fastnn.data import load_dataset
    from fastnn.plots import plot_costs, plot_decision_boundary

    train_X, train_Y, _, _ = load_dataset()
    fig = Figure(figsize=(4 * len(rows) + 4, 4), layout="constrained")
    axes = fig.subplots(1, len(rows) + 1)
    for row in rows:
        plot_costs(row.result.costs, ax=axes[0], label=row.initialization, title="cost",
                   output=row.result.output)
    axes[0].legend(fontsize=8)   # small: the panel is narrow
    for ax, row in zip(axes[1:], rows):
        plot_decision_boundary(
            row.result.parameters, train_X, train_Y, ax=ax,
            title=f"{row.initialization}: train {row.train_accuracy:.3f}, test {row.test_accuracy:.2f}",
            **_network(row.result),
        )
    path = os.path.join(out, "study.png")
    fig.savefig(path, dpi=100)
    return path


def _row_record(row: StudyRow) -> dict:
    costs = row.result.costs
    return {
        "initialization": row.initialization,
        "engine": row.result.engine,
        "output": row.result.output,
        "hidden_activation": row.result.hidden_activation,
        "dtype": row.result.dtype.name,
        "learning_rate": json_number(row.result.learning_rate),
        "num_iterations": row.result.num_iterations,
        "first_cost": json_number(costs[0]),
        "final_cost": json_number(costs[-1]),
        "train_accuracy": json_number(row.train_accuracy),
        "test_accuracy": json_number(row.test_accuracy),
        "seconds": json_number(row.result.elapsed),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sweep"]:
        return sweep_command(argv[1:])
    if argv[:1] == ["inits"]:
        return inits_command(argv[1:])
    if argv[:1] == ["optimizers"]:
        return optimizers_command(argv[1:])
    if argv[:1] == ["gradcheck"]:
        return gradcheck_command(argv[1:])
    if argv[:1] == ["regularization"]:
        return regularization_command(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.iterations < 1:
        parser.error(f"--iterations must be >= 1, got {args.iterations}")
    if not args.learning_rate > 0 or args.learning_rate == float("inf"):
        parser.error(f"--learning-rate must be a finite number > 0, got {args.learning_rate}")
    _check_classifier_output(parser, args)
    if args.predict:
        return _run(lambda: _predict(args), args.debug)
    return _run(lambda: _study(args), args.debug)


def _study(args: argparse.Namespace) -> int:
    # The folders are made before training, so that one that cannot be made fails
    # the run at once rather than after it.
    if not args.no_plots:
        os.makedirs(args.out, exist_ok=True)
    if args.save:
        os.makedirs(args.save, exist_ok=True)

    rows: list[StudyRow] = []

    def on_row(row: StudyRow) -> None:
        rows.append(row)
        if args.save:
            from fastnn.io import save

            save(os.path.join(args.save, f"model_{row.initialization}.npz"), row.result)
        if not args.quiet:
            print(
                f"-> {row.initialization}: final cost {row.result.final_cost:.6g}, train accuracy"
                f" {row.train_accuracy:.4f}, test accuracy {row.test_accuracy:.4f}"
                f" ({row.result.elapsed:.2f} s)\n"
            )

    def write_results() -> None:
        for row in rows:
            _save_row_figures(row, args.out)
        with open(os.path.join(args.out, "study.json"), "w") as f:
            json.dump([_row_record(row) for row in rows], f, indent=2, allow_nan=False)
        path = _save_overview(rows, args.out)
        print(f"\nfigures and study.json written to {os.path.abspath(args.out)} ({os.path.basename(path)} is the overview)")

    model = dict(output=args.output, hidden_activation=args.hidden_activation, dtype=args.dtype)
    runs = [
        (f"{name} initialization, {args.engine} engine{_model_words(**model)}",
         lambda name=name: run_study([name], learning_rate=args.learning_rate,
                                     num_iterations=args.iterations, engine_name=args.engine,
                                     print_cost=not args.quiet, on_row=on_row, **model))
        for name in args.init
    ]
    return _run_then_report(args, runs, rows, format_table, write_results)


def _run_then_report(
    args: argparse.Namespace,
    runs: Sequence[tuple[str, Callable[[], Any]]],
    rows: Sequence[Any],
    format_table: Callable[[Sequence[Any]], str],
    write_results: Callable[[], None],
) -> int:
    """Run each ``(heading, run)`` in order, each adding its rows; then print the table
    of the rows that finished and, unless --no-plots, write their files.

    The table and files come once training has stopped - finished, interrupted or
    failed - so that neither a Ctrl-C nor a later run's failure can leave a finished
    run unreported. Returns 0, or EXIT_INTERRUPTED after a Ctrl-C; a failed run's
    error is raised again once the finished runs are written.
    """
    status = 0
    failure: BaseException | None = None
    try:
        for heading, run in runs:
            if not args.quiet:
                print(f"== {heading} ==", flush=True)
            run()
    except KeyboardInterrupt:
        print("\ninterrupted: writing the runs that finished", file=sys.stderr)
        status = EXIT_INTERRUPTED
    except RUN_ERRORS as exc:
        failure = exc
    if rows:
        print(format_table(rows))
        if not args.no_plots:
            write_results()
    if failure is not None:
        raise failure
    return status


def inits_command(argv: Sequence[str]) -> int:
    """``fastnn inits``: every scheme's statistics at initialisation."""
    parser = argparse.ArgumentParser(
        prog="fastnn inits",
        description="For every registered initialisation scheme, the study's network at"
        " initialisation on the study's training data: per layer, the mean and std of the"
        " pre-activations, dead units (a ReLU at zero, a tanh or sigmoid saturated, on every"
        " example), saturated activations (a hidden tanh or sigmoid within 0.5 % of its"
        " range's ends; an output of exactly 0 or 1), whether all units are identical and the"
        " weight gradient's norm. Saves a PNG of the per-layer spread.",
        epilog=EXIT_STATUS_HELP + ".",
    )
    parser.add_argument(
        "--seed", type=int, default=3,
        help="initialisation seed, 0 to 2**32 - 1 (default: 3)",
    )
    _add_model_options(parser, ANY_OUTPUT_HELP, dtype_help=None)
    parser.add_argument("--out", default="fastnn-results", metavar="DIR", help="folder for inits.png")
    parser.add_argument("--no-plots", action="store_true", help="do not draw the figure")
    _add_debug(parser)
    args = parser.parse_args(argv)
    if not 0 <= args.seed < SEED_LIMIT:
        parser.error(f"--seed must be between 0 and 2**32 - 1, got {args.seed}")
    return _run(lambda: _inits(args), args.debug)


def _inits(args: argparse.Namespace) -> int:
    from fastnn.data import load_dataset
    from fastnn.diagnose import diagnose

    train_X, train_Y, _, _ = load_dataset()
    layers_dims = [train_X.shape[0], *DEFAULT_HIDDEN, _output_units(args.output)]
    diagnoses = [
        diagnose(train_X, layers_dims, name, args.seed, Y=train_Y, output=args.output,
                 hidden_activation=args.hidden_activation)
        for name in INITIALIZATIONS
    ]
    print("\n\n".join(d.table() for d in diagnoses))
    if not args.no_plots:
        from matplotlib.figure import Figure

        from fastnn.plots import plot_activation_spread

        os.makedirs(args.out, exist_ok=True)
        fig = Figure(figsize=(7, 4.5), layout="constrained")
        plot_activation_spread(diagnoses, ax=fig.add_subplot())
        path = os.path.join(args.out, "inits.png")
        fig.savefig(path, dpi=110)
        print(f"\nwrote {path}")
    return 0


def sweep_command(argv: Sequence[str]) -> int:
    """``fastnn sweep``: the study over many seeds."""
    parser = argparse.ArgumentParser(
        prog="fastnn sweep",
        description="Train every initialisation scheme (or those named) from many seeds, and"
        " optionally several learning rates, on the study's data; print per scheme the mean,"
        " std and range of the final cost and of train and test accuracy, and how often test"
        " accuracy reached 95 %. Writes sweep.csv, sweep.json and figures (median cost curves"
        " with their spread, a box plot of test accuracy). Trainings run in parallel on all cores.",
        epilog=EXIT_STATUS_HELP + "; 130 interrupted.",
    )
    parser.add_argument("--init", nargs="+", choices=sorted(INITIALIZATIONS), metavar="SCHEME",
                        help=f"schemes (default: all: {', '.join(INITIALIZATIONS)})")
    parser.add_argument("--seeds", type=int, default=50, metavar="N", help="seeds 0..N-1 (default: 50)")
    parser.add_argument("--learning-rates", type=float, nargs="+", default=[0.01], metavar="LR", help="(default: 0.01)")
    parser.add_argument("--iterations", type=int, default=15000, metavar="N", help="per training (default: 15000)")
    parser.add_argument("--out", default="fastnn-results", metavar="DIR", help="folder for the CSV, JSON and figures")
    parser.add_argument("--no-plots", action="store_true", help="do not draw the figures")
    _add_model_options(parser, CLASSIFIER_OUTPUT_HELP)
    _add_debug(parser)
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.iterations < 1:
        parser.error("--seeds and --iterations must be >= 1")
    _check_classifier_output(parser, args)
    for rate in args.learning_rates:
        if not 0 < rate < float("inf"):
            parser.error(f"--learning-rates must be finite numbers > 0, got {rate}")
    return _run(lambda: _sweep(args), args.debug)


def _sweep(args: argparse.Namespace) -> int:
    from fastnn.sweep import sweep

    try:
        result = sweep(args.init, range(args.seeds), args.learning_rates, args.iterations, output=args.output,
                       hidden_activation=args.hidden_activation, dtype=args.dtype)
    except KeyboardInterrupt:
        print("\ninterrupted: no sweep results written", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(result.table())
    os.makedirs(args.out, exist_ok=True)
    written = [result.to_csv(os.path.join(args.out, "sweep.csv")), result.to_json(os.path.join(args.out, "sweep.json"))]
    if not args.no_plots:
        from matplotlib.figure import Figure

        from fastnn.plots import plot_sweep_accuracy, plot_sweep_costs

        for name, draw in (("sweep_costs.png", plot_sweep_costs), ("sweep_accuracy.png", plot_sweep_accuracy)):
            fig = Figure(figsize=(8, 5), layout="constrained")
            draw(result, ax=fig.add_subplot())
            written.append(os.path.join(args.out, name))
            fig.savefig(written[-1], dpi=110)
    print("\nwrote " + ", ".join(written))
    return 0


OPTIMIZERS_DESCRIPTION = """\
Reproduce the course's optimisation study on the compiled engine: a [2, 5, 2, 1]
ReLU network with a sigmoid output, He initialisation (seed 3), on the "moons" (300
points, noise 0.2), trained with mini-batches of 64 reshuffled every epoch (seeds
11, 12, ...) by gradient descent, momentum (beta 0.9) and Adam (beta1 0.9, beta2
0.999, epsilon 1e-8), at learning rate 0.0007 for 10000 epochs. Prints the cost
every 1000 epochs and a table (optimizer, learning rate, epochs, final cost, train
accuracy, time), and saves the three cost curves and each decision boundary as PNG
files.

--decay runs the course's learning-rate decay section instead: the learning rate of
epoch e is lr / (1 + decay_rate * floor(e / time_interval)) with decay_rate 1 and
time_interval 1000 (its schedule_lr_decay), starting from lr 0.1 for gradient
descent and momentum and 0.01 for Adam, for 5000 epochs.
"""


def optimizers_command(argv: Sequence[str]) -> int:
    """``fastnn optimizers``: the optimisation study's three optimisers."""
    from fastnn.optimization import OPTIMIZERS

    parser = argparse.ArgumentParser(
        prog="fastnn optimizers",
        description=OPTIMIZERS_DESCRIPTION,
        epilog=textwrap.fill(EXIT_STATUS_HELP + "; 130 interrupted.", width=80),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--optimizer", nargs="+", choices=OPTIMIZERS, default=list(OPTIMIZERS), metavar="NAME",
        help=f"optimisers to train, in order: any of {', '.join(OPTIMIZERS)} (default: all three)",
    )
    parser.add_argument(
        "--decay", action="store_true",
        help="the course's decay section: decay_rate 1, time_interval 1000, lr 0.1 (Adam 0.01), 5000 epochs",
    )
    parser.add_argument(
        "--epochs", type=int, metavar="N",
        help="epochs per run (default: 10000; 5000 with --decay)",
    )
    parser.add_argument(
        "--out", default="fastnn-results", metavar="DIR",
        help="folder for the figures (default: ./fastnn-results)",
    )
    parser.add_argument("--no-plots", action="store_true", help="do not draw or save figures")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the closing table")
    _add_model_options(parser, None, hidden_help=HIDDEN_ACTIVATION_HELP.replace("the study's", "the course's"))
    _add_debug(parser)
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return _run(lambda: _optimizers(args), args.debug)


def _optimizers(args: argparse.Namespace) -> int:
    from fastnn.optimization import OptimizerRow, format_table, run_optimizers

    if not args.no_plots:
        os.makedirs(args.out, exist_ok=True)
    rows: list[OptimizerRow] = []

    def on_row(row: OptimizerRow) -> None:
        rows.append(row)
        if not args.quiet:
            print(
                f"-> {row.optimizer}: final cost {row.result.final_cost:.6g}, train accuracy"
                f" {row.train_accuracy:.4f} ({row.result.elapsed:.2f} s)\n"
            )

    def write_results() -> None:
        paths = _save_optimizer_figures(rows, args.out, "optimizers_decay" if args.decay else "optimizers")
        print(f"\nwrote {', '.join(paths)}")

    decay = ", learning-rate decay" if args.decay else ""
    model = dict(hidden_activation=args.hidden_activation, dtype=args.dtype)
    runs = [
        (f"{name}{decay}, compiled engine{_model_words(**model)}",
         lambda name=name: run_optimizers([name], decay=args.decay, num_epochs=args.epochs,
                                          print_cost=not args.quiet, on_row=on_row, **model))
        for name in args.optimizer
    ]
    return _run_then_report(args, runs, rows, format_table, write_results)


def _save_optimizer_figures(rows: Sequence[Any], out: str, prefix: str) -> list[str]:
    from matplotlib.figure import Figure

    from fastnn.data import load_moons
    from fastnn.plots import plot_costs, plot_decision_boundary

    X, Y = load_moons()
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for row in rows:
        plot_costs(row.result.costs, ax=ax, label=f"{row.optimizer} (lr {row.result.learning_rate:g})",
                   title="cost per epoch, mini-batches of 64", output=row.result.output)
    ax.set_xlabel("epoch")
    paths = [os.path.join(out, f"{prefix}_cost.png")]
    fig.savefig(paths[-1], dpi=110)
    for row in rows:
        fig = Figure(figsize=(5, 5), layout="constrained")
        plot_decision_boundary(row.result.parameters, X, Y, ax=fig.add_subplot(),
                               title=f"{row.optimizer}: train accuracy {row.train_accuracy:.4f}",
                               **_network(row.result))
        paths.append(os.path.join(out, f"{prefix}_boundary_{row.optimizer}.png"))
        fig.savefig(paths[-1], dpi=110)
    return paths


REGULARIZATION_DESCRIPTION = """\
Reproduce the course's regularisation study on the compiled engine: its
[2, 20, 3, 1] ReLU network with a sigmoid output, initialised as the course's
(randn / sqrt(fan_in), seed 3), trained by full-batch gradient descent at learning
rate 0.3 for 30000 iterations three times: without regularisation, with L2 (lambd
0.7) and with inverted dropout on the hidden layers (keep_prob 0.86, masks seeded
by 1). The data stands in for the course's football field: noisy moons, 200
training points (noise 0.3, seed 5) and 1000 test points (seed 6), as
fastnn.load_regularization_data returns them. Prints the cost every 10000
iterations and a table (run, final cost, train and test accuracy, time), and saves
each run's decision boundary over the training points and the three cost curves
as PNG files.
"""

REGULARIZATION_EPILOG = """\
what it shows: without regularisation the network overfits the small noisy training
set - it bends its boundary round stray points, and train accuracy is well above test
accuracy. L2 and dropout each give up some training accuracy and narrow that gap. The
full study gives (the same on the baseline and x86-64-v3 kernel builds, and on the
NumPy oracle):

  run                       train acc  test acc
  none                         0.9650    0.8690
  L2 lambd=0.7                 0.9300    0.9010
  dropout keep_prob=0.86       0.9450    0.9040

The costs are what each run minimises: the L2 run's includes its penalty, and the
dropout run's is that of the iteration's thinned network, so it is noisy (its final
cost is one draw). Dropout's masks are fastnn's (the same on any number of threads),
not the course's np.random draws, so its numbers are not the course's. Each run
takes well under a second (dropout's about 0.9 s).

{exit_status}
"""


def regularization_command(argv: Sequence[str]) -> int:
    """``fastnn regularization``: the regularisation study's three runs."""
    parser = argparse.ArgumentParser(
        prog="fastnn regularization",
        description=REGULARIZATION_DESCRIPTION,
        epilog=REGULARIZATION_EPILOG.format(
            exit_status=textwrap.fill(EXIT_STATUS_HELP + "; 130 interrupted.", width=80)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--iterations", type=int, default=30000, metavar="N",
                        help="gradient-descent iterations per run (default: 30000)")
    parser.add_argument("--lambd", type=float, default=0.7, metavar="LAMBDA",
                        help="the L2 run's strength, > 0 (default: 0.7, the course's)")
    parser.add_argument("--keep-prob", type=float, default=0.86, metavar="P",
                        help="the dropout run's probability of keeping a hidden unit, in (0, 1)"
                        " (default: 0.86, the course's)")
    parser.add_argument("--out", default="fastnn-results", metavar="DIR",
                        help="folder for the figures (default: ./fastnn-results)")
    parser.add_argument("--no-plots", action="store_true", help="do not draw or save figures")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the closing table")
    _add_model_options(
        parser, None,
        hidden_help=HIDDEN_ACTIVATION_HELP.replace("the study's", "the course's")
        + "; the compiled engine's dropout needs relu, so with the others the dropout run trains on"
        " the NumPy oracle (the same run, about 10 s for 30000 iterations)",
    )
    _add_debug(parser)
    args = parser.parse_args(argv)
    if args.iterations < 1:
        parser.error(f"--iterations must be >= 1, got {args.iterations}")
    # 0 would make the L2 run, and 1 the dropout run, the unregularised one again.
    if not 0 < args.lambd < float("inf"):
        parser.error(f"--lambd must be a finite number > 0, got {args.lambd}")
    if not 0 < args.keep_prob < 1:
        parser.error(f"--keep-prob must be in (0, 1) (1 keeps every unit: no dropout), got {args.keep_prob}")
    return _run(lambda: _regularization(args), args.debug)


def _regularization(args: argparse.Namespace) -> int:
    from fastnn.regularization import (
        STUDY_RUNS, RegularizationRow, format_table, run_regularization, uses_the_oracle,
    )

    if not args.no_plots:
        os.makedirs(args.out, exist_ok=True)
    rows: list[RegularizationRow] = []

    def on_row(row: RegularizationRow) -> None:
        rows.append(row)
        if not args.quiet:
            print(
                f"-> {row.label}: final cost {row.result.final_cost:.6g}, train accuracy"
                f" {row.train_accuracy:.4f}, test accuracy {row.test_accuracy:.4f}"
                f" ({row.result.elapsed:.2f} s)\n"
            )

    def write_results() -> None:
        paths = _save_regularization_figures(rows, args.out)
        print(f"\nwrote {', '.join(paths)}")

    model = dict(hidden_activation=args.hidden_activation, dtype=args.dtype)
    runs = [
        (f"regularization: {run},"
         f" {'reference' if uses_the_oracle(run, args.hidden_activation) else 'compiled'} engine"
         f"{_model_words(**model)}",
         lambda run=run: run_regularization([run], num_iterations=args.iterations, lambd=args.lambd,
                                            keep_prob=args.keep_prob, print_cost=not args.quiet,
                                            on_row=on_row, **model))
        for run in STUDY_RUNS
    ]
    return _run_then_report(args, runs, rows, format_table, write_results)


def _save_regularization_figures(rows: Sequence[Any], out: str) -> list[str]:
    from matplotlib.figure import Figure

    from fastnn.data import load_regularization_data
    from fastnn.plots import plot_costs, plot_decision_boundary

    train_X, train_Y, _, _ = load_regularization_data()
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for row in rows:
        plot_costs(row.result.costs, ax=ax, label=row.label, title="cost, full-batch gradient descent",
                   output=row.result.output)
    ax.set_ylabel("cost (cross-entropy; L2 run: + penalty)")
    paths = [os.path.join(out, "regularization_cost.png")]
    fig.savefig(paths[-1], dpi=110)
    for row in rows:
        fig = Figure(figsize=(5, 5), layout="constrained")
        plot_decision_boundary(row.result.parameters, train_X, train_Y, ax=fig.add_subplot(),
                               title=f"{row.label}: train {row.train_accuracy:.3f}, test {row.test_accuracy:.3f}",
                               **_network(row.result))
        paths.append(os.path.join(out, f"regularization_boundary_{row.run}.png"))
        fig.savefig(paths[-1], dpi=110)
    return paths


GRADCHECK_DESCRIPTION = """\
Check both engines' backward pass as the course's gradient check does: on the
initialisation study's [2, 10, 5, 1] network at He initialisation (seed 3) and its
300 training points, compare the analytic gradients with centred differences of the
cost, (J(theta + eps) - J(theta - eps)) / (2 eps), over all 91 parameters. The
relative difference ||g - g_approx|| / (||g|| + ||g_approx||) passes below 2e-7.
Prints each engine's difference, PASSED or FAILED, and its worst entry.
--output and --hidden-activation check another network's loss and derivatives
([2, 10, 5, 2], 97 parameters, for a softmax). The check runs in float64.
"""


def gradcheck_command(argv: Sequence[str]) -> int:
    """``fastnn gradcheck``: both engines' gradients against finite differences."""
    parser = argparse.ArgumentParser(
        prog="fastnn gradcheck",
        description=GRADCHECK_DESCRIPTION,
        epilog="exit status: 0 both engines passed; 1 a check FAILED (or the run failed,"
        ' reported as one line "fastnn: error: ..."); 2 bad usage.',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--epsilon", type=float, default=1e-7, metavar="EPS",
                        help="step of the centred differences (default: 1e-7, the course's)")
    parser.add_argument("--l2", type=float, default=0.0, metavar="LAMBDA",
                        help="check the L2-regularised cost and gradients (default: 0)")
    _add_model_options(parser, ANY_OUTPUT_HELP, dtype_help=None)
    _add_debug(parser)
    args = parser.parse_args(argv)
    if not 0 < args.epsilon < float("inf"):
        parser.error(f"--epsilon must be a finite number > 0, got {args.epsilon}")
    if not 0 <= args.l2 < float("inf"):
        parser.error(f"--l2 must be a finite number >= 0, got {args.l2}")
    return _run(lambda: _gradcheck(args), args.debug)


def _gradcheck(args: argparse.Namespace) -> int:
    from fastnn.data import load_dataset
    from fastnn.gradcheck import ENGINES, gradient_check
    from fastnn.init import initialize_parameters

    train_X, train_Y, _, _ = load_dataset()
    layers_dims = [train_X.shape[0], *DEFAULT_HIDDEN, _output_units(args.output)]
    parameters = initialize_parameters(layers_dims, "he", 3)
    print(f"gradient check: {layers_dims} network at He initialisation (seed 3),"
          f" {args.hidden_activation} hidden units and a{'n' if args.output == 'identity' else ''}"
          f" {args.output} output, the study's {train_X.shape[1]} training points,"
          f" epsilon {args.epsilon:g}, l2 {args.l2:g}")
    passed = True
    for name in ENGINES:
        check = gradient_check(train_X, train_Y, parameters, epsilon=args.epsilon, l2=args.l2, engine=name,
                               output=args.output, hidden_activation=args.hidden_activation)
        passed = passed and check.passed
        print(f"{name:<10} difference {check.difference:.3e}  {'PASSED' if check.passed else 'FAILED'}"
              f"  (worst {check.worst}: gradient {check.worst_gradient:.10g},"
              f" approximation {check.worst_approximation:.10g})")
    return 0 if passed else EXIT_FAILURE


def _predict(args: argparse.Namespace) -> int:
    from fastnn.data import load_dataset
    from fastnn.io import load
    from fastnn.study import accuracy

    # A MODEL that cannot be used is a bad argument, as argparse treats a file
    # option it cannot open: status 2.
    try:
        result = load(args.predict)
    except (OSError, ValueError) as exc:
        print(f"fastnn: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    train_X, train_Y, test_X, test_Y = load_dataset()
    if result.layers_dims[0] != train_X.shape[0]:
        print(f"fastnn: error: {args.predict} takes {result.layers_dims[0]} inputs; the study's data has 2",
              file=sys.stderr)
        return EXIT_USAGE
    # The study's labels are one row of two classes: one sigmoid unit scores them,
    # and a softmax's classes take them; an identity output is a regression.
    K = result.layers_dims[-1]
    if result.output not in CLASSIFIER_OUTPUTS or (result.output == "sigmoid" and K != 1):
        what = ("an identity output, a regression" if result.output == "identity"
                else f"{K} sigmoid output units, one label each")
        print(f"fastnn: error: {args.predict} has {what}: the study's data has one label of two"
              " classes per example, which a single sigmoid unit or a softmax predicts", file=sys.stderr)
        return EXIT_USAGE
    print(result)
    print(f"train accuracy {accuracy(train_X, train_Y, result.parameters, **_network(result)):.4f}")
    print(f"test accuracy  {accuracy(test_X, test_Y, result.parameters, **_network(result)):.4f}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
