"""The exception tree of the optimizer.

Every error the package raises on purpose derives from :class:`OptimizerError`; third-party errors
(httpx, pulp, pydantic, tomllib, sqlite3) are translated into it at the boundary where they occur.
Each class carries the process exit code the CLI uses (see ``docs/CONTRACT.md``), an optional
one-sentence ``hint`` telling the user what to do, and optionally the library ``option`` at fault (e.g.
``end_soc_pct``), so that a front end can name its own flag for it (the CLI's error mapping does)::

    OptimizerError                      exit 1  unexpected
    ├── UsageError                      exit 2  bad command-line usage
    ├── ConfigError                     exit 3  config file or value invalid
    ├── InputError                      exit 3  an input file is invalid
    │   ├── TariffError                         tariff / price file
    │   └── HistoryError                        history CSV or store
    ├── FoxEssError                     exit 5  anything from the Fox ESS cloud
    │   ├── TransportError              exit 5  network, timeout, HTTP 5xx, malformed JSON
    │   └── ApiError                    exit 4  a non-zero ``errno`` in the body
    │       ├── AuthError               exit 4  40256 (signature, timestamp, token), OAuth failures
    │       ├── RateLimitError          exit 4  40400 still refused after the retries
    │       ├── TransientApiError       exit 5  41200-41203, 41935 still failing after the retries
    │       └── QuotaExhaustedError     exit 6  40402 from the cloud
    ├── QuotaBudgetError                exit 6  a run would exceed the configured call budget
    ├── SolveError                      exit 1  the solver failed (time limit, no solver)
    │   └── InfeasibleError             exit 7  the plan's constraints cannot all hold
    ├── ScheduleError                   exit 8  groups fail validation or read-back
    │   ├── ScheduleValidationError
    │   ├── ReadbackMismatchError
    │   └── SchedulerUnsupportedError       the inverter has no scheduler v1
    └── LockError                       exit 1  another run holds the lock
"""

from __future__ import annotations


class OptimizerError(Exception):
    """Root of every error the optimizer raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None, option: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.option = option  # the library option at fault (``end_soc_pct``, ``start``, ...), if any

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with every attribute (errors cross process boundaries in parallel backtests)."""
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))

    def explain(self) -> str:
        """The message followed by the hint, as shown to the user: full sentences, each ending with a stop."""
        parts = [sentence(self.message)] + ([sentence(self.hint)] if self.hint else [])
        return " ".join(p for p in parts if p)


def _rebuild(cls: type[OptimizerError], args: tuple[object, ...], state: dict[str, object]) -> OptimizerError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


def sentence(text: str) -> str:
    """``text`` as a sentence: stripped, and ending with a full stop unless it ends with other punctuation."""
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


class UsageError(OptimizerError):
    exit_code = 2


class ConfigError(OptimizerError):
    exit_code = 3


class InputError(OptimizerError):
    exit_code = 3


class TariffError(InputError):
    pass


class HistoryError(InputError):
    pass


class FoxEssError(OptimizerError):
    exit_code = 5


class TransportError(FoxEssError):
    exit_code = 5


class ApiError(FoxEssError):
    """A non-zero ``errno`` in an HTTP 200 body. Carries errno, message and path, never the key."""

    exit_code = 4

    def __init__(self, errno: int, msg: str, path: str, *, name: str = "", hint: str | None = None) -> None:
        self.errno = errno
        self.msg = msg
        self.path = path
        self.name = name
        label = f"{errno} {name}".strip()
        super().__init__(f"Fox ESS refused {path}: errno {label}: {msg}", hint=hint)


class AuthError(ApiError):
    pass


class RateLimitError(ApiError):
    pass


class TransientApiError(ApiError):
    exit_code = 5


class QuotaExhaustedError(ApiError):
    exit_code = 6


class QuotaBudgetError(OptimizerError):
    exit_code = 6


class SolveError(OptimizerError):
    exit_code = 1


class InfeasibleError(SolveError):
    exit_code = 7


class ScheduleError(OptimizerError):
    exit_code = 8


class ScheduleValidationError(ScheduleError):
    pass


class ReadbackMismatchError(ScheduleError):
    pass


class SchedulerUnsupportedError(ScheduleError):
    pass


class LockError(OptimizerError):
    exit_code = 1
