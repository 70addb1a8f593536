"""The dashboard's scenario upload: drop a file on the zone or click to browse for one.

Solara's ``FileDrop`` takes drag-and-drop only, which a planner on a tablet or with a keyboard
cannot use. :class:`ScenarioDropZone` is Solara's own widget (same transfer of the file's bytes
to the server, in chunks) with a template that also has a hidden file input behind a Browse
button; :func:`ScenarioUpload` hands the file to ``on_file`` as Solara's ``FileDrop`` would
(``name``, ``size``, ``file_obj``, ``data``), in a thread, with its bytes read.
"""

import threading
from collections.abc import Callable

import solara
from solara.components.file_drop import FileDropZone, FileInfo


class ScenarioDropZone(FileDropZone):
    template_file = (__file__, "dashboard_upload.vue")


@solara.component
def ScenarioUpload(label: str, on_file: Callable[[FileInfo], None]):
    """A drop zone with a Browse button; ``on_file`` receives the one file chosen."""
    info, set_info = solara.use_state(None)
    wired, set_wired = solara.use_state(None)
    zone = ScenarioDropZone.element(label=label, on_file_info=set_info, multiple=False)

    def wire():
        if not info:
            return
        widget = solara.get_widget(zone)
        widget.version += 1  # as Solara's FileDrop: a new version re-arms the transfer
        widget.reset_stats()
        set_wired(widget.get_files())

    solara.use_effect(wire, [info])

    def hand_over(cancel: threading.Event):
        if wired:
            first = wired[0]
            first["data"] = first["file_obj"].read()
            on_file(first)

    result = solara.use_thread(hand_over, [wired], intrusive_cancel=False)  # untraced: fast
    if result.error:
        raise result.error
    return zone
