"""The one place that prepares bert4keras 0.11.5 for TensorFlow 2.21 + tf-keras.

bert4keras was written for TF 1.x / Keras 2.3. On TensorFlow 2.21 it works with
a handful of shims, and every one of them lives here so the rest of the code can
simply call :func:`bert4keras` and use what it returns.

- ``TF_KERAS=1`` makes bert4keras alias ``keras`` to ``tf.keras``; and
  ``TF_USE_LEGACY_KERAS=1`` makes ``tf.keras`` the Keras 2 implementation from
  the ``tf-keras`` package (Keras 3 breaks bert4keras' custom layers). Both must
  be set before TensorFlow is imported for the first time.
- bert4keras' optimizers subclass ``keras.optimizers.Optimizer`` and rely on the
  pre-2.11 API, which tf-keras keeps as ``keras.optimizers.legacy.Optimizer``.
- Generators handed to ``Model.fit`` must yield ``(tuple(inputs),)``: tf-keras
  no longer accepts bert4keras' ``(list, None)``; see :func:`fit_batch`.
- tf-keras' unseeded initializers return the *same* values on every call, and
  bert4keras hands one initializer instance to the query, key, value and output
  projections of each attention layer: from scratch they would all start equal.
  The encoder's initializer is replaced by one that draws fresh values per call
  (still reproducible under :func:`set_seed`).
- ``save_weights_as_checkpoint`` is TF1-only; models are saved with Keras
  ``save_weights`` instead (see ``core.encoder.checkpoint``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

_REQUIRED_ENV = {"TF_KERAS": "1", "TF_USE_LEGACY_KERAS": "1"}


def _prepare_environment() -> None:
    if "tensorflow" in sys.modules:
        wrong = {k: os.environ.get(k) for k, v in _REQUIRED_ENV.items() if os.environ.get(k) != v}
        if wrong:
            raise RuntimeError(
                "TensorFlow was imported before core.compat could configure it "
                f"(environment {wrong}); import core.compat first."
            )
    for key, value in _REQUIRED_ENV.items():
        os.environ[key] = value
    # Quiet TensorFlow's C++ start-up chatter unless the user asked for it.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


_prepare_environment()


@dataclass(frozen=True)
class Bert4keras:
    """The bert4keras modules, ready for use on this TensorFlow."""

    tf: ModuleType
    keras: ModuleType
    K: Any
    backend: ModuleType
    layers: ModuleType
    models: ModuleType
    optimizers: ModuleType


_loaded: Bert4keras | None = None


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """TensorFlow's C++ start-up writes CUDA and oneDNN notices straight to file
    descriptor 2, before any log level applies. Hide them (a real import error
    is still raised as a Python exception) unless KGSTUDIO_DEBUG is set."""
    if os.environ.get("KGSTUDIO_DEBUG"):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def bert4keras() -> Bert4keras:
    """Import TensorFlow and bert4keras once, with the shims applied."""
    global _loaded
    if _loaded is not None:
        return _loaded
    with _quiet_native_stderr():
        import tensorflow as tf
        import tf_keras as keras

        tf.config.list_physical_devices()  # device discovery is the other noisy step

    if not hasattr(keras.optimizers, "legacy"):
        raise RuntimeError("tf-keras without keras.optimizers.legacy is not supported")
    # bert4keras subclasses `keras.optimizers.Optimizer` where `keras` is
    # `tf.keras`, a lazy alias of tf_keras: patch the alias it will see.
    keras.optimizers.Optimizer = keras.optimizers.legacy.Optimizer
    tf.keras.optimizers.Optimizer = keras.optimizers.legacy.Optimizer

    from bert4keras import backend, layers, models, optimizers

    class FreshTruncatedNormal(keras.initializers.Initializer):
        def __init__(self, stddev: float = 0.02) -> None:
            self.stddev = stddev

        def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
            return tf.random.truncated_normal(shape, stddev=self.stddev, dtype=dtype or "float32")

        def get_config(self) -> dict[str, Any]:
            return {"stddev": self.stddev}

    models.Transformer.initializer = property(lambda self: FreshTruncatedNormal(0.02))

    _loaded = Bert4keras(
        tf=tf,
        keras=keras,
        K=backend.K,
        backend=backend,
        layers=layers,
        models=models,
        optimizers=optimizers,
    )
    return _loaded


def fit_batch(inputs: list[Any]) -> tuple[tuple[Any, ...]]:
    """Wrap model inputs the way tf-keras' ``fit`` expects from a generator
    when the loss is added inside the model (no separate targets)."""
    return (tuple(inputs),)


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow together."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    bert4keras().tf.random.set_seed(seed)
