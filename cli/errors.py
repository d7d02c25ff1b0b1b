"""Errors that the command line reports as one line, exit code 2."""


class UsageError(Exception):
    """Bad input from the user: a missing file, a malformed line, a wrong option."""
