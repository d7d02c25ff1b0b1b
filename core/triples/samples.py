"""Turning annotated sentences into training arrays for the triple network."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from core.encoder.samples import pad_ids, padded_length
from core.encoder.spans import char_to_token_span
from core.encoder.tokenizer import Tokenizer
from core.formats.duie import Sentence


@dataclass
class TrainingSample:
    token_ids: list[int]
    # token span of a subject (start, end inclusive) -> its objects (start, end, predicate id)
    spo: dict[tuple[int, int], list[tuple[int, int, int]]]
    # 1/0 per predicate id: which predicates the sentence's source annotates (None: all)
    predicate_mask: np.ndarray | None = None


def _occurrences(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start >= 0 and needle:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


def encode_training_sentence(
    tokenizer: Tokenizer,
    sentence: Sentence,
    predicate_ids: dict[str, int],
    maxlen: int,
    predicate_mask: np.ndarray | None = None,
) -> TrainingSample | None:
    """Align each triple with the encoded text. A triple whose strings cannot be
    found (or fall beyond ``maxlen``) is dropped; a sentence left with no
    triple gives None. Spans recorded on the triple are used when present;
    otherwise the object occurrence closest to the subject is chosen."""
    enc = tokenizer.encode(sentence.text, maxlen=maxlen)
    spo: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for triple in sentence.triples:
        pid = predicate_ids.get(triple.predicate)
        if pid is None:
            continue
        if triple.subject_span is not None:
            s_starts = [triple.subject_span.start]
        else:
            s_starts = _occurrences(sentence.text, triple.subject)
        if triple.object_span is not None:
            o_starts = [triple.object_span.start]
        else:
            o_starts = _occurrences(sentence.text, triple.object)
        if not s_starts or not o_starts:
            continue
        s0 = s_starts[0]
        o0 = min(o_starts, key=lambda o: abs(o - s0))
        s_tok = char_to_token_span(enc.offsets, s0, s0 + len(triple.subject))
        o_tok = char_to_token_span(enc.offsets, o0, o0 + len(triple.object))
        if s_tok is None or o_tok is None:
            continue
        objects = spo.setdefault(s_tok, [])
        if (o_tok[0], o_tok[1], pid) not in objects:
            objects.append((o_tok[0], o_tok[1], pid))
    if not spo:
        return None
    return TrainingSample(enc.token_ids, spo, predicate_mask)


def training_batches(
    samples: Sequence[TrainingSample],
    n_predicates: int,
    batch_size: int,
    rng: np.random.Generator,
    max_length: int | None = None,
) -> Iterator[list[np.ndarray]]:
    """One pass over ``samples`` in random order. Each sample contributes all its
    subjects to the subject labels and one randomly chosen subject with its
    objects to the object labels: the network learns objects given a subject.

    Batches are drawn from pools of similar length (sorted within windows of
    ``pool`` batches of the shuffled order), so little time goes to padding;
    the order of the batches is shuffled again."""
    order = rng.permutation(len(samples))
    pool = batch_size * 50
    batches = []
    for begin in range(0, len(order), pool):
        window = sorted(order[begin : begin + pool], key=lambda i: len(samples[i].token_ids))
        batches += [window[k : k + batch_size] for k in range(0, len(window), batch_size)]
    for b in rng.permutation(len(batches)):
        chunk = [samples[i] for i in batches[b]]
        length = padded_length(max(len(s.token_ids) for s in chunk), max_length)
        token_ids = pad_ids([s.token_ids for s in chunk], length)
        segment_ids = np.zeros_like(token_ids)
        subject_labels = np.zeros((len(chunk), length, 2), dtype="float32")
        subject_ids = np.zeros((len(chunk), 2), dtype="int32")
        object_labels = np.zeros((len(chunk), length, n_predicates, 2), dtype="float32")
        predicate_mask = np.ones((len(chunk), n_predicates), dtype="float32")
        for i, sample in enumerate(chunk):
            if sample.predicate_mask is not None:
                predicate_mask[i] = sample.predicate_mask
            subjects = list(sample.spo)
            for s, e in subjects:
                subject_labels[i, s, 0] = 1
                subject_labels[i, e, 1] = 1
            chosen = subjects[rng.integers(len(subjects))]
            subject_ids[i] = chosen
            for o_s, o_e, p in sample.spo[chosen]:
                object_labels[i, o_s, p, 0] = 1
                object_labels[i, o_e, p, 1] = 1
        yield [token_ids, segment_ids, subject_labels, subject_ids, object_labels, predicate_mask]
