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
from solara.util import CancelledError

from analysis import dashboard_data as data
from analysis import dashboard_figures as dfig
from analysis import dashboard_tables as tab
from analysis import economics_figures, style
from analysis.dashboard_upload import ScenarioUpload
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
.tpn-figure, .tpn-figure img { max-width: 100%; height: auto; }
.tpn-main { padding: 4px 16px; max-width: 1400px; min-width: 0; box-sizing: border-box; }
.tpn-keys { min-width: 0; }
/* Solara's app bar button that reopens the levers on a narrow screen renders no icon under
   Vuetify 3: draw Material Design Icons' "menu" (U+F035C) in it */
.v-app-bar-nav-icon .v-btn__content::before { font-family: "Material Design Icons";
  content: "\\F035C"; font-size: 24px; line-height: 1; }
/* width 0, min-width 100%: the box takes its container's width but adds nothing to the page's
   minimum width, so a wide table scrolls inside it instead of widening the page */
.tpn-scroll { overflow-x: auto; width: 0; min-width: 100%; }
.tpn-help { font-size: 12px; color: #616161; line-height: 1.35; margin: 0 0 10px; }
.tpn-lever-row { align-items: center; flex-wrap: nowrap; }
.tpn-lever-row > .v-input--is-label-active, .tpn-lever-row .v-slider { flex: 1 1 auto; }
.tpn-number { flex: 0 0 88px; max-width: 88px; }
.tpn-number input { font-variant-numeric: tabular-nums; }
.tpn-caption { font-size: 12px; color: #616161; }
.tpn-prose { font-size: 14px; color: #424242; max-width: 80em; margin-bottom: 6px; }
.tpn-prose h2 { font-size: 24px; font-weight: 500; margin: 8px 0; color: #212121; }
.tpn-prose h3 { font-size: 20px; font-weight: 500; margin: 8px 0 4px; color: #212121; }
.tpn-value { font-weight: 600; color: #1b5e20; }
.tpn-idle { visibility: hidden; height: 0; overflow: hidden; }
.tpn-summary { font-size: 15px; line-height: 1.5; color: #212121; max-width: 80em;
  border-left: 5px solid #0072b2; background: #f3f8fc; padding: 8px 14px; margin: 4px 0 10px; }
.tpn-keys { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; }
.tpn-key { flex: 1 1 220px; border: 1px solid #c8e6c9; border-left: 5px solid #1b5e20;
  border-radius: 4px; padding: 8px 12px; background: #fbfdf9; }
.tpn-key .title { font-size: 13px; font-weight: 600; color: #424242; }
.tpn-key .value { font-size: 28px; font-weight: 700; color: #1b5e20; line-height: 1.2; }
.tpn-key .unit, .tpn-key .interval, .tpn-key .note { font-size: 12px; color: #616161; }
.tpn-key .note { color: #1a237e; font-weight: 600; }
"""
# Seconds the run's thread waits before it starts computing, so that the page's "running"
# message goes out first: the runs hold Python's interpreter lock and would delay it (assumption:
# a tenth of a second is unnoticeable in a run of seconds and enough for one page update).
PAINT_FIRST = 0.1
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


def all_scenarios(state: dict) -> dict:
    """The shipped scenarios and this session's uploads; every component that needs them
    reads them itself, so an upload and the choice of it arrive together."""
    return {**catalogue(), **state["uploaded"].value}


@solara.component
def Help(text: str):
    """A lever's help text from :mod:`sim.params`, in small print under it."""
    solara.HTML(tag="div", unsafe_innerHTML=html.escape(text), classes=["tpn-help"])


@solara.component
def LeverInputs(user_params: dict, on_change, prefix: str):
    """Inputs from Mesa-style specifications (``SolaraViz``'s ``UserInputs`` convention): a
    choice in words, or a slider with a number box beside it (for an exact value) and its
    current value and unit written out, each with its help text."""
    for name, spec in user_params.items():

        def change(value, name=name):
            on_change(name, value)

        if spec["type"] == "Select":
            shown = {data.words(v): v for v in spec["values"]}
            with solara.Column(gap="0px", classes=[f"tpn-lever-{name}"]):
                solara.Select(
                    spec["label"],
                    values=list(shown),
                    value=data.words(spec["value"]),
                    on_value=lambda word, change=change, shown=shown: change(shown[word]),
                ).meta(ref=f"{prefix}-{name}")
                Help(spec["description"])
            continue
        if spec["type"] == "InputInt":
            with solara.Column(gap="0px", classes=[f"tpn-lever-{name}"]):
                solara.InputInt(spec["label"], value=spec["value"], on_value=change).meta(
                    ref=f"{prefix}-{name}"
                )
                Help(spec["description"])
            continue
        value = spec["value"]
        integer = spec["type"] == "SliderInt"
        with solara.Column(gap="0px", classes=[f"tpn-lever-{name}"]):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"{html.escape(spec['label'])}: "
                f'<span class="tpn-value">{data.words(value)}</span>',
                classes=["tpn-caption"],
            )
            with solara.Row(gap="8px", classes=["tpn-lever-row"]):
                slider = solara.SliderInt if integer else solara.SliderFloat
                slider(
                    "",
                    value=value,
                    min=spec["min"],
                    max=spec["max"],
                    step=spec["step"],
                    on_value=change,
                ).meta(ref=f"{prefix}-{name}")
                number = solara.InputInt if integer else solara.InputFloat
                number("", value=value, on_value=change, dense=True, classes=["tpn-number"]).meta(
                    ref=f"{prefix}-{name}-number"
                )
            Help(spec["description"])


@solara.component
def DesignCard(title: str, prefix: str, choice, values, state: dict, on_choose=None):
    """One design: a starting scenario, its levers, Reset, and the design as a scenario file
    (with the run's replications and seed, read here so that only this card redraws)."""

    def choose(name):
        choice.set(name)
        values.set(data.lever_values(scenarios[name]))
        if on_choose:
            on_choose(scenarios[name])

    def set_lever(name, value):
        values.set({**values.value, name: value})

    scenarios = all_scenarios(state)
    base = scenarios[choice.value]
    current = {
        **values.value,
        "replications": state["replications"].value,
        "seed": state["seed"].value,
    }
    with solara.Card(title):
        solara.Select(
            "Starting scenario", values=list(scenarios), value=choice.value, on_value=choose
        ).meta(ref=f"{prefix}-scenario")
        solara.HTML(
            tag="div", unsafe_innerHTML=html.escape(base.description), classes=["tpn-caption"]
        )
        try:
            design = data.apply_levers(base, current)
        except InputError as error:
            solara.Error(str(error)).meta(ref=f"{prefix}-lever-error")
            design = None
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button(
                "Reset to the scenario",
                icon_name="mdi-restore",
                on_click=lambda: choose(choice.value),
                text=True,
            ).meta(ref=f"{prefix}-reset")
            if design is not None:
                solara.FileDownload(
                    data.scenario_toml(design, base, set(catalogue())).encode(),
                    data.toml_filename(design, base),
                    label="Download as a scenario file (TOML)",
                    mime_type="application/toml",
                ).meta(ref=f"{prefix}-toml")
        specs = data.user_params(base, current)
        specs.pop("replications")
        specs.pop("seed")
        LeverInputs(specs, set_lever, prefix)


@solara.component
def Prose(text: str, ref: str):
    """A paragraph of trusted HTML (plain HTML: solara.Markdown would load script libraries
    from the internet for formulas and diagrams this page does not use)."""
    solara.HTML(tag="div", unsafe_innerHTML=text, classes=["tpn-prose"]).meta(ref=ref)


@solara.component
def Table(html_text: str, css_class: str):
    """A table in a box that scrolls sideways on a narrow screen instead of being clipped."""
    solara.HTML(tag="div", unsafe_innerHTML=html_text, classes=["tpn-scroll"]).meta(ref=css_class)


@solara.component
def Figure(png: bytes, css_class: str):
    """A figure drawn to PNG in the run's background thread: showing it costs the page
    nothing, so the page never waits for matplotlib."""
    with solara.Column(classes=["tpn-figure", *css_class.split()]):
        solara.Image(png)


def _tables(outcome: data.Outcome, index: int) -> dict[str, str]:
    """The HTML tables of one design (made once per outcome: see :func:`ArmDetails`)."""
    return {
        "headline": tab.html_table(tab.headline_table(outcome, index), "tpn-headline", "group"),
        "activities": tab.html_table(tab.activities_table(outcome, index), "tpn-activities"),
    }


@solara.component
def Comparison(outcome: data.Outcome):
    a, b = outcome.arms
    shared = "seeds and parameter sets" if outcome.draws else "seeds"
    starts = [
        f"design {arm.label[0]} is {html.escape(arm.base.name)}"
        + (
            f" with {html.escape(changes)}"
            if (changes := data.changed_levers(arm.scenario, arm.base))
            else " as shipped"
        )
        for arm in outcome.arms
    ]
    table = solara.use_memo(
        lambda: tab.html_table(tab.comparison_table(outcome), "tpn-comparison", "group"),
        [id(outcome)],
    )
    with solara.Card(f"Design {style.words(b.label)} compared with design {style.words(a.label)}"):
        Prose(
            f"Both designs ran on the same {outcome.replications} {shared}, so <b>B − A</b> is "
            "paired run by run: its 95% interval is narrower than either design's own. A "
            "difference in bold has an interval that excludes zero. Each design is compared "
            f"with its own starting scenario: {'; '.join(starts)}."
            + "".join(f" {html.escape(line)}" for line in tab.beats_sentences(outcome)),
            "tpn-comparison-note",
        )
        with solara.ColumnsResponsive(12, xlarge=[5, 7]):
            Figure(outcome.figures["effects"], "tpn-effects")
            Figure(outcome.figures["compared_trajectories"], "tpn-compared")
        Table(table, "tpn-comparison")
        Figure(outcome.figures["acceptability"], "tpn-acceptability")
        Prose(
            html.escape(economics_figures.caption(economics_figures.worlds_of(outcome.runs))),
            "tpn-acceptability-note",
        )


@solara.component
def ArmDetails(outcome: data.Outcome, index: int):
    """One design's own results: headline table, trajectories, network map, activities."""
    world, arm = outcome.world, outcome.arms[index]
    letter = arm.label[0]
    tables = solara.use_memo(lambda: _tables(outcome, index), [id(outcome), index])

    def draw():  # a design's own figures, the first time its tab is opened
        if f"trajectories-{index}" not in outcome.figures:
            outcome.figures.update(dfig.arm_figures(outcome, index, outcome.topics[0]))

    # Not intrusive: Solara's default cancel guard traces every line and drew them 6x slower.
    drawing = solara.use_thread(draw, dependencies=[id(outcome), index], intrusive_cancel=False)
    # Whether this design's figures exist, not the thread's state: on the render that follows
    # a change of design or of outcome, the state still says FINISHED for the previous one.
    drawn = f"trajectories-{index}" in outcome.figures
    topic = solara.use_reactive(outcome.topics[0])
    colour_by = solara.use_reactive("gain")

    def recoloured():
        first = outcome.figures.get(f"network-{index}")
        if not drawn or first is None or (topic.value, colour_by.value) == (topics[0], "gain"):
            return first
        return dfig.png(dfig.network(outcome, index, topic.value, colour_by.value))

    topics = outcome.topics
    network = solara.use_memo(recoloured, [id(outcome), index, drawn, topic.value, colour_by.value])
    if drawing.state == solara.ResultState.ERROR:
        solara.Error(f"The figures could not be drawn: {drawing.error}")
        return
    if not drawn:
        Prose(f"<h3>Design {html.escape(arm.label)}</h3>", f"tpn-design-{letter.lower()}")
        solara.ProgressLinear(True)
        solara.Text(f"Drawing design {letter}'s figures…")
        with solara.Card(f"Design {letter}: headline outcomes"):
            Table(tables["headline"], f"tpn-headline-{letter.lower()}")
        return
    changes = data.changed_levers(arm.scenario, arm.base)
    Prose(
        f"<h3>Design {html.escape(arm.label)}</h3>"
        + (
            f"Starts from {html.escape(arm.base.name)}; changed: {html.escape(changes)}."
            if changes
            else f"The shipped scenario {html.escape(arm.base.name)}, unchanged."
        ),
        f"tpn-design-{letter.lower()}",
    )
    with solara.Card(f"Design {letter}: headline outcomes"):
        Table(tables["headline"], f"tpn-headline-{letter.lower()}")
    with solara.Card(f"Design {letter}: indicators month by month"):
        Figure(outcome.figures[f"trajectories-{index}"], "tpn-trajectories")
    with solara.Card(f"Design {letter}: the twinning network on the map"):
        if network is None:
            Prose(
                f"No twinning ties: design {html.escape(arm.scenario.design.design)} pairs no "
                "institutions, so there is no network to map.",
                f"tpn-no-network-{letter.lower()}",
            )
        else:
            with solara.Row(style={"flex-wrap": "wrap"}):
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
            Figure(network, f"tpn-network tpn-network-{letter.lower()}")
    with (
        solara.Card(f"Design {letter}: activities held"),
        solara.ColumnsResponsive(12, large=[6, 6]),
    ):
        Table(tables["activities"], f"tpn-activities-{letter.lower()}")
        if outcome.figures[f"activities-{index}"] is None:
            Prose("No activities were held: this design runs no programme.", "tpn-no-activities")
        else:
            Figure(outcome.figures[f"activities-{index}"], "tpn-activity-months")


@solara.component
def Results(outcome: data.Outcome):
    """Everything a run produced: key figures, then the comparison and each design's own
    results in tabs (one design: its results)."""
    world = outcome.world
    chosen_tab = solara.use_reactive(0)
    keys = solara.use_memo(lambda: tab.key_figures_html(tab.key_figures(outcome)), [id(outcome)])
    designs = " and ".join(style.words(a.label) for a in outcome.arms)
    synthetic = " The baseline data are synthetic." if world.synthetic else ""
    uncertain = (
        f" Parameters: {len(outcome.draws.sets)} sets drawn from the calibration's posterior, "
        "shared by every design; intervals are over these plausible parameter sets, so they "
        "carry what the data leave unknown, not only chance."
        if outcome.draws
        else " Parameters: the scenario's own; intervals carry chance (seed noise) only."
    )
    Prose(f"<h3>Results: {html.escape(designs)}</h3>", "tpn-results-title")
    if outcome.summary:
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<b>In short.</b> "
            + " ".join(html.escape(line) for line in outcome.summary),
            classes=["tpn-summary"],
        ).meta(ref="tpn-summary")
    Prose(
        f"{outcome.replications} replications per "
        f"design, root seed {outcome.seed}; ready {outcome.elapsed:.1f} s after Run was "
        f"pressed (the runs took {outcome.seconds:.1f} s, the figures the rest).{synthetic}"
        f"{uncertain} Numbers are means over the runs with their 95% interval; <i>95% of single "
        "runs</i> is the range to plan for.",
        "tpn-results-note",
    )
    solara.HTML(tag="div", unsafe_innerHTML=keys).meta(ref="tpn-keys")
    if len(outcome.arms) == 1:
        ArmDetails(outcome, 0)
    else:
        # Tab headers only, the chosen tab's content below them: Solara's Tabs with content
        # nests it inside Vuetify 3's sliding tab bar, which overflows the page sideways.
        with solara.lab.Tabs(value=chosen_tab):
            solara.lab.Tab("B compared with A")
            for arm in outcome.arms:
                solara.lab.Tab(f"Design {arm.label[0]} on its own")
        if chosen_tab.value == 0:
            Comparison(outcome)
        else:
            index = chosen_tab.value - 1
            ArmDetails(outcome, index).key(f"design-{index}")  # each tab its own drawing state
    with solara.Card("Downloads"), solara.Row(style={"flex-wrap": "wrap"}):
        for make, filename, label, mime_type in DOWNLOADS:
            solara.FileDownload(
                functools.partial(make, outcome), filename, label=label, mime_type=mime_type
            )


@solara.component
def ResultsArea(shown):
    """The last finished run's results. Only this component reads them, and it reads no
    lever: moving a lever or a progress tick never redraws the results."""
    if shown.value is None:
        solara.Info("Choose a scenario and levers on the left, then press Run.")
    else:
        Results(shown.value)


@solara.component
def RunPanel(state: dict):
    """Replications, seed, Run and Cancel, the progress of a run (its stage and elapsed time),
    and whether the levers changed since the results shown. Progress ticks redraw only this."""
    replications, seed, compare, posterior = (
        state[k] for k in ("replications", "seed", "compare", "posterior")
    )
    shown, ran_with = state["shown"], state["ran_with"]
    scenarios = all_scenarios(state)
    stage = solara.use_reactive("")
    clicked = solara.use_ref(0.0)
    run_error = solara.use_reactive("")
    chosen = [("a", state["choice_a"], state["values_a"])]
    if compare.value:
        chosen.append(("b", state["choice_b"], state["values_b"]))
    run_values = {"replications": replications.value, "seed": seed.value}
    inputs = (
        tuple((choice.value, tuple(values.value.items())) for _, choice, values in chosen),
        tuple(run_values.items()),
        posterior.value,
    )

    def run(designs, bases, count, uncertain, pressed, asked):
        time.sleep(PAINT_FIRST)  # let the page show that the run started before it computes
        stage.set("")
        ran_with.set(asked)
        last = [0.0]

        def progress(done, total):  # at most 5 updates a second: each one redraws this panel
            if not task.is_current():
                raise CancelledError()
            if time.monotonic() - last[0] > 0.2:
                last[0] = time.monotonic()
                task.progress = 100.0 * done / total

        try:
            outcome = data.run_designs(designs, count, progress, uncertain, bases)
            if not task.is_current():
                raise CancelledError()
            stage.set(f"Drawing figures… (the runs took {outcome.seconds:.1f} s)")
            outcome.figures = dfig.all_figures(outcome, outcome.topics[0])
            outcome.summary = tab.conclusion(outcome)
        except CancelledError:
            raise
        except Exception as error:  # shown on the page in one line, never as a traceback
            return f"The run failed: {type(error).__name__}: {error}"
        outcome.elapsed = time.monotonic() - pressed
        if task.is_current():
            shown.set(outcome)
        return outcome

    task = solara.lab.use_task(run, dependencies=None, raise_error=False)

    def start_run():  # one state change (the task's), so one redraw, before the run starts
        pressed = time.monotonic()
        if run_error.value:
            run_error.set("")
        try:
            bases = [scenarios[choice.value] for _, choice, _ in chosen]
            designs = [
                data.apply_levers(base, {**values.value, **run_values})
                for base, (_, _, values) in zip(bases, chosen, strict=True)
            ]
        except InputError as error:
            run_error.set(str(error))
            return
        clicked.current = pressed
        task(designs, bases, replications.value, posterior.value, pressed, inputs)

    specs = data.user_params(
        scenarios[state["choice_a"].value], {**state["values_a"].value, **run_values}
    )
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        with solara.Column(style={"min-width": "240px", "flex": "1 1 240px", "max-width": "440px"}):
            LeverInputs(
                {"replications": specs["replications"]},
                lambda _, value: replications.set(value),
                "run",
            )
        with solara.Column(style={"min-width": "150px", "flex": "0 1 200px"}):
            LeverInputs({"seed": specs["seed"]}, lambda _, value: seed.set(value), "run")
        solara.Button(
            f"Run {replications.value} replications"
            + (" of designs A and B" if compare.value else ""),
            on_click=start_run,
            color="primary",
            icon_name="mdi-play",
            disabled=task.pending,
        ).meta(ref="run")
        solara.Button(  # always there, so that pressing Run creates nothing on the page
            "Cancel",
            on_click=task.cancel,
            icon_name="mdi-stop",
            outlined=True,
            disabled=not task.pending,
        ).meta(ref="cancel")
        available = data.posterior_available()
        solara.Checkbox(
            label="Parameter uncertainty: draw each pair of runs' parameters from the "
            "calibration's posterior"
            + ("" if available else " (none installed: tpn calibrate --install)"),
            value=posterior,
            disabled=not available,
        ).meta(ref="posterior")
    # The progress bar and its line are always on the page, hidden between runs: a first
    # progress bar made at the press of Run took the browser a second to show.
    elapsed = time.monotonic() - clicked.current
    drawing = stage.value.startswith("Drawing")
    if not task.pending:
        text = ""
    elif drawing:
        text = stage.value
    elif task.progress:
        text = f"Running… {task.progress:.0f}% of the runs done"
    else:
        text = "Starting the runs…"
    with solara.Column(gap="4px", classes=[] if task.pending else ["tpn-idle"]):
        busy = True if drawing or not task.progress else task.progress
        solara.ProgressLinear(busy if task.pending else 0)
        solara.Text(f"{text} ({elapsed:.1f} s since Run was pressed)" if text else "").meta(
            ref="run-status"
        )
    if task.cancelled:
        solara.Info("Run cancelled: the results shown are from the last finished run.").meta(
            ref="run-cancelled"
        )
    if run_error.value:
        solara.Error(run_error.value).meta(ref="run-error")
    if task.finished and isinstance(task.value, str):
        solara.Error(task.value).meta(ref="run-error")
    if shown.value is not None and ran_with.value != inputs and not task.pending:
        solara.Warning("The levers changed since this run: press Run to update.")


@solara.component
def Page():
    scenarios = catalogue()
    start = "tpn_2021" if "tpn_2021" in scenarios else next(iter(scenarios))
    start_b = "dyad" if "dyad" in scenarios else start
    state = {
        "uploaded": solara.use_reactive({}),
        "choice_a": solara.use_reactive(start),
        "values_a": solara.use_reactive(data.lever_values(scenarios[start])),
        "choice_b": solara.use_reactive(start_b),
        "values_b": solara.use_reactive(data.lever_values(scenarios[start_b])),
        "replications": solara.use_reactive(data.DEFAULT_REPLICATIONS),
        "seed": solara.use_reactive(scenarios[start].seed),
        "compare": solara.use_reactive(False),
        "posterior": solara.use_reactive(False),
        "shown": solara.use_reactive(None),
        "ran_with": solara.use_reactive(None),
    }
    upload_error = solara.use_reactive("")
    compare = state["compare"]

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
        state["uploaded"].set({**state["uploaded"].value, key: scenario})
        state["choice_a"].set(key)
        state["values_a"].set(data.lever_values(scenario))
        state["seed"].set(scenario.seed)
        upload_error.set("")

    # The theme is per browser session; the app bar uses the dark variant.
    solara.lab.theme.themes.light.primary = solara.lab.theme.themes.dark.primary = PRIMARY
    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        DesignCard(
            "Design A",
            "a",
            state["choice_a"],
            state["values_a"],
            state,
            on_choose=lambda scenario: state["seed"].set(scenario.seed),
        )
        solara.Checkbox(label="Compare with a second design (B)", value=compare).meta(ref="compare")
        if compare.value:
            DesignCard("Design B", "b", state["choice_b"], state["values_b"], state)
        with solara.Card("Your own scenario"):
            ScenarioUpload(
                "Drop a scenario file (.toml) here, or browse for one: it becomes design A's "
                "starting point",
                receive,
            )
            if upload_error.value:
                solara.Error(upload_error.value).meta(ref="upload-error")
    with solara.Column(classes=["tpn-main"]):
        Prose(
            "<h2>Try a twinning design before funding it</h2>"
            "Each run follows Rwanda's district health management teams and hospitals month by "
            "month, with and without twinning, on the same simulated districts. Results come "
            "with ranges because no two runs of a programme turn out the same. The districts and "
            "provinces are real; hospitals, scores and learning rates are synthetic or assumed "
            "(<i>docs/planners.md</i> says what the model can and cannot tell you).",
            "tpn-intro",
        )
        RunPanel(state)
        ResultsArea(state["shown"])


# The command ---------------------------------------------------------------------------------
def dashboard_command(args) -> int:
    """`tpn dashboard`: serve this page until Ctrl-C (see :mod:`analysis.dashboard_server`)."""
    from analysis.dashboard_server import serve

    return serve(args.host, args.port, open_browser=not args.no_browser)
