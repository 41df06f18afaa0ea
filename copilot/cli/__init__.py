"""The `copilot` command line: one module per command group."""
