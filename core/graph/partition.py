"""The result of clustering a graph: a (possibly nested) partition of its nodes.

Every method returns a :class:`Clustering`. A node's module is a *path*, top
level first, as in Infomap's ``.tree`` files: ``(3,)`` is top module 3 of a
two-level partition, ``(3, 1)`` sub-module 1 of top module 3. Ids on a level
below the top count from 1 within their parent, so only a whole path (or a
prefix of one) names a module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Path = tuple[int, ...]


def cut_at_level(modules: dict[Any, Path], level: int = 1) -> dict[Any, int]:
    """node -> module number on ``level`` (1 = top, -1 = the finest), the
    modules of that level numbered 1, 2, ... in path order. A node whose
    branch ends above ``level`` keeps its deepest module, as in Infomap's
    ``.clu`` files."""
    depth = max((len(p) for p in modules.values()), default=1)
    if level < 0:
        level = depth + 1 + level
    if not 1 <= level <= depth:
        raise ValueError(f"level {level}: expected 1 to {depth} or -1 to {-depth}")
    cut = {n: p[:level] for n, p in modules.items()}
    numbers = {path: i for i, path in enumerate(sorted(set(cut.values())), 1)}
    return {n: numbers[path] for n, path in cut.items()}


@dataclass
class Clustering:
    method: str
    # node -> module path, top level first: (3,) for two levels, (3, 1) nested
    modules: dict[Any, Path]
    # Levels of the tree including the leaves, as Infomap counts them:
    # 2 for a flat partition, 3 when modules contain sub-modules, ...
    levels: int
    codelength: float | None = None
    one_level_codelength: float | None = None
    # Visit rate of each node (Infomap's flow); for methods without a flow
    # model, the node's share of link weight.
    node_flow: dict[Any, float] = field(default_factory=dict)
    seconds: float = 0.0
    # Codelength of every trial, in order; the result is the shortest.
    trial_codelengths: list[float] = field(default_factory=list)
    # The parameters the method ran with (seed, markov_time, ...).
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def top_modules(self) -> dict[Any, int]:
        return {n: p[0] for n, p in self.modules.items()}

    @property
    def n_modules(self) -> int:
        """How many top-level modules."""
        return len({p[0] for p in self.modules.values()})

    @property
    def relative_saving(self) -> float | None:
        """How much shorter the modular description is than the one-module
        description: 1 - L(M) / L(one module)."""
        if self.codelength is None or not self.one_level_codelength:
            return None
        return 1 - self.codelength / self.one_level_codelength

    def modules_per_level(self) -> list[int]:
        """How many distinct modules there are at each depth, top first."""
        return [
            len({p[: depth + 1] for p in self.modules.values() if len(p) > depth})
            for depth in range(max((len(p) for p in self.modules.values()), default=0))
        ]

    def modules_at(self, level: int = 1) -> dict[Any, int]:
        """node -> module number on ``level`` (see :func:`cut_at_level`)."""
        return cut_at_level(self.modules, level)

    def flow_by_module(self) -> dict[Path, float]:
        """The flow of every module on every level, keyed by its path: the sum
        of its nodes' flows (for a first-order network, that is the module's
        flow in Infomap's tree)."""
        flows: dict[Path, float] = {}
        for n, path in self.modules.items():
            f = self.node_flow.get(n, 0.0)
            for depth in range(1, len(path) + 1):
                key = path[:depth]
                flows[key] = flows.get(key, 0.0) + f
        return flows

    def module_flow(self) -> dict[int, float]:
        """The flow of each top-level module."""
        flow: dict[int, float] = {}
        for n, p in self.modules.items():
            flow[p[0]] = flow.get(p[0], 0.0) + self.node_flow.get(n, 0.0)
        return flow

    def members(self, path: Path) -> list[Any]:
        """The nodes inside the module ``path`` (at any depth below it)."""
        k = len(path)
        return [n for n, p in self.modules.items() if p[:k] == path]
