"""The dictionary baseline: longest alias matches, each linked to its most
likely entity by alias prior alone (what a linker does without a model).

Linking results are compared against it, and it links when no model is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.linking.candidates import AliasIndex, by_prior
from core.linking.queries import Mention


def link_by_prior(texts: Sequence[str], index: AliasIndex) -> list[list[Mention]]:
    out = []
    for text in texts:
        mentions = []
        for m in index.longest_matches(text):
            ranked = by_prior(m.candidates)
            best = ranked[0]
            mentions.append(
                Mention(
                    m.start,
                    m.end,
                    m.alias,
                    best.entity_id,
                    best.prior,
                    tuple((c.entity_id, c.prior) for c in ranked),
                )
            )
        out.append(mentions)
    return out
