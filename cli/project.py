"""`project import` / `project export`: DuIE files in and out of a project."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import console_context, existing_file
from core.outputs import check_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("project", help="import into / export from a project file (.kgs)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    i = actions.add_parser(
        "import",
        help="add the sentences of a DuIE file (creates the project)",
        description="Add every line of a DuIE file as a document, in one transaction: "
        "a malformed line adds nothing. Spans, statuses and origins written by "
        "`project export` are read back.",
    )
    i.add_argument("project", help="project file (.kgs), created if missing")
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
    e.add_argument("project", help="an existing project file (.kgs)")
    e.add_argument("output", help="DuIE JSON lines to write (replaced atomically)")
    e.add_argument("--reviewed-only", action="store_true", help="only documents marked reviewed")
    e.add_argument(
        "--clean",
        action="store_true",
        help="training data: drop rejected triples and status / origin / score",
    )
    e.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    from core.store import Project
    from core.store.project import remove_project_files

    source = existing_file(args.input, "DuIE file")
    check_output(args.project, [(source, "the input")])
    created = not Path(args.project).exists()
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
            remove_project_files(args.project)
        raise
    if skipped:
        print(
            f"skipped {len(skipped)} sentences already in {args.project} "
            f"(the first: sentence {skipped[0]} of {args.input}); "
            "--allow-duplicates adds them again",
            file=sys.stderr,
        )
    print(f"imported {n} documents into {args.project} ({total} in all)")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from core.store import Project

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
