"""The planners' dashboard (`tpn dashboard`): a Solara page to try twinning designs.

Pick a shipped scenario or drop your own scenario file, set the design levers (units and allowed
ranges come from :mod:`sim.params`), press Run: the replications run in a background thread with
a progress bar, then the page shows the headline outcomes with 95% intervals, indicator
trajectories, the twinning network on the province map, the activities held, and, when a second
design is switched on, both designs on the same seeds with their paired difference. A switch
draws the uncertain parameters of every replication from the calibration's posterior, so the
intervals carry what the data leave unknown as well as chance. Runs,
tables and figures come from :mod:`analysis.dashboard_data`, :mod:`analysis.dashboard_tables`
and :mod:`analysis.dashboard_figures`; the model is only reached through
:func:`experiments.replicate.replicate` and :func:`sim.scenario.with_overrides`.

Run it with ``tpn dashboard`` (or ``solara run analysis.dashboard``); ``Page`` is the page.
"""

import functools
import html
import time

import solara
import solara.lab

from analysis import dashboard_data as data
from analysis import dashboard_figures as dfig
from analysis import dashboard_tables as tab
from sim.errors import InputError

TITLE = "tpn-sim: twinning programme planner"
PRIMARY = "#1b5e20"
CSS = """
.tpn-table { border-collapse: collapse; font-size: 13px; width: 100%; margin: 4px 0 8px; }
.tpn-table th { text-align: right; border-bottom: 2px solid #616161; padding: 4px 8px; }
.tpn-table th:first-child, .tpn-table th:nth-child(2) { text-align: left; }
.tpn-table td { padding: 3px 8px; border-bottom: 1px solid #e0e0e0; }
.tpn-table td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.tpn-table tr.group td { font-weight: 600; background: #f1f8e9; color: #1b5e20; padding-top: 6px; }
.tpn-table tr.clear td:last-child { font-weight: 700; color: #1b5e20; }
.tpn-figure img { max-width: 100%; height: auto; }
.tpn-caption { font-size: 12px; color: #616161; }
.tpn-prose { font-size: 14px; color: #424242; max-width: 80em; margin-bottom: 6px; }
.tpn-prose h2 { font-size: 24px; font-weight: 500; margin: 8px 0; color: #212121; }
.tpn-prose h3 { font-size: 20px; font-weight: 500; margin: 8px 0 4px; color: #212121; }
.tpn-value { font-weight: 600; color: #1b5e20; }
.tpn-keys { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; }
.tpn-key { flex: 1 1 220px; border: 1px solid #c8e6c9; border-left: 5px solid #1b5e20;
  border-radius: 4px; padding: 8px 12px; background: #fbfdf9; }
.tpn-key .title { font-size: 13px; font-weight: 600; color: #424242; }
.tpn-key .value { font-size: 28px; font-weight: 700; color: #1b5e20; line-height: 1.2; }
.tpn-key .unit, .tpn-key .interval, .tpn-key .note { font-size: 12px; color: #616161; }
.tpn-key .note { color: #1a237e; font-weight: 600; }
"""
# The downloads of a finished run: what makes the file, its name, its button, its type.
DOWNLOADS = (
    (data.series_csv, "tpn-series.csv", "Monthly series (CSV)", "text/csv"),
    (
        data.series_parquet,
        "tpn-series.parquet",
        "Monthly series (Parquet)",
        "application/octet-stream",
    ),
    (data.runs_csv, "tpn-runs.csv", "One row per run (CSV)", "text/csv"),
    (
        data.folder_zip,
        "tpn-results.zip",
        "Results folder, as tpn run or compare writes it (ZIP)",
        "application/zip",
    ),
    (data.report_html, "tpn-report.html", "Report (HTML)", "text/html"),
)


@functools.cache
def catalogue() -> dict:
    """The shipped scenarios, read once per server process."""
    return data.shipped()


