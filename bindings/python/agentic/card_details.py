"""Hand-written (not generated): the generated module maps the SDK's ``CardDetails`` to this class
(crates/agentic-ffi/uniffi.toml), so that no ``repr()``/``str()`` prints the card."""

from __future__ import annotations

_SEPARATOR = "\0"
_NAME_MARK = "="


class CardDetails:
    """The card the user typed, for ``start_enrollment``, ``start_direct_otp`` and their
    resumes. The SDK checks every field (the number's Luhn digit, ``MM``, ``YY``, 3–4 digits)
    and names a bad one.

    **Secret**: ``repr()`` and ``str()`` show no field; never log them.
    """

    __slots__ = ("number", "exp_month", "exp_year", "security_code", "name_on_card")

    def __init__(
        self,
        number: str,
        exp_month: str,
        exp_year: str,
        security_code: str,
        name_on_card: str | None = None,
    ):
        self.number = number
        self.exp_month = exp_month
        self.exp_year = exp_year
        self.security_code = security_code
        self.name_on_card = name_on_card

    def _fields(self) -> str:
        """The form the SDK reads: five fields joined by NUL, which none holds; the name marked
        with a leading ``=`` (the field empty when there is none)."""
        name = "" if self.name_on_card is None else _NAME_MARK + self.name_on_card
        return _SEPARATOR.join(
            (self.number, self.exp_month, self.exp_year, self.security_code, name)
        )

    @classmethod
    def _from_fields(cls, fields: str) -> CardDetails:
        """The SDK never returns a card; this reads its format back all the same."""
        parts = [*fields.split(_SEPARATOR), "", "", "", "", ""][:5]
        name = parts[4].removeprefix(_NAME_MARK) if parts[4] else None
        return cls(*parts[:4], name)

    def __repr__(self) -> str:
        return "CardDetails(…)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CardDetails) and other._fields() == self._fields()

    def __hash__(self) -> int:
        return hash(self._fields())
