"""Statistics, tables, figures and output folders for tpn-sim results (nothing here simulates)."""
