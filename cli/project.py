"""`project import` / `project export`: DuIE files in and out of a project."""

from __future__ import annotations

import argparse

from cli.common import console_context, existing_file


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

    source = existing_file(args.input, "DuIE file")
    ctx, bar = console_context()
    with Project.open(args.project, create=True) as project:
        try:
            n = project.import_file(source, ctx)
        finally:
            bar.close()
        total = project.count_documents()
    print(f"imported {n} documents into {args.project} ({total} in all)")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from core.store import Project

    existing_file(args.project, "project")
    with Project.open(args.project, create=False) as project:
        n = project.export_file(args.output, reviewed_only=args.reviewed_only, clean=args.clean)
    print(f"exported {n} documents to {args.output}")
    return 0
