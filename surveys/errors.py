"""Domain exceptions; the web layer maps them to 4xx answers naming the field."""


class DomainError(ValueError):
    """Base class for rule violations caused by input, never by a bug."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidScore(DomainError):
    """A score that is missing, not an integer, or off the survey's scale."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="score")


class InvalidThresholds(DomainError):
    """Thresholds that do not split the scale into ordered buckets."""
