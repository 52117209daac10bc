"""The forms package's one exception hierarchy."""


class FormError(Exception):
    """Base of every error raised by ``forms``."""


class FormDefinitionError(FormError):
    """A form file is wrong. ``problems`` lists (key path, what was expected) pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {source}: {path}: {msg}" for path, msg in problems)
        super().__init__(f"invalid form definition {source}:\n{lines}")


class AnswerError(FormError):
    """Answers do not fit the form. ``problems`` maps each offending question id to why."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        lines = "\n".join(f"  {qid}: {msg}" for qid, msg in problems.items())
        super().__init__(f"answers do not fit the form:\n{lines}")
