"""migrasim: agent-based simulation of migration flows and policy scenarios.

    >>> import migrasim
    >>> scenario = migrasim.load_scenario("scenarios/central_america.yaml", run__days=30)
    >>> result = migrasim.run(scenario, seed=1, threads=2)
    >>> result.population.sum("location").isel(time=-1)

Scenario errors raise :class:`ScenarioError` (a ``ValueError``) with the same message as the CLI; the
reader's warnings are issued as :class:`ScenarioWarning` (a ``UserWarning``).
"""
# The names below load the compiled module on first use (PEP 562), so that the pure-Python parts
# (`python -m migrasim.plots`, `migrasim.plot`) run with any Python that has matplotlib.
_FROM_CORE = ("LEGAL_STATUSES", "ScenarioError", "__version__")
_FROM_API = ("Result", "Scenario", "ScenarioWarning", "Simulation", "Validation", "drill", "import_flee", "load_scenario",
             "open_result", "run", "validate")
_FROM_STUDIES = ("ensemble", "open_ensemble", "sweep")
_FROM_SENSITIVITY = ("morris", "sobol")
_FROM_CALIBRATION = ("Calibration", "HistoryMatch", "calibrate", "history_match")
_FROM_REPORT = ("report",)  # the function; the module is report_page (a module named report would shadow it)


def __getattr__(name):
    if name in _FROM_CORE:
        from . import _core

        return getattr(_core, name)
    if name in _FROM_API:
        from . import api

        return getattr(api, name)
    if name in _FROM_STUDIES:
        from . import studies

        return getattr(studies, name)
    if name in _FROM_SENSITIVITY:
        from . import sensitivity

        return getattr(sensitivity, name)
    if name in _FROM_CALIBRATION:
        from . import calibration

        return getattr(calibration, name)
    if name in _FROM_REPORT:
        from . import report_page

        return getattr(report_page, name)
    raise AttributeError(f"module 'migrasim' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_FROM_CORE) + list(_FROM_API) + list(_FROM_STUDIES) + list(_FROM_SENSITIVITY)
                  + list(_FROM_CALIBRATION) + list(_FROM_REPORT))


__all__ = [
    "Calibration",
    "HistoryMatch",
    "LEGAL_STATUSES",
    "Result",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "Simulation",
    "Validation",
    "calibrate",
    "drill",
    "ensemble",
    "history_match",
    "import_flee",
    "load_scenario",
    "morris",
    "open_ensemble",
    "open_result",
    "report",
    "run",
    "sobol",
    "sweep",
    "validate",
    "__version__",
]