@solara.component
def LeverInputs(user_params: dict, on_change, prefix: str):
    """Inputs from Mesa-style specifications (``SolaraViz``'s ``UserInputs`` convention), each
    with its current value and unit written out, since a slider alone hides them."""
    for name, spec in user_params.items():

        def change(value, name=name):
            on_change(name, value)

        if spec["type"] == "Select":
            solara.Select(
                spec["label"], values=spec["values"], value=spec["value"], on_value=change
            ).meta(ref=f"{prefix}-{name}")
            continue
        value = spec["value"]
        shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        with solara.Column(gap="0px", classes=[f"tpn-lever-{name}"]):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"{html.escape(spec['label'])}: "
                f'<span class="tpn-value">{shown}</span>',
                classes=["tpn-caption"],
            )
            slider = solara.SliderInt if spec["type"] == "SliderInt" else solara.SliderFloat
            slider(
                "",
                value=value,
                min=spec["min"],
                max=spec["max"],
                step=spec["step"],
                on_value=change,
            ).meta(ref=f"{prefix}-{name}")


@solara.component
def DesignCard(title: str, prefix: str, choice, values, scenarios: dict, replications: int):
    """One design: a starting scenario and its levers."""

    def choose(name):
        choice.set(name)
        values.set(data.lever_values(scenarios[name], replications))

    def set_lever(name, value):
        values.set({**values.value, name: value})

    base = scenarios[choice.value]
    with solara.Card(title):
        solara.Select(
            "Starting scenario", values=list(scenarios), value=choice.value, on_value=choose
        ).meta(ref=f"{prefix}-scenario")
        solara.HTML(
            tag="div", unsafe_innerHTML=html.escape(base.description), classes=["tpn-caption"]
        )
        specs = data.user_params(base, values.value)
        specs.pop("replications")
        LeverInputs(specs, set_lever, prefix)


@solara.component
def Prose(text: str, ref: str):
    """A paragraph of trusted HTML (plain HTML: solara.Markdown would load script libraries
    from the internet for formulas and diagrams this page does not use)."""
    solara.HTML(tag="div", unsafe_innerHTML=text, classes=["tpn-prose"]).meta(ref=ref)


@solara.component
def Table(frame, css_class: str, group: str | None = "group"):
    solara.HTML(tag="div", unsafe_innerHTML=tab.html_table(frame, css_class, group)).meta(
        ref=css_class
    )


@solara.component
def Figure(figure, css_class: str):
    with solara.Column(classes=["tpn-figure", css_class]):
        solara.FigureMatplotlib(
            figure, dependencies=[id(figure)], format="png", bbox_inches="tight", dpi=100
        )


@solara.component
def Comparison(outcome: data.Outcome):
    a, b = (arm.label for arm in outcome.arms)
    changes = data.changed_levers(outcome.arms[1].scenario, outcome.arms[0].scenario)
    shared = "seeds and parameter sets" if outcome.draws else "seeds"
    with solara.Card(f"Design {b} compared with design {a}"):
        Prose(
            f"Both designs ran on the same {outcome.replications} {shared}, so <b>B − A</b> is "
            "paired run by run: its 95% interval is narrower than either design's own. A "
            "difference in bold has an interval that excludes zero."
            + (f" Levers changed from A: {html.escape(changes)}." if changes else "")
            + "".join(f" {html.escape(line)}" for line in tab.beats_sentences(outcome)),
            "tpn-comparison-note",
        )
        with solara.Columns([2, 3]):
            Figure(outcome.figures["effects"], "tpn-effects")
            Figure(outcome.figures["compared_trajectories"], "tpn-compared")
        Table(tab.comparison_table(outcome), "tpn-comparison")


