"""The `tpn` command: one module per group of subcommands, parsed in :mod:`analysis.cli.main`."""
