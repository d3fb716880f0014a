"""Objects described by their constructor's keyword arguments: optimizers and schedules."""

from __future__ import annotations

from typing import Any, ClassVar, Self

__all__ = ["Configurable"]


class Configurable:
    """Mixin: ``get_config``, ``from_config`` and a ``repr`` from the constructor's arguments.

    A class lists its constructor's keyword arguments in ``_config_keys`` and keeps each one as
    an attribute of the same name; then ``type(obj)(**obj.get_config())`` builds a twin and
    ``repr(obj)`` reads like the call that made it.
    """

    _config_keys: ClassVar[tuple[str, ...]] = ()

    def get_config(self) -> dict[str, Any]:
        """The constructor's keyword arguments: ``type(obj)(**obj.get_config())`` is a twin."""
        return {key: getattr(self, key) for key in self._config_keys}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        """Build an instance from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({args})"
