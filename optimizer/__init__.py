"""foxess-optimizer: cost-optimal battery schedules for Fox ESS inverters."""

from optimizer.errors import OptimizerError

__version__ = "0.1.0"
__all__ = ["OptimizerError", "__version__"]
