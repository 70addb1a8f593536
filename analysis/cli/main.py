"""The `tpn` command line (parser and dispatch): run, compare, list and inspect scenarios; write worlds; benchmark.

Bad input ends with one line on stderr (`tpn: error: FILE: FIELD = VALUE: what is allowed`) and
exit status 2; nothing is left half-written.
"""

import argparse
import math
import sys
import warnings
from functools import partial
from pathlib import Path

from sim.errors import InputError, InputWarning

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line, like every other tpn error."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_USAGE, f"tpn: error: {message} (see `{self.prog} --help`)\n")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always", InputWarning)  # each command says it, every time
        warnings.showwarning = _show_warning
        return _handle(args)


def _handle(args: argparse.Namespace) -> int:
    try:
        return args.handler(args) or 0
    except InputError as error:
        print(f"tpn: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tpn: interrupted; no output folder was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        sys.stderr.close()
        return 0
    except OSError as error:  # the machine, not the input: a full disk, a folder gone read-only
        where = _where(error, args)
        print(
            f"tpn: error: {f'{where}: ' if where else ''}{error.strerror or error}",
            file=sys.stderr,
        )
        return EXIT_USAGE


def _where(error: OSError, args: argparse.Namespace):
    """The path to name for an OSError: its file, or the output the user gave (``--out``) when
    the error names none (a write on a full disk) or only the hidden temporary folder or file
    the output is written in before it is renamed into place."""
    out = getattr(args, "out", None)
    if error.filename is None or (out is not None and ".partial-" in str(error.filename)):
        return out
    return error.filename


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning about the user's input on one line, like an error; others as Python shows them."""
    if issubclass(category, InputWarning):
        print(f"tpn: warning: {message}", file=sys.stderr)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def build_parser() -> Parser:
    parser = Parser(prog="tpn", description="Simulate twinning among health institutions.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    run = commands.add_parser("run", help="run one scenario's replications and write results")
    run.add_argument("scenario", help="shipped scenario name or path to a .toml file")
    _add_run_options(run, default_out="results/<scenario>")
    run.set_defaults(handler=_run)

    compare = commands.add_parser("compare", help="run several scenarios on common random numbers")
    compare.add_argument("scenarios", nargs="+", metavar="scenario")
    _add_run_options(compare, default_out="results/compare-<names>")
    compare.set_defaults(handler=_compare)

    listing = commands.add_parser("scenarios", help="list the shipped scenarios")
    listing.add_argument("--json", action="store_true", help="print JSON records")
    listing.set_defaults(handler=_lazy("analysis.cli.catalogue", "scenarios_command"))

    show = commands.add_parser("show", help="print a scenario's resolved parameters")
    show.add_argument("scenario")
    show.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    form = show.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print JSON records")
    form.add_argument("--markdown", action="store_true", help="print a Markdown table")
    show.set_defaults(handler=_lazy("analysis.cli.catalogue", "show_command"))

    for name, helptext in (
        ("sweep", "run an experiment file's design points (resumable)"),
        ("sensitivity", "run a Sobol or Morris experiment and analyse it with SALib"),
        ("frontier", "run an experiment and draw its cost-effectiveness frontier"),
    ):
        experiment = commands.add_parser(name, help=helptext)
        experiment.add_argument("experiment", type=Path, help="experiment .toml file")
        experiment.add_argument("--out", type=Path, required=True, help="output folder")
        _add_scheduler(experiment, "processes", "all cores")
        experiment.add_argument(
            "--resume", action="store_true", help="finish an interrupted sweep in --out"
        )
        experiment.add_argument("--force", action="store_true", help="replace --out")
        experiment.add_argument(
            "--batch-size", type=_positive, default=None, help="runs per task (default: automatic)"
        )
        experiment.add_argument(
            "--chunk-runs",
            type=_positive,
            default=1,
            help="finished runs gathered per Parquet chunk on disk (default 1: every batch is on "
            "disk as soon as it returns, so a kill loses only the runs in flight)",
        )
        experiment.add_argument(
            "--worker-timeout",
            type=_positive,
            default=None,
            metavar="SECONDS",
            help="on a Dask cluster that has lost every worker, stop after this long "
            "(default: wait for workers to come back)",
        )
        experiment.add_argument(
            "--max-runs",
            type=_positive,
            default=None,
            metavar="N",
            help="refuse an experiment of more runs than this (default 100,000: about 20 "
            "minutes on 2 cores)",
        )
        experiment.add_argument("--json", action="store_true", help="print JSON records")
        experiment.add_argument("--quiet", action="store_true", help="no progress bar")
        if name == "frontier":
            experiment.add_argument(
                "--gain",
                default="gains.institution_points",
                help="outcome on the gain axis (default: causal gain summed "
                "over members and topics)",
            )
            _add_posterior_options(experiment, "the experiment's replications")
        experiment.set_defaults(handler=partial(_experiment, mode=name))

    _add_robustness_commands(commands)

    optimize = commands.add_parser("optimize", help="the best use of a fixed budget (Optuna)")
    optimize.add_argument("--budget", type=_amount, required=True, help="total budget in RWF")
    optimize.add_argument(
        "--years",
        type=int,
        default=None,
        help="programme length in years (default: the scenario's)",
    )
    optimize.add_argument("--scenario", default="tpn_2021", help="base scenario")
    optimize.add_argument("--trials", type=_positive, default=40, help="plans to try")
    optimize.add_argument(
        "--reps", type=_positive, default=None, help="replications per plan (default 8)"
    )
    optimize.add_argument("--seed", type=_non_negative, default=1)
    _add_posterior_options(optimize, "--reps")
    _add_scheduler(optimize)
    _add_output_options(optimize)
    optimize.set_defaults(handler=_lazy("analysis.cli.optimize", "optimize_command"))

    calibrate = commands.add_parser(
        "calibrate", help="a posterior (ABC) or a point estimate (Optuna) of free parameters"
    )
    calibrate.add_argument("calibration", type=Path, help="calibration .toml file")
    calibrate.add_argument("--out", type=Path, required=True)
    calibrate.add_argument(
        "--method",
        choices=("abc", "optuna"),
        default=None,
        help="abc: a posterior by ABC-SMC; optuna: a point estimate (default: the file's)",
    )
    calibrate.add_argument(
        "--population", type=_positive, default=None, help="ABC particles (override the file's)"
    )
    calibrate.add_argument(
        "--trials", type=_positive, default=None, help="Optuna trials (override the file's)"
    )
    _add_scheduler(calibrate, "processes", "all cores")
    calibrate.add_argument(
        "--install",
        action="store_true",
        help="make the result the default of the shipped scenarios (refused for a smaller "
        "budget than the file's or an ABC run that stopped before temperature 1)",
    )
    calibrate.add_argument(
        "--install-anyway",
        action="store_true",
        help="with --install: install even a calibration that stopped short",
    )
    calibrate.add_argument("--force", action="store_true")
    calibrate.add_argument("--json", action="store_true")
    calibrate.add_argument("--quiet", action="store_true")
    calibrate.set_defaults(handler=_lazy("analysis.cli.calibrate", "calibrate_command"))

    validate = commands.add_parser("validate", help="the model beside the evaluation's figures")
    validate.add_argument("scenario", nargs="?", default="tpn_2021")
    validate.add_argument(
        "--targets",
        type=Path,
        default=None,
        help="calibration file with targets (default: the shipped one)",
    )
    validate.add_argument("--reps", type=_positive, default=None, help="replications (default 200)")
    validate.add_argument("--seed", type=_non_negative, default=None)
    validate.add_argument(
        "--no-ensemble",
        action="store_true",
        help="use the scenario's parameters, not the calibrated ensemble",
    )
    _add_posterior_options(validate, "--reps", check="a posterior predictive check")
    _add_scheduler(validate)
    _add_output_options(validate)
    validate.set_defaults(handler=_evidence("validate_command"))

    decompose = commands.add_parser(
        "decompose",
        help="split the evaluation's difference into causal effect, selection and "
        "regression to the mean",
    )
    decompose.add_argument("scenario")
    decompose.add_argument("--topic", required=True)
    decompose.add_argument(
        "--reps", type=_positive, default=None, help="replications (default 100)"
    )
    decompose.add_argument("--seed", type=_non_negative, default=None)
    decompose.add_argument(
        "--randomised",
        action="store_true",
        help="also show what a randomised trial would have measured",
    )
    _add_posterior_options(decompose, "--reps")
    _add_scheduler(decompose)
    _add_output_options(decompose)
    decompose.set_defaults(handler=_evidence("decompose_command"))

    report = commands.add_parser(
        "report",
        help="a self-contained HTML report of a run, compare, sweep, sensitivity or "
        "validate results folder",
    )
    report.add_argument("results", type=Path, help="a folder written by tpn")
    report.add_argument(
        "--out", type=Path, default=None, help="HTML file (default: RESULTS/report.html)"
    )
    report.add_argument("--force", action="store_true", help="replace an existing report")
    report.set_defaults(handler=_lazy("analysis.report", "report_command"))

    dashboard = commands.add_parser("dashboard", help="open the planners' web dashboard")
    dashboard.add_argument("--host", default="127.0.0.1")
    dashboard.add_argument("--port", type=int, default=8765)
    dashboard.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    dashboard.set_defaults(handler=_lazy("analysis.dashboard", "dashboard_command"))

    outcomes = commands.add_parser("outcomes", help="list the outcomes every run reports")
    outcomes.add_argument("--json", action="store_true")
    outcomes.set_defaults(handler=_lazy("analysis.cli.catalogue", "outcomes_command"))

    world = commands.add_parser("world", help="write a synthetic world folder (a data template)")
    world.add_argument("--out", type=Path, required=True)
    world.add_argument(
        "--institutions",
        type=int,
        default=None,
        help="size of a generic world; omit for the Rwanda world",
    )
    world.add_argument("--seed", type=int, default=2021)
    world.set_defaults(handler=_lazy("analysis.cli.catalogue", "world_command"))

    bench = commands.add_parser("bench", help="measure the simulator's speed")
    bench.add_argument("--json", action="store_true", help="print one machine-readable line")
    bench.add_argument("--quick", action="store_true", help="fewer repetitions (less precise)")
    bench.add_argument(
        "--experiments",
        action="store_true",
        help="also time sweeps on 1 and 2 workers and the Sobol experiment (~2 min)",
    )
    bench.set_defaults(handler=_bench)
    return parser


def _add_robustness_commands(commands) -> None:
    """`tpn robust` and `tpn discover`: a `tpn sweep` folder of an experiment with policies."""
    folder_help = "a folder written by `tpn sweep` of an experiment with policies"
    robust = commands.add_parser(
        "robust", help="how each policy holds up across the uncertainty points of a sweep"
    )
    robust.add_argument("results", type=Path, help=folder_help)
    robust.add_argument(
        "--percentiles", default="10,50,90", help="percentiles to show (default 10,50,90)"
    )
    robust.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="OUTCOME=VALUE",
        help="a level the outcome must reach (at least, or at most if less is better); the "
        "share of points where a policy does is Starr's domain criterion (repeatable)",
    )
    robust.add_argument("--json", action="store_true", help="print JSON records")
    robust.set_defaults(handler=_lazy("analysis.cli.robust", "robust_command"))

    discover = commands.add_parser(
        "discover", help="where in the uncertainties a condition on the outcomes holds (PRIM)"
    )
    discover.add_argument("results", type=Path, help=folder_help)
    discover.add_argument(
        "--where",
        required=True,
        metavar="EXPR",
        help="a condition over POLICY.OUTCOME and POLICY.regret.OUTCOME, e.g. "
        '"network.accreditation.causal_effect - dyad.accreditation.causal_effect < 0"',
    )
    discover.add_argument(
        "--label", default=None, help='the condition in words ("the network stops beating dyads")'
    )
    discover.add_argument(
        "--name", default=None, help="subfolder of RESULTS/discoveries/ (default: from EXPR)"
    )
    discover.add_argument(
        "--min-density",
        type=float,
        default=None,
        help="share of a box's points where the condition must hold (default 0.8)",
    )
    discover.add_argument("--boxes", type=_positive, default=None, help="boxes at most (default 2)")
    discover.add_argument(
        "--resamples",
        type=_non_negative,
        default=None,
        help="PRIM runs on random halves of the points, to tell which limits recur (default 10)",
    )
    discover.add_argument("--json", action="store_true", help="print JSON")
    discover.set_defaults(handler=_lazy("analysis.cli.robust", "discover_command"))


def _add_run_options(parser: argparse.ArgumentParser, default_out: str) -> None:
    parser.add_argument(
        "--reps", type=_positive, default=None, help="replications (default: the scenario's)"
    )
    parser.add_argument(
        "--seed", type=_non_negative, default=None, help="root seed (default: the scenario's)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output folder (default {default_out})"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing output folder")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter, e.g. --set virtual_share=0.8 (repeatable)",
    )
    _add_posterior_options(parser, "--reps")
    _add_scheduler(parser)
    parser.add_argument("--json", action="store_true", help="print the table as JSON records")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_scheduler(
    parser: argparse.ArgumentParser,
    default: str = "auto",
    meaning: str = "serial for a few runs, all cores for many",
) -> None:
    """Where the replications run; results never depend on it (every run has its own seed)."""
    parser.add_argument(
        "--scheduler",
        default=default,
        help=f"auto, serial, processes[:N], local:N (Dask LocalCluster) or tcp://HOST:PORT "
        f"(Dask scheduler); default {default}: {meaning}",
    )


def _add_posterior_options(parser: argparse.ArgumentParser, replaces: str, check: str = "") -> None:
    """Parameter uncertainty: replications = draws x seeds from a posterior sample
    (:mod:`experiments.posterior`), instead of ``replaces`` runs at one parameter set."""
    becomes = f"; makes the command {check}" if check else ""
    parser.add_argument(
        "--posterior",
        nargs="?",
        const="",
        default=None,
        metavar="FILE",
        help="draw the uncertain parameters of every replication from a posterior sample "
        "(Parquet; without FILE: the scenario's, else scenarios/calibration/"
        f"tpn_2021-posterior.parquet){becomes}",
    )
    parser.add_argument(
        "--draws",
        type=_positive,
        default=None,
        help=f"with --posterior: parameter sets drawn (default 200); replaces {replaces}",
    )
    parser.add_argument(
        "--seeds-per-draw",
        type=_positive,
        default=None,
        help="with --posterior: seeds run with each parameter set (default 2: at least 2 "
        "split the variance into parameters and chance)",
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    parser.add_argument("--force", action="store_true", help="replace an existing output folder")
    parser.add_argument("--json", action="store_true", help="print JSON records")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _amount(text: str) -> float:
    """A sum of money: a finite number (``nan`` and ``inf`` are no budget)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _non_negative(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _run(args) -> int:
    from analysis.cli.run import simulate_command

    return simulate_command(args, [args.scenario])


def _compare(args) -> int:
    if len(args.scenarios) < 2:
        raise InputError(
            "tpn compare", "scenarios", " ".join(args.scenarios), "at least two scenarios"
        )
    from analysis.cli.run import simulate_command

    return simulate_command(args, args.scenarios)


def _experiment(args, mode: str) -> int:
    from analysis.cli.experiments import run_experiment_command

    return run_experiment_command(args, mode)


def _lazy(module: str, function: str):
    """A handler that imports its module only when the command runs (fast start-up)."""

    def handler(args) -> int:
        from importlib import import_module

        return getattr(import_module(module), function)(args)

    return handler


def _evidence(name: str):
    return _lazy("analysis.cli.evidence", name)


def _bench(args) -> int:
    from experiments.bench import main as bench_main

    return bench_main(json_line=args.json, quick=args.quick, experiments=args.experiments)


if __name__ == "__main__":
    sys.exit(main())
