"""Models served by a child process give the same triples as in-process."""

from __future__ import annotations

import pytest

from core.jobs import JobContext
from core.triples.model_process import ModelProcess
from tests.conftest import TEXTS


def test_child_process_predictions_equal_in_process_ones(tiny_model, tiny_model_dir) -> None:
    parts = []
    models = ModelProcess()
    try:
        origin, n = models.predict_documents(
            tiny_model_dir,
            list(enumerate(TEXTS)),
            JobContext(on_partial=parts.append),
            batch_size=1,
        )
        with pytest.raises(RuntimeError, match="not a folder"):
            models.predict_documents(tiny_model_dir / "missing", [(0, "x")])
        # the process survives a failed request
        assert models.predict_documents(tiny_model_dir, [(5, TEXTS[0])])[1] == 1
    finally:
        models.close()
    assert n == len(TEXTS) and origin == f"{tiny_model.info.name}@{tiny_model.info.version}"
    got = {doc: [t.key() for t in ts] for _, batch in parts for doc, ts in batch}
    expected = {i: [t.key() for t in ts] for i, ts in enumerate(tiny_model.extract(TEXTS))}
    assert got == expected
