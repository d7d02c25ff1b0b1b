"""Comparing partitions: normalised and adjusted mutual information.

NMI uses the arithmetic mean of the two entropies; AMI corrects for chance
with the expected mutual information of random partitions of the same sizes
(Vinh, Epps & Bailey 2010), as most libraries report it. Both work from the
non-empty cells of the contingency table only, so 100,000 nodes in thousands
of modules stay cheap.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from scipy.special import gammaln


def _codes(labels: Sequence[Hashable]) -> np.ndarray:
    # A dict rather than np.unique: labels may be tuples (module paths) or a
    # mix of ints and strings, which numpy would reshape or refuse to sort.
    index: dict[Hashable, int] = {}
    return np.fromiter((index.setdefault(x, len(index)) for x in labels), dtype=np.int64)


def _cells(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[np.ndarray, ...]:
    """(row sums, column sums, non-empty cell counts with their row and column)."""
    if len(a) != len(b):
        raise ValueError(f"partitions of different lengths ({len(a)} and {len(b)})")
    ai, bi = _codes(a), _codes(b)
    rows = np.bincount(ai).astype(float)
    cols = np.bincount(bi).astype(float)
    joint, counts = np.unique(ai * len(cols) + bi, return_counts=True)
    return rows, cols, counts.astype(float), joint // len(cols), joint % len(cols)


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def _mutual_information(
    rows: np.ndarray, cols: np.ndarray, nij: np.ndarray, r: np.ndarray, c: np.ndarray
) -> float:
    n = rows.sum()
    return float((nij / n * np.log(nij * n / (rows[r] * cols[c]))).sum())


def expected_mutual_information(rows: np.ndarray, cols: np.ndarray) -> float:
    """E[MI] over random partitions with these cluster sizes (hypergeometric
    model). Clusters of equal size give equal terms, so the sum runs over the
    distinct sizes, weighted by how often each occurs."""
    n = int(rows.sum())
    a_sizes, a_mult = np.unique(rows.astype(np.int64), return_counts=True)
    b_sizes, b_mult = np.unique(cols.astype(np.int64), return_counts=True)
    log_n_fact = gammaln(n + 1)
    emi = 0.0
    for a, ma in zip(a_sizes, a_mult, strict=True):
        lo = np.maximum(1, a + b_sizes - n)
        hi = np.minimum(a, b_sizes)
        lengths = np.maximum(0, hi - lo + 1)
        if not lengths.any():
            continue
        # every (b, nij) pair for this a, flattened
        b = np.repeat(b_sizes, lengths)
        mb = np.repeat(b_mult, lengths)
        starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
        nij = starts + np.arange(lengths.sum())
        log_p = (
            gammaln(a + 1)
            + gammaln(b + 1)
            + gammaln(n - a + 1)
            + gammaln(n - b + 1)
            - log_n_fact
            - gammaln(nij + 1)
            - gammaln(a - nij + 1)
            - gammaln(b - nij + 1)
            - gammaln(n - a - b + nij + 1)
        )
        term = nij / n * np.log(n * nij / (a * b.astype(float))) * np.exp(log_p)
        emi += float(ma * (mb * term).sum())
    return emi


def nmi(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Normalised mutual information of two labelings of the same items."""
    rows, cols, nij, r, c = _cells(a, b)
    ha, hb = _entropy(rows), _entropy(cols)
    if ha == 0 and hb == 0:
        return 1.0  # both put everything in one cluster: they agree
    return _mutual_information(rows, cols, nij, r, c) / ((ha + hb) / 2)


def ami(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Adjusted mutual information: 1 for identical partitions, about 0 for
    independent ones, whatever the number of clusters."""
    rows, cols, nij, r, c = _cells(a, b)
    ha, hb = _entropy(rows), _entropy(cols)
    if ha == 0 and hb == 0:
        return 1.0
    mi = _mutual_information(rows, cols, nij, r, c)
    emi = expected_mutual_information(rows, cols)
    denominator = (ha + hb) / 2 - emi
    return float((mi - emi) / denominator) if abs(denominator) > 1e-12 else 0.0
