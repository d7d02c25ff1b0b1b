"""Positions for drawing: a Fruchterman–Reingold force layout in NumPy.

Every item repels every other (for more than ``sample`` items, a fresh random
sample of them each step stands in for the rest, scaled up, which keeps a
step linear in the number of items) and links pull their ends together in
proportion to their weight. The GUI draws modules as super-nodes above a few
thousand nodes, so a layout here has a few thousand items at most in the
common case and takes well under a second.
"""

from __future__ import annotations

import numpy as np

from core.runtime.jobs import JobContext

# Pairs of items handled at once while computing repulsion (bounds memory).
_CHUNK_PAIRS = 1_000_000


def force_layout(
    n: int,
    edges: np.ndarray,
    weight: np.ndarray | None = None,
    *,
    seed: int = 1,
    iterations: int = 50,
    initial: np.ndarray | None = None,
    sample: int = 300,
    ctx: JobContext | None = None,
) -> np.ndarray:
    """``(n, 2)`` positions within [-1, 1] for items ``0..n-1`` linked by
    ``edges`` (an ``(m, 2)`` array of item indices) with optional weights."""
    ctx = ctx or JobContext.null()
    rng = np.random.default_rng(seed)
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.zeros((1, 2))
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    w = np.ones(len(edges)) if weight is None else np.asarray(weight, dtype=float)
    if len(w):
        # Heavy links pull harder, but not so hard that they crush the rest.
        w = np.clip(w / w.mean(), 0.2, 5.0)
    pos = rng.random((n, 2)) * 2 - 1 if initial is None else np.array(initial, dtype=float)
    k = 1.0 / np.sqrt(n)
    temperature = 0.1 * max(np.ptp(pos[:, 0]), np.ptp(pos[:, 1]), 1e-3)
    cooling = temperature / (iterations + 1)
    for step in range(iterations):
        if n <= sample:
            others, scale = pos, 1.0
        else:
            others, scale = pos[rng.choice(n, sample, replace=False)], n / sample
        disp = np.zeros_like(pos)
        ox, oy = others[:, 0].astype(np.float32), others[:, 1].astype(np.float32)
        rows = max(1, _CHUNK_PAIRS // len(others))
        for start in range(0, n, rows):
            part = pos[start : start + rows].astype(np.float32)
            dx = part[:, 0, None] - ox[None, :]
            dy = part[:, 1, None] - oy[None, :]
            push = dx * dx
            push += dy * dy
            np.maximum(push, 1e-6, out=push)
            np.divide(k * k * scale, push, out=push)
            disp[start : start + rows, 0] = (dx * push).sum(axis=1)
            disp[start : start + rows, 1] = (dy * push).sum(axis=1)
        if len(edges):
            a, b = edges[:, 0], edges[:, 1]
            d = pos[a] - pos[b]
            pull = d * (np.sqrt((d**2).sum(axis=1)) * w / k)[:, None]
            for axis in (0, 1):
                disp[:, axis] -= np.bincount(a, weights=pull[:, axis], minlength=n)
                disp[:, axis] += np.bincount(b, weights=pull[:, axis], minlength=n)
        # A light pull towards the centre keeps unlinked items on the canvas.
        centre = pos - pos.mean(axis=0)
        disp -= centre * (np.sqrt((centre**2).sum(axis=1)) / k)[:, None] * 0.05
        length = np.maximum(np.sqrt((disp**2).sum(axis=1)), 1e-9)
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        temperature -= cooling
        if step % 10 == 0:
            ctx.check_cancelled()
    # Scaled so that most items fill the square; the few far out (an item
    # linked to nothing drifts away) are brought in to its edge.
    pos -= np.median(pos, axis=0)
    radius = np.sqrt((pos**2).sum(axis=1))
    reach = float(np.quantile(radius, 0.98)) if n > 20 else float(radius.max())
    if reach <= 0:
        return pos
    far = radius > reach
    pos[far] *= (reach / radius[far])[:, None]
    return np.clip(pos / reach, -1.0, 1.0)
