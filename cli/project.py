"""`project import` / `export` / `copy`: DuIE files in and out of a project,
a project from one engine to another (the team's actions: cli/project_team.py). A project is a file (.kgs) or a
PostgreSQL URL (postgresql://user@host/db?project=NAME)."""

from __future__ import annotations

import argparse
import sys

from cli import project_team
from cli.common import console_context, existing_file
from core.outputs import check_output

WHERE = "project file (.kgs) or postgresql://user@host/db?project=NAME"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "project", help="import into / export from / copy a project (file or PostgreSQL)"
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    i = actions.add_parser(
        "import",
        help="add the sentences of a DuIE file (creates the project)",
        description="Add every line of a DuIE file as a document, in one transaction: "
        "a malformed line adds nothing. Spans, statuses and origins written by "
        "`project export` are read back.",
    )
    i.add_argument("project", help=f"{WHERE}; created if missing")
    i.add_argument("input", help="DuIE JSON lines")
    i.add_argument(
        "--allow-duplicates",
        action="store_true",
        help="also add sentences whose text is already a document of the project "
        "(by default they are reported and skipped)",
    )
    i.set_defaults(handler=run_import)
    e = actions.add_parser(
        "export",
        help="write the documents as DuIE lines",
        description="Write the documents as DuIE lines. Without --clean the file "
        "keeps everything (rejected triples, status, origin, score, spans) and "
        "imports back to the same project content.",
    )
    e.add_argument("project", help=f"an existing {WHERE}")
    e.add_argument("output", help="DuIE JSON lines to write (replaced atomically)")
    e.add_argument("--reviewed-only", action="store_true", help="only documents marked reviewed")
    e.add_argument(
        "--clean",
        action="store_true",
        help="training data: drop rejected triples and status / origin / score",
    )
    e.set_defaults(handler=run_export)
    c = actions.add_parser(
        "copy",
        help="copy a project whole to a new file or server project",
        description="Copy every document, triple, link, decision and the edit history "
        "(undo and redo go on in the copy) from SRC to DST, which must not exist yet: "
        "a file to a PostgreSQL server for a team, or back to a file. One transaction: "
        "a failed copy leaves no DST behind.",
    )
    c.add_argument("source", help=f"the {WHERE} to copy")
    c.add_argument("target", help=f"the new {WHERE}")
    c.set_defaults(handler=run_copy)
    project_team.register(actions)


def _is_file(where: str) -> bool:
    from core.store.location import is_url

    return not is_url(where)


def run_import(args: argparse.Namespace) -> int:
    from core.store import Project
    from core.store.location import shown
    from core.store.project import project_exists, remove_project

    source = existing_file(args.input, "DuIE file")
    if _is_file(args.project):
        check_output(args.project, [(source, "the input")])
    created = not project_exists(args.project)
    skipped: list[int] | None = None if args.allow_duplicates else []
    ctx, bar = console_context()
    try:
        with Project.open(args.project, create=True) as project:
            try:
                n = project.import_file(source, ctx, skipped)
            finally:
                bar.close()
            total = project.count_documents()
    except BaseException:
        # A project this run created holds nothing of the failed import.
        if created:
            remove_project(args.project)
        raise
    where = shown(args.project)
    if skipped:
        print(
            f"skipped {len(skipped)} sentences already in {where} "
            f"(the first: sentence {skipped[0]} of {args.input}); "
            "--allow-duplicates adds them again",
            file=sys.stderr,
        )
    print(f"imported {n} documents into {where} ({total} in all)")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from core.store import Project

    if _is_file(args.project):
        existing_file(args.project, "project")
        check_output(
            args.output,
            [(args.project, "the project")]
            + [(f"{args.project}{s}", "part of the project") for s in ("-wal", "-shm", ".lock")],
        )  # before opening: the project's own export_file checks again
    with Project.open(args.project, create=False) as project:
        n = project.export_file(args.output, reviewed_only=args.reviewed_only, clean=args.clean)
    print(f"exported {n} documents to {args.output}")
    return 0


def run_copy(args: argparse.Namespace) -> int:
    from cli.errors import UsageError
    from core.store import Project
    from core.store.copy import copy_project
    from core.store.location import shown
    from core.store.project import project_exists, remove_project

    if _is_file(args.source):
        existing_file(args.source, "project")
    if project_exists(args.target):
        raise UsageError(f"{shown(args.target)}: already exists; copy into a new project")
    ctx, bar = console_context()
    try:
        with (
            Project.open(args.source, create=False) as source,
            Project.open(args.target, create=True) as target,
        ):
            try:
                counts = copy_project(source, target, ctx)
            finally:
                bar.close()
    except BaseException:
        remove_project(args.target)
        raise
    print(
        f"copied {counts['documents']} documents, {counts['annotations']} triples, "
        f"{counts['entity_links']} links and {counts['edits']} edits "
        f"from {shown(args.source)} to {shown(args.target)}"
    )
    return 0
