"""How much a mention's context and a candidate's whole description have in
common, as a few numbers the ranker reads beside its encoder.

The encoder sees the context and the first hundred or so characters of the
description; what tells two entities of one name apart is often further on
(a fact, the name of a singer in the abstract's third sentence). Shared
character n-grams between the context (the mention itself left out) and the
entire description, facts included, carry that to the ranker at no cost in
sequence length: the share of the context's bigrams, trigrams and 4-grams
found in the description, and the number of shared bigrams.
"""

from __future__ import annotations

import re

import numpy as np

from core.linking.kb import Entity

PAIR_FEATURES = 4
CONTEXT_CHARS = 40
_NOT_CONTENT = re.compile(r"[\s，。、；：！？,.;:!?（）()《》“”\"'【】\[\]·…\-—]")
SHARED_BIGRAMS_FULL = 20  # shared bigrams at which the count feature is 1


def _grams(text: str, n: int) -> set[str]:
    return {
        text[i : i + n]
        for i in range(len(text) - n + 1)
        if not _NOT_CONTENT.search(text[i : i + n])
    }


def entity_text(entity: Entity) -> str:
    """Everything the KB says of the entity, in one string."""
    return "；".join(f"{p}：{o}" for p, o in entity.data)


def pair_features(text: str, start: int, end: int, description: str) -> np.ndarray:
    """``description``: :func:`entity_text` of the candidate."""
    mention = text[start:end]
    context = text[max(0, start - CONTEXT_CHARS) : start] + "|" + text[end : end + CONTEXT_CHARS]
    if mention:
        description = description.replace(mention, "|")
    out = np.zeros(PAIR_FEATURES, dtype="float32")
    for k, n in enumerate((2, 3, 4)):
        mine = _grams(context, n)
        if mine:
            out[k] = len(mine & _grams(description, n)) / len(mine)
    shared = len(_grams(context, 2) & _grams(description, 2))
    out[3] = min(1.0, shared / SHARED_BIGRAMS_FULL)
    return out
