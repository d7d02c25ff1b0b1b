"""What resumable training loops share: optimizer state on disk, and Ctrl-C."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import bert4keras


def save_optimizer(optimizer: Any, path: Path) -> None:
    np.savez(path, *optimizer.get_weights())


def restore_optimizer(model: Any, path: Path) -> None:
    """Load optimizer state saved by :func:`save_optimizer` into a compiled model."""
    if not path.exists():
        return
    opt = model.optimizer
    tf = bert4keras().tf
    # Slots are created lazily; a zero-gradient step creates them (and changes
    # nothing that set_weights does not overwrite).
    opt.apply_gradients([(tf.zeros_like(w), w) for w in model.trainable_weights])
    saved = np.load(path)
    opt.set_weights([saved[f"arr_{i}"] for i in range(len(saved.files))])


class SigintFlag:
    """While active, Ctrl-C sets ``raised`` instead of interrupting at a random
    point, so a loop can save its state first. Outside the main thread (the GUI's
    workers) it does nothing: cancellation goes through the job context."""

    def __init__(self) -> None:
        self.raised = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> SigintFlag:
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        except ValueError:
            pass
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        self.raised = True

    def __exit__(self, *exc: Any) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
