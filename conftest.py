# The conformance plugin: --backend/--kind/--adapter options, case parametrization, results.
pytest_plugins = ["conformance.plugin"]
