"""`project assign` / `people` / `agreement` / `grant`: several annotators on
one project (a file or, for a team, a PostgreSQL server)."""

from __future__ import annotations

import argparse
import json
import sys

WHERE = "project file (.kgs) or postgresql://user@host/db?project=NAME"
FILTERS = ("all", "unreviewed", "rejections", "low_score")


def register(actions: argparse._SubParsersAction) -> None:
    a = actions.add_parser(
        "assign",
        help="hand documents nobody has yet to a person",
        description="Assign documents to --user: the first --count unassigned ones in "
        "reading order that pass --filter, or the --documents listed. A document "
        "already assigned to someone is never taken from them (use --release).",
    )
    a.add_argument("project", help=WHERE)
    a.add_argument("--user", required=True, help="who gets the documents")
    how = a.add_mutually_exclusive_group(required=True)
    how.add_argument("--count", type=int, help="how many documents")
    how.add_argument("--documents", help="document ids, comma-separated")
    how.add_argument("--release", help="document ids to take back from whoever has them")
    a.add_argument("--filter", choices=FILTERS, default="unreviewed", help="with --count")
    a.set_defaults(handler=run_assign)
    p = actions.add_parser(
        "people",
        help="who has documents and how far they are (last line JSON)",
    )
    p.add_argument("project", help=WHERE)
    p.set_defaults(handler=run_people)
    g = actions.add_parser(
        "agreement",
        help="agreement between annotators who decided on the same documents",
        description="For every pair of people who decided on the same documents: "
        "F1 between their kept triples and links, Cohen's kappa on their accept / reject "
        "of the same proposals, per predicate. The last line is JSON.",
    )
    g.add_argument("project", help=WHERE)
    g.add_argument("--people", nargs="+", metavar="NAME", help="only these people")
    g.set_defaults(handler=run_agreement)
    r = actions.add_parser(
        "grant",
        help="give a database role read/write access to this server project only",
        description="Create the role (LOGIN, no password: set one with ALTER ROLE or keep "
        "it in the server's authentication) if missing, and grant it the project's "
        "tables and nothing else. Run as a role that may create roles.",
    )
    r.add_argument("project", help="postgresql://user@host/db?project=NAME")
    r.add_argument("role", help="the annotator's database role")
    r.set_defaults(handler=run_grant)


def _ids(text: str) -> list[int]:
    from cli.errors import UsageError

    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"expected document ids separated by commas, got {text!r}") from None


def run_assign(args: argparse.Namespace) -> int:
    from core.store import Project
    from core.store.team import Team

    with Project.open(args.project, create=False) as project:
        team = Team(project)
        if args.release:
            n = team.unassign(_ids(args.release))
            print(f"released {n} documents")
            return 0
        if args.documents:
            given = team.assign(args.user, doc_ids=_ids(args.documents))
        else:
            given = team.assign(args.user, count=args.count, filter=args.filter)
    if args.count and len(given) < args.count:
        print(f"only {len(given)} unassigned documents were left", file=sys.stderr)
    print(f"assigned {len(given)} documents to {args.user}")
    print(json.dumps({"user": args.user, "documents": given}))
    return 0


def run_people(args: argparse.Namespace) -> int:
    from core.store import Project
    from core.store.team import Team

    with Project.open(args.project, create=False) as project:
        people = Team(project).people()
    for p in people:
        print(
            f"{p.name}: {p.reviewed}/{p.assigned} assigned documents reviewed, {p.decisions} decisions"
        )
    print(json.dumps([p.__dict__ for p in people], ensure_ascii=False))
    return 0


def run_agreement(args: argparse.Namespace) -> int:
    from core.store import Project
    from core.store.agreement import agreement

    with Project.open(args.project, create=False) as project:
        result = agreement(project, args.people)
    if not result["pairs"]:
        print("no two people have decided on the same documents yet", file=sys.stderr)
    for pair in result["pairs"]:
        a, b = pair["people"]
        t, links = pair["triples"], pair["links"]
        print(
            f"{a} / {b}: {pair['documents']} documents; triples F1 {t['f1']} "
            f"kappa {t['kappa']} ({t['proposals']} proposals); "
            f"links F1 {links['f1']} kappa {links['kappa']} ({links['proposals']} proposals)"
        )
    print(json.dumps(result, ensure_ascii=False))
    return 0


def run_grant(args: argparse.Namespace) -> int:
    from core.store import Project
    from core.store.team import Team

    with Project.open(args.project, create=False) as project:
        Team(project).grant(args.role)
        where = project.location
    print(f"role {args.role} may now read and write {where}, and nothing else")
    return 0
