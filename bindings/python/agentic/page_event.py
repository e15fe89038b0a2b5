"""Hand-written (not generated): the generated module maps the SDK's ``PageEvent`` to this class
(crates/agentic-ffi/uniffi.toml), so that no ``repr()``/``str()`` prints the message."""

from __future__ import annotations

_SEPARATOR = "\0"


class PageEvent:
    """A message the Visa auth page posted, for ``visa_message``: the message's data as JSON
    text (``event.data``) and the origin the web view reported for it (``event.origin``). The
    SDK refuses a message from any other origin than the prompt's.

    **Secret**: the page's messages carry the ``secureToken`` and the passkey result. ``repr()``
    and ``str()`` show neither part (were the two swapped, the origin would hold the message);
    never log ``json``.
    """

    __slots__ = ("json", "origin")

    def __init__(self, json: str, origin: str):
        self.json = json
        self.origin = origin

    def _fields(self) -> str:
        """The form the SDK reads: the origin, a NUL (which neither holds), the message."""
        return self.origin + _SEPARATOR + self.json

    @classmethod
    def _from_fields(cls, fields: str) -> PageEvent:
        """The SDK never returns an event; this reads its format back all the same."""
        origin, separator, json = fields.partition(_SEPARATOR)
        return cls(json, origin) if separator else cls(fields, "")

    def __repr__(self) -> str:
        return "PageEvent(…)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PageEvent) and other._fields() == self._fields()

    def __hash__(self) -> int:
        return hash(self._fields())
