"""The domain's refusals, which every caller (flows, API, CLI) turns into its own answer."""


class NotFound(Exception):
    def __init__(self, what: str, key: object):
        super().__init__(f"{what} {key} not found")


class InvalidInput(ValueError):
    """Well-formed input that the domain's rules refuse (the API answers 422 with the message)."""


class StateConflict(Exception):
    """A request that the record's current state rules out (the API answers 409 with the message)."""
