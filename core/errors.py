"""The base class of errors caused by what the user gave us (a file, a folder,
a setting), as opposed to bugs: the CLI prints these as one line, the window
as a message, and neither shows a traceback."""


class BadInput(ValueError):
    """Input that cannot be used; the message says where and what was expected."""


class OutputError(BadInput):
    """An output the user named that cannot or must not be written."""
