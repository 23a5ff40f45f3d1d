"""The one application error type (DESIGN.md §8)."""


class ServiceError(Exception):
    """A refused operation, with a stable code and a message for the user.

    `field` names the form/serializer field at fault, when there is one.
    """

    status = 400

    def __init__(self, code: str, message, *, field: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return str(self.message)


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409
