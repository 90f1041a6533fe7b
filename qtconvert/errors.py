"""One base exception for expected failures: the command line prints them without a traceback."""


class QtConvertError(Exception):
    """An expected failure a user can act on (bad option, unknown writer, strict-mode stop)."""

    category = "error"

    def __str__(self) -> str:
        return f"{self.category}: {super().__str__()}"


class UsageError(QtConvertError):
    """The command was called wrongly (exit status 2)."""

    category = "usage error"


class ConfigError(QtConvertError):
    """A configuration file or recipe holds a value qtconvert cannot use."""

    category = "config error"


class BuildError(QtConvertError):
    """A build could not complete (a writer failed, or `--strict` found problems)."""

    category = "build error"
