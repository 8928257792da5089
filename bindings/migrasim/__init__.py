"""migrasim: agent-based simulation of migration flows and policy scenarios.

    >>> import migrasim
    >>> scenario = migrasim.load_scenario("scenarios/central_america.yaml", run__days=30)
    >>> result = migrasim.run(scenario, seed=1, threads=2)
    >>> result.population.sum("location").isel(time=-1)

Scenario errors raise :class:`ScenarioError` (a ``ValueError``) with the same message as the CLI.
"""
from ._core import LEGAL_STATUSES, ScenarioError, __version__
from .api import Result, Scenario, Simulation, Validation, drill, load_scenario, open_result, run, validate

__all__ = [
    "LEGAL_STATUSES",
    "Result",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "Validation",
    "drill",
    "load_scenario",
    "open_result",
    "run",
    "validate",
    "__version__",
]