@solara.component
def Results(outcome: data.Outcome):
    """Everything a run produced: key figures, comparison, then design A in detail."""
    world, first = outcome.world, outcome.arms[0]
    topic = solara.use_reactive(outcome.topics[0])
    colour_by = solara.use_reactive("gain")
    network = solara.use_memo(
        lambda: (
            outcome.figures["network"]
            if (topic.value, colour_by.value) == (outcome.topics[0], "gain")
            else dfig.network(outcome, 0, topic.value, colour_by.value)
        ),
        [id(outcome), topic.value, colour_by.value],
    )
    designs = " and ".join(a.label for a in outcome.arms)
    synthetic = " The baseline data are synthetic." if world.synthetic else ""
    uncertain = (
        f" Parameters: {len(outcome.draws.sets)} sets drawn from the calibration's posterior, "
        "shared by every design; intervals are over these plausible parameter sets, so they "
        "carry what the data leave unknown, not only chance."
        if outcome.draws
        else " Parameters: the scenario's own; intervals carry chance (seed noise) only."
    )
    Prose(
        f"<h3>Results: {html.escape(designs)}</h3>{outcome.replications} replications per "
        f"design, root seed {outcome.seed}, computed in {outcome.seconds:.1f} s.{synthetic}"
        f"{uncertain} Numbers are means over the runs with their 95% interval; <i>95% of single "
        "runs</i> is the range to plan for.",
        "tpn-results-note",
    )
    solara.HTML(tag="div", unsafe_innerHTML=tab.key_figures_html(tab.key_figures(outcome))).meta(
        ref="tpn-keys"
    )
    if len(outcome.arms) > 1:
        Comparison(outcome)
    with solara.Card(f"Design {first.label}: headline outcomes"):
        Table(tab.headline_table(outcome), "tpn-headline")
    with solara.Card(f"Design {first.label}: indicators month by month"):
        Figure(outcome.figures["trajectories"], "tpn-trajectories")
    with solara.Card(f"Design {first.label}: the twinning network on the map"):
        with solara.Row():
            labels = {world.topics.labels[world.topics.index(t)]: t for t in world.topics.names}
            solara.Select(
                "Colour members by topic",
                values=list(labels),
                value=world.topics.labels[world.topics.index(topic.value)],
                on_value=lambda label: topic.set(labels[label]),
            )
            names = {v: k for k, v in dfig.COLOUR_BY.items()}
            solara.Select(
                "Colour by",
                values=list(names),
                value=dfig.COLOUR_BY[colour_by.value],
                on_value=lambda label: colour_by.set(names[label]),
            )
        Figure(network, "tpn-network")
    with solara.Card(f"Design {first.label}: activities held"), solara.Columns([1, 1]):
        Table(tab.activities_table(outcome), "tpn-activities", group=None)
        Figure(outcome.figures["activities"], "tpn-activity-months")
    with solara.Card("Downloads"), solara.Row(style={"flex-wrap": "wrap"}):
        for make, filename, label, mime_type in DOWNLOADS:
            solara.FileDownload(
                functools.partial(make, outcome), filename, label=label, mime_type=mime_type
            )


