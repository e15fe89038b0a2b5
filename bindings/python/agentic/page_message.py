"""Hand-written (not generated): the generated module maps the SDK's ``PageMessage`` to this class
(crates/agentic-ffi/uniffi.toml), so that no ``repr()``/``str()`` of a prompt prints the message."""


class PageMessage:
    """A message for the Visa auth page, carried by the ``ProvideVisaSession`` and
    ``PasskeyCeremony`` prompts: post ``json`` to the page with the prompt's origin as the target
    origin.

    **Secret**: the ``AUTHENTICATE`` message holds the signed payload. ``repr()`` and ``str()``
    show no text; never log ``json``.
    """

    __slots__ = ("json",)

    def __init__(self, json: str):
        self.json = json

    def __repr__(self) -> str:
        return "PageMessage(…)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PageMessage) and other.json == self.json

    def __hash__(self) -> int:
        return hash(self.json)
