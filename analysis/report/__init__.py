"""`tpn report`: one self-contained HTML file describing a results folder written by tpn.

The report reads only the folder's files (manifest, tables, figures); it never reruns the model.
Figures are embedded as base64 PNG data URIs and the CSS is inline, so the file can be mailed,
archived or printed to PDF on its own.

Modules, one job each:
- :mod:`~analysis.report.folder`: the folder's kind (from its manifest), completeness, file reading.
- :mod:`~analysis.report.runs`, :mod:`~analysis.report.sweeps`,
  :mod:`~analysis.report.validation`: what the report says of each kind of folder.
- :mod:`~analysis.report.assumptions`: the values nobody measured, in plain language.
- :mod:`~analysis.report.provenance`: command, seeds, versions, times, synthetic data.
- :mod:`~analysis.report.elements`: sections, tables, embedded figures, outcome glossaries.
- :mod:`~analysis.report.render`: the HTML template filled in and written.
"""

from analysis.report.render import report_command, report_html

__all__ = ["report_command", "report_html"]
