"""The `dumas` command line: one module per group of commands, shared output helpers, `doctor`."""
