"""One name look-up for every registry: activations, losses, optimizers, schedules, ...

Each registry maps names to things (a class, a function, a preset). Users type names in many
spellings (``"Leaky-ReLU"``, ``" mse "``, ``"adam_w"``), so a name is matched on its
:func:`normalise`\\d *key*: stripped, lower-cased, with ``-``, ``_`` and spaces dropped. The
names a registry shows (in :meth:`Registry.names`, in errors, in ``cls.name``) keep the
spelling they were registered with, e.g. ``"leaky_relu"``.

Examples
--------
>>> registry = Registry("optimizer", "optimizer")
>>> registry.add("adamw", "AdamW()")
>>> registry.add("lbfgs", "LBFGS()", "limited_memory_bfgs")
>>> registry.lookup(" Adam-W "), registry.canonical("L_BFGS"), registry.names()
('AdamW()', 'lbfgs', ['adamw', 'lbfgs'])
>>> registry.lookup("adma")  # doctest: +ELLIPSIS
Traceback (most recent call last):
ValueError: Unknown optimizer 'adma'. Did you mean 'adamw'? Valid names: ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from ._validation import unknown_name

__all__ = ["Registry", "normalise"]

T = TypeVar("T")

# Characters people use interchangeably (or not at all) between the words of a name.
_SEPARATORS = str.maketrans("", "", "-_ ")


def normalise(name: str) -> str:
    """The key a name is matched on: stripped, lower-cased, without ``-``, ``_`` or spaces.

    >>> normalise(" LEAKY-RELU "), normalise("adam-w"), normalise("l_bfgs")
    ('leakyrelu', 'adamw', 'lbfgs')
    """
    return name.strip().lower().translate(_SEPARATORS)


class Registry(Generic[T]):
    """Names (and aliases) of one kind of thing, looked up whatever their spelling.

    Parameters
    ----------
    kind : str
        What the names name, for messages: ``"optimizer"`` gives "Unknown optimizer 'adma'".
    argument : str
        The parameter that receives a name, for the ``TypeError`` on a non-string, e.g.
        ``"optimizer"`` gives "`optimizer` must be an optimizer name (a str), got 3 of type
        int."

    Notes
    -----
    A name and its aliases are matched on their :func:`normalise`\\d keys, so two names that
    differ only in case, spaces, ``-`` or ``_`` cannot both be registered. Iterating, ``len``
    and :meth:`names` see the canonical names only; ``in`` accepts aliases too.
    """

    def __init__(self, kind: str, argument: str) -> None:
        self.kind = kind
        self.argument = argument
        self._items: dict[str, T] = {}  # canonical name -> item
        self._keys: dict[str, str] = {}  # normalised key of a name or alias -> canonical name
        self._aliases: dict[str, str] = {}  # alias as written -> canonical name

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.argument!r}, names={self.names()})"

    def add(self, name: str, item: T, *aliases: str) -> None:
        """Register ``item`` under ``name`` and ``aliases``.

        Raises
        ------
        ValueError
            If a name's key is empty or already taken (by another name, an alias, or another
            of these names). Every key is checked before any is added, so a clash leaves the
            registry as it was.
        """
        spellings = [name, *aliases]
        keys = [normalise(spelling) for spelling in spellings]
        for spelling, key in zip(spellings, keys, strict=True):
            if not key:
                raise ValueError(
                    f"A {self.kind} name must have letters or digits, got {spelling!r}."
                )
            if key in self._keys:
                raise ValueError(
                    f"{self.kind.capitalize()} name {spelling!r} is already taken by "
                    f"{self._keys[key]!r} (names match whatever their case, spaces, '-' or '_')."
                )
            if keys.count(key) > 1:
                raise ValueError(
                    f"{self.kind.capitalize()} names {spellings} repeat the name {spelling!r} "
                    f"(names match whatever their case, spaces, '-' or '_')."
                )
        self._items[name] = item
        for key in keys:
            self._keys[key] = name
        for alias in aliases:
            self._aliases[alias] = name

    def canonical(self, name: object) -> str:
        """The canonical spelling of ``name``, a name or an alias in any spelling.

        Raises
        ------
        TypeError
            If ``name`` is not a str.
        ValueError
            If ``name`` is unknown: the message has a did-you-mean and the valid names.
        """
        if not isinstance(name, str):
            article = "an" if self.kind[:1] in "aeiou" else "a"
            raise TypeError(
                f"`{self.argument}` must be {article} {self.kind} name (a str), got {name!r} "
                f"of type {type(name).__name__}."
            )
        key = normalise(name)
        if key in self._keys:
            return self._keys[key]
        raise self._unknown(name, key)

    def lookup(self, name: object) -> T:
        """The item registered under ``name`` (a name or an alias, in any spelling).

        Raises
        ------
        TypeError
            If ``name`` is not a str.
        ValueError
            If ``name`` is unknown: the message has a did-you-mean and the valid names.
        """
        return self._items[self.canonical(name)]

    def names(self) -> list[str]:
        """The canonical names, sorted (aliases excluded)."""
        return sorted(self._items)

    def aliases(self) -> dict[str, str]:
        """Each alias, as registered, mapped to its canonical name; sorted by alias."""
        return dict(sorted(self._aliases.items()))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalise(name) in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)

    def _unknown(self, name: str, key: str) -> ValueError:
        # The close match is sought among the keys (so "Adma" finds "adam" and "adamw_" finds
        # "adamw"), then shown as the user would write it: the canonical or alias spelling.
        return unknown_name(
            self.kind, name, self.names(), key=key, aliases=self.aliases(), normalise=normalise
        )
