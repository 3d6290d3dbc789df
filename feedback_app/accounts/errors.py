"""What the account services refuse."""


class AccountError(ValueError):
    """A change that cannot be made, worded for the admin who asked for it."""


class InvalidEmail(AccountError):
    """Not an email address."""
