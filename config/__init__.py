"""The composition root: settings from one TOML file, the `App` that wires the services, the job
cycle, the daemon, process locks, and the `dumas` command line (`cli`).
"""
