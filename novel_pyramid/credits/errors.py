"""The credits subsystem's domain error."""

from novel_pyramid.errors import AppError


class InsufficientCredits(AppError):
    """The balance does not cover what was asked; nothing was taken."""

    status_code = 402
    code = "insufficient_credits"

    def __init__(self, required, balance):
        self.required, self.balance = required, balance
        super().__init__(
            f"Not enough credits: this needs {required} and the balance is {balance}.",
            extra={"required": required, "balance": balance},
        )
