"""Reviewing a project without a window: what each key of the Triples and
Linking panels does to the project, and what is shown next. The panels draw
what these classes hold and forward keys to them; a Python session can
review the same way."""
