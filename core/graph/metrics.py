"""Comparing partitions: normalised and adjusted mutual information.

NMI uses the arithmetic mean of the two entropies; AMI corrects for chance
with the expected mutual information of random partitions of the same sizes
(Vinh, Epps & Bailey 2010), as most libraries report it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from scipy.special import gammaln


def _contingency(a: Sequence[Hashable], b: Sequence[Hashable]) -> np.ndarray:
    _, ai = np.unique(np.asarray(a, dtype=object).astype(str), return_inverse=True)
    _, bi = np.unique(np.asarray(b, dtype=object).astype(str), return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(table, (ai, bi), 1)
    return table


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def _mutual_information(table: np.ndarray) -> float:
    n = table.sum()
    rows, cols = table.sum(1, keepdims=True), table.sum(0, keepdims=True)
    nz = table > 0
    return float((table[nz] / n * np.log(table[nz] * n / (rows @ cols)[nz])).sum())


def _expected_mutual_information(table: np.ndarray) -> float:
    n = int(table.sum())
    a, b = table.sum(1).astype(int), table.sum(0).astype(int)
    emi = 0.0
    for ai in a:
        for bj in b:
            lo, hi = max(1, ai + bj - n), min(ai, bj)
            if lo > hi:
                continue
            nij = np.arange(lo, hi + 1)
            log_p = (
                gammaln(ai + 1)
                + gammaln(bj + 1)
                + gammaln(n - ai + 1)
                + gammaln(n - bj + 1)
                - gammaln(n + 1)
                - gammaln(nij + 1)
                - gammaln(ai - nij + 1)
                - gammaln(bj - nij + 1)
                - gammaln(n - ai - bj + nij + 1)
            )
            emi += float((nij / n * np.log(n * nij / (ai * bj)) * np.exp(log_p)).sum())
    return emi


def nmi(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    table = _contingency(a, b)
    ha, hb = _entropy(table.sum(1)), _entropy(table.sum(0))
    if ha == 0 and hb == 0:
        return 1.0
    return _mutual_information(table) / ((ha + hb) / 2)


def ami(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    table = _contingency(a, b)
    ha, hb = _entropy(table.sum(1)), _entropy(table.sum(0))
    if ha == 0 and hb == 0:
        return 1.0
    mi, emi = _mutual_information(table), _expected_mutual_information(table)
    denominator = (ha + hb) / 2 - emi
    return float((mi - emi) / denominator) if abs(denominator) > 1e-12 else 0.0