@solara.component
def Page():
    shipped = catalogue()
    uploaded = solara.use_reactive({})
    scenarios = {**shipped, **uploaded.value}
    start = "tpn_2021" if "tpn_2021" in scenarios else next(iter(scenarios))
    replications = solara.use_reactive(data.DEFAULT_REPLICATIONS)
    choice_a = solara.use_reactive(start)
    values_a = solara.use_reactive(data.lever_values(scenarios[start]))
    compare = solara.use_reactive(False)
    posterior = solara.use_reactive(False)
    start_b = "dyad" if "dyad" in scenarios else start
    choice_b = solara.use_reactive(start_b)
    values_b = solara.use_reactive(data.lever_values(scenarios[start_b]))
    upload_error = solara.use_reactive("")
    run_error = solara.use_reactive("")
    ran_with = solara.use_reactive(None)
    inputs = (
        choice_a.value,
        values_a.value,
        compare.value,
        choice_b.value if compare.value else None,
        values_b.value if compare.value else None,
        replications.value,
        posterior.value,
    )

    def run(designs, count, topic, uncertain):
        shown = [0.0]

        def progress(done, total):  # at most 5 updates a second: each one redraws the page
            if time.monotonic() - shown[0] > 0.2:
                shown[0] = time.monotonic()
                task.progress = 100.0 * done / total

        try:
            outcome = data.run_designs(designs, count, progress, uncertain)
            outcome.figures = dfig.all_figures(outcome, topic)
        except Exception as error:  # shown on the page in one line, never as a traceback
            return f"The run failed: {type(error).__name__}: {error}"
        return outcome

    task = solara.lab.use_task(run, dependencies=None, raise_error=False)

    def start_run():
        run_error.set("")
        try:
            designs = [data.apply_levers(scenarios[choice_a.value], values_a.value)]
            if compare.value:
                designs.append(data.apply_levers(scenarios[choice_b.value], values_b.value))
        except InputError as error:
            run_error.set(str(error))
            return
        ran_with.set(inputs)
        task(
            designs,
            replications.value,
            designs[0].evaluation.headline_topics[0],
            posterior.value,
        )

    def receive(file):
        name = file["name"]
        try:
            scenario = data.scenario_from_upload(name, file["data"] or b"")
        except InputError as error:
            upload_error.set(str(error))
            return
        except Exception as error:  # anything else still gets one line
            upload_error.set(f"{name}: could not be read: {type(error).__name__}: {error}")
            return
        key = f"{scenario.name} (uploaded)"
        uploaded.set({**uploaded.value, key: scenario})
        choice_a.set(key)
        values_a.set(data.lever_values(scenario, replications.value))
        upload_error.set("")

    # The theme is per browser session; the app bar uses the dark variant.
    solara.lab.theme.themes.light.primary = solara.lab.theme.themes.dark.primary = PRIMARY
    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        DesignCard("Design A", "a", choice_a, values_a, scenarios, replications.value)
        solara.Checkbox(label="Compare with a second design (B)", value=compare).meta(ref="compare")
        if compare.value:
            DesignCard("Design B", "b", choice_b, values_b, scenarios, replications.value)
        with solara.Card("Your own scenario"):
            solara.FileDrop(
                label="Drop a scenario file (.toml) here: it becomes design A's starting point",
                on_file=receive,
                lazy=False,
            )
            if upload_error.value:
                solara.Error(upload_error.value).meta(ref="upload-error")
    with solara.Column(style={"padding": "4px 16px", "max-width": "1400px"}):
        Prose(
            "<h2>Try a twinning design before funding it</h2>"
            "Each run follows Rwanda's district health management teams and hospitals month by "
            "month, with and without twinning, on the same simulated districts. Results come "
            "with ranges because no two runs of a programme turn out the same. The districts and "
            "provinces are real; hospitals, scores and learning rates are synthetic or assumed "
            "(<i>docs/planners.md</i> says what the model can and cannot tell you).",
            "tpn-intro",
        )
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            spec = data.user_params(
                scenarios[choice_a.value], {**values_a.value, "replications": replications.value}
            )
            with solara.Column(style={"min-width": "320px"}):
                LeverInputs(
                    {"replications": spec["replications"]},
                    lambda _, value: replications.set(value),
                    "run",
                )
            solara.Button(
                f"Run {replications.value} replications"
                + (" of designs A and B" if compare.value else ""),
                on_click=start_run,
                color="primary",
                icon_name="mdi-play",
                disabled=task.pending,
            ).meta(ref="run")
            available = data.posterior_available()
            solara.Checkbox(
                label="Parameter uncertainty: draw each pair of runs' parameters from the "
                "calibration's posterior"
                + ("" if available else " (none installed: tpn calibrate --install)"),
                value=posterior,
                disabled=not available,
            ).meta(ref="posterior")
        if task.pending:
            solara.ProgressLinear(task.progress or True)
            solara.Text(f"Running… {task.progress or 0:.0f}% of the runs done")
        if run_error.value:
            solara.Error(run_error.value).meta(ref="run-error")
        result = task.value if task.finished else task.latest  # the last results stay up
        if isinstance(result, str) and task.finished:
            solara.Error(result).meta(ref="run-error")
        elif isinstance(result, data.Outcome):
            if ran_with.value != inputs and not task.pending:
                solara.Warning("The levers changed since this run: press Run to update.")
            Results(result)
        elif not task.pending:
            solara.Info("Choose a scenario and levers on the left, then press Run.")


# The command ---------------------------------------------------------------------------------
def dashboard_command(args) -> int:
    """`tpn dashboard`: serve this page until Ctrl-C (see :mod:`analysis.dashboard_server`)."""
    from analysis.dashboard_server import serve

    return serve(args.host, args.port, open_browser=not args.no_browser)
