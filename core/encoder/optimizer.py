"""The optimizer every model here trains with, and the optional weight average.

The average is kept here rather than in bert4keras' EMA optimizer subclass:
on tf-keras that subclass updates the average twice per step for gathered
variables (the embeddings): Adam's sparse update calls the dense one, which
already updates the average, then the subclass' own sparse update runs again.
The averaged token embeddings came out about ``1 + momentum**t`` times too
large. :class:`WeightAverage` updates each variable once per step, after the
step, and only from ``start_step`` on, so an average never starts from the
random initial weights.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import bert4keras


def make_optimizer(learning_rate: float, warmup_steps: int, total_steps: int) -> Any:
    """Adam with linear warm-up to ``learning_rate``, then linear decay to 10%
    at ``total_steps``."""
    b4k = bert4keras()
    opt = b4k.optimizers
    cls = opt.extend_with_piecewise_linear_lr(opt.Adam, name="AdamLR")
    warmup = max(1, warmup_steps)
    schedule = {warmup: 1.0, max(warmup + 1, total_steps): 0.1}
    return cls(learning_rate=learning_rate, lr_schedule=schedule)


class WeightAverage:
    """Exponential moving average of a model's weights, from ``start_step`` on.

    Call :meth:`update` after every training step with the number of steps
    done; :meth:`applied` swaps the average in (to evaluate and save it) and
    the raw weights back afterwards. ``momentum`` 0 disables it."""

    def __init__(self, model: Any, momentum: float, start_step: int = 0) -> None:
        self.model = model
        self.momentum = float(momentum)
        self.start_step = int(start_step)
        self._average: list[Any] | None = None  # tf.Variables, created at start_step

    @property
    def enabled(self) -> bool:
        return self.momentum > 0

    @property
    def active(self) -> bool:
        """True once averaging has started (before that, ``applied`` is a no-op)."""
        return self._average is not None

    def update(self, steps_done: int) -> None:
        if not self.enabled or steps_done < self.start_step:
            return
        tf = bert4keras().tf
        weights = self.model.weights
        if self._average is None:
            self._average = [tf.Variable(w, trainable=False) for w in weights]
            return
        m = self.momentum
        for avg, w in zip(self._average, weights, strict=True):
            avg.assign(m * avg + (1.0 - m) * w)

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        if self._average is None:
            yield
            return
        raw = [w.numpy() for w in self.model.weights]
        for w, avg in zip(self.model.weights, self._average, strict=True):
            w.assign(avg)
        try:
            yield
        finally:
            for w, value in zip(self.model.weights, raw, strict=True):
                w.assign(value)

    def save(self, path: Path) -> None:
        if self._average is None:
            Path(path).unlink(missing_ok=True)
            return
        np.savez(path, *[a.numpy() for a in self._average])

    def restore(self, path: Path) -> None:
        path = Path(path)
        if not self.enabled or not path.exists():
            return
        tf = bert4keras().tf
        saved = np.load(path)
        self._average = [
            tf.Variable(saved[f"arr_{i}"], trainable=False) for i in range(len(saved.files))
        ]
