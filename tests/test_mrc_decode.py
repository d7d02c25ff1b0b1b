"""Windows over a passage, answers read back as exact character spans, and
each method's decoding rule on hand-made probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from core.encoder.tokenizer import Tokenizer
from core.mrc.decode import (
    best_mlm_span,
    best_pointer_span,
    constrained_beam_search,
    free_mlm_answer,
    pooled_greedy_search,
)
from core.mrc.windows import (
    NO_MATCH,
    SHARED_BIGRAM,
    SHARED_TOKEN,
    Layout,
    Window,
    answer_tokens,
    encode,
    passage_windows,
    question_ids,
    question_marks,
)

VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    *"甲乙丙丁戊己庚辛年发布",
    "2019",
    "apple",
    "##s",
]


@pytest.fixture
def tok():
    return Tokenizer(VOCAB)


def test_windows_cover_the_passage_and_keep_character_offsets(tok):
    context = "甲乙 丙丁戊己庚辛甲乙丙丁戊己庚"
    layout = Layout(question_len=4, passage_len=6, answer_len=3, stride=4)
    windows = passage_windows(tok, context, layout)
    n = len(tok.tokenize(context))
    assert [w.first for w in windows] == [0, 4, 8, n - 6]
    assert all(len(w.ids) == 6 for w in windows)
    covered = {w.first + i for w in windows for i in range(len(w.ids))}
    assert covered == set(range(n))
    w = windows[1]
    # window tokens 0..1 are passage tokens 4..5: 戊己 after the space
    assert w.char_span(0, 1) == (5, 7) and context[5:7] == "戊己"


def test_answer_spans_in_a_window_are_exact_or_absent(tok):
    context = "2019年 Apples 发布甲乙"
    whole = Window(0, tok.tokenize(context), tok.ids(tok.tokenize(context)))
    start = context.index("Apples")
    span = answer_tokens(whole, start, start + len("Apples"))
    assert whole.char_span(*span) == (start, start + 6)
    assert context[slice(*whole.char_span(*span))] == "Apples"
    # answers are whole tokens: part of a word piece is the piece ("apple" of "apple ##s")
    assert whole.char_span(*answer_tokens(whole, start, start + 3)) == (start, start + 5)
    part = Window(3, whole.tokens[3:], whole.ids[3:])
    assert answer_tokens(part, 0, 5) is None  # 2019年 starts before the window


def test_layouts_put_the_window_where_they_say(tok):
    layout = Layout(question_len=2, passage_len=4, answer_len=3, stride=3)
    window = passage_windows(tok, "甲乙丙丁", layout)[0]
    q = question_ids(tok, "戊己庚辛", layout)
    assert q == tok.ids(tok.tokenize("戊己"))
    for method in ("mlm", "seq2seq", "pointer"):
        enc = encode(method, tok, q, window, layout)
        assert enc.token_ids[enc.passage_at : enc.passage_at + 4] == window.ids
        assert len(enc.token_ids) == len(enc.segment_ids) <= layout.input_len(method)
    mlm = encode("mlm", tok, q, window, layout)
    assert mlm.token_ids[1:4] == [tok.mask_id] * 3


def test_question_marks_show_which_window_tokens_the_question_shares(tok):
    q = tok.ids(tok.tokenize("甲乙发布了什么"))
    p = tok.ids(tok.tokenize("丙甲乙丁发戊布"))
    # 甲乙 is a bigram of the question; 发 and 布 occur in it only one by one
    assert question_marks(q, p) == [
        NO_MATCH,
        SHARED_BIGRAM,
        SHARED_BIGRAM,
        NO_MATCH,
        SHARED_TOKEN,
        NO_MATCH,
        SHARED_TOKEN,
    ]
    layout = Layout(question_len=8, passage_len=7, answer_len=3, stride=5)
    window = passage_windows(tok, "丙甲乙丁发戊布", layout)[0]
    plain = encode("pointer", tok, q, window, layout)
    marked = encode("pointer", tok, q, window, layout, marks=True)
    assert marked.token_ids == plain.token_ids
    at = marked.passage_at
    assert plain.segment_ids[at:] == [1] * 8
    assert marked.segment_ids[:at] == [0] * at
    assert marked.segment_ids[at:] == [*question_marks(q, p), 1]


def _log_probs(rows, vocab=10, low=1e-6):
    """Each row a dict id -> probability; what is left goes to the last id,
    which no passage holds."""
    out = np.full((len(rows), vocab), low)
    for i, row in enumerate(rows):
        for k, p in row.items():
            out[i, k] = p
        out[i, -1] = max(low, 1 - out[i, :-1].sum())
    return np.log(out)


def test_mlm_answer_is_the_best_run_of_the_passage_ending_at_padding():
    passage = [5, 6, 7, 5, 6]
    # free argmax: 6 7 3 (3 never follows 6 7 in the passage), then padding
    lp = _log_probs([{6: 0.6, 5: 0.3}, {7: 0.7}, {3: 0.5, 0: 0.4}, {0: 0.9}])
    assert free_mlm_answer(lp, 0) == [6, 7, 3]
    best = best_mlm_span(lp, passage, 0)
    assert (best.start, best.end) == (1, 2)  # 6 7, then padding
    assert best.steps == 3
    assert best.log_prob == pytest.approx(lp[0, 6] + lp[1, 7] + lp[2, 0])
    # padding first: the best non-empty run is still returned, with a low score
    empty = _log_probs([{0: 0.97}, {0: 0.97}, {0: 0.97}, {0: 0.97}])
    assert best_mlm_span(empty, passage, 0).probability < best.probability
    # a run as long as the masks needs no padding after it
    full = _log_probs([{7: 0.9}, {5: 0.9}, {6: 0.9}])
    cand = best_mlm_span(full, passage, 0)
    assert (cand.start, cand.end, cand.steps) == (2, 4, 3)


def test_mlm_length_penalty_lets_a_longer_sure_answer_win():
    passage = [5, 6, 7, 8]
    # "5" then padding: 0.6 * 0.5; "5 6 7" then padding: 0.6 * 0.8 * 0.8 * 0.5
    lp = _log_probs([{5: 0.6}, {6: 0.8, 0: 0.5}, {7: 0.8}, {0: 0.5}, {0: 0.9}])
    plain = best_mlm_span(lp, passage, 0)
    assert (plain.start, plain.end) == (0, 0)
    longer = best_mlm_span(lp, passage, 0, length_penalty=1.0)
    assert (longer.start, longer.end) == (0, 2)
    assert longer.rank == pytest.approx(longer.log_prob / 4)


def test_pointer_answer_ends_at_or_after_its_start_within_the_longest_answer():
    start = np.log(np.array([0.1, 0.6, 0.1, 0.2]))
    end = np.log(np.array([0.7, 0.05, 0.05, 0.2]))
    best = best_pointer_span(start, end, max_len=4)
    assert (best.start, best.end) == (1, 3)  # end 0 is before every likely start
    short = best_pointer_span(start, end, max_len=2)
    assert (short.start, short.end) == (0, 0)


def test_pointer_windows_are_ranked_by_odds_against_their_no_answer():
    # Window 0 puts more of its span mass on one run, but is far surer than
    # window 1 that it holds no answer at all: window 1's run wins.
    sure_span = np.log(np.array([0.9, 0.05, 0.05]))
    vague_span = np.log(np.array([0.6, 0.2, 0.2]))
    empty = best_pointer_span(sure_span, sure_span, 3, window=0, null_log_prob=2 * np.log(0.95))
    holding = best_pointer_span(vague_span, vague_span, 3, window=1, null_log_prob=2 * np.log(0.05))
    assert empty.log_prob > holding.log_prob
    assert holding.rank > empty.rank
    assert max([empty, holding], key=lambda c: c.rank).window == 1
    assert 0 < holding.probability <= 1  # the score people see stays a probability


def test_beam_search_only_grows_runs_of_the_window_and_picks_the_best_window():
    end = 3
    passages = [[[5, 6, 7], [6, 5, 7]]]  # one question, two windows
    prefer = {(): {6: 0.6, 7: 0.1}, (6,): {7: 0.6, 5: 0.3}, (6, 7): {end: 0.9}, (6, 5): {end: 0.2}}
    calls = []

    def next_log_probs(prefixes):
        calls.append(len(prefixes))
        rows = []
        for _, window, ids in prefixes:
            row = dict(prefer.get(tuple(ids), {end: 0.9}))
            if window == 1 and ids == [6]:
                row = {5: 0.3}  # in window 1, 6 is followed by 5 only
            rows.append(row)
        return _log_probs(rows)

    (best,) = constrained_beam_search(passages, next_log_probs, end, max_len=3, beam_size=2)
    assert (best.window, best.start, best.end) == (0, 1, 2)  # 6 7 in window 0
    assert calls[0] == 2  # both windows read once at the first step
    assert best.log_prob == pytest.approx(np.log(0.6 * 0.6 * 0.9))


def test_beam_search_length_penalty_keeps_growing_a_sure_continuation():
    end = 3
    passages = [[[5, 6, 7, 8]]]
    # 5 may end (0.3) or go on to 6 7 with certainty, then end (0.9)
    prefer = {(): {5: 0.9}, (5,): {6: 0.7, end: 0.3}, (5, 6): {7: 0.95}, (5, 6, 7): {end: 0.9}}

    def next_log_probs(prefixes):
        return _log_probs([prefer.get(tuple(ids), {end: 0.05}) for _, _, ids in prefixes])

    def answer(penalty):
        (best,) = constrained_beam_search(passages, next_log_probs, end, 4, 2, penalty)
        return best.start, best.end

    # "5" ended: 0.9 * 0.3 = 0.27; "5 6 7" ended: 0.9 * 0.7 * 0.95 * 0.9 = 0.54
    assert answer(0.0) == (0, 2)
    assert answer(1.0) == (0, 2)
    prefer[(5, 6, 7)] = {end: 0.4}  # 0.24 < 0.27: the plain rule stops at "5"
    assert answer(0.0) == (0, 0)
    assert answer(1.0) == (0, 2)  # mean log-probability: 0.24 ** (1/4) > 0.27 ** (1/2)


def test_beam_search_answers_several_questions_and_none_for_an_empty_passage():
    def next_log_probs(prefixes):
        return _log_probs([{5: 0.9} if not ids else {3: 0.9} for _, _, ids in prefixes])

    found = constrained_beam_search([[[5, 6]], [[]]], next_log_probs, 3, max_len=2, beam_size=2)
    assert (found[0].start, found[0].end) == (0, 0)
    assert found[1] is None


def test_pooled_search_votes_over_the_windows_that_do_not_end_at_once():
    end = 3
    passages = [[[5, 6, 7], [8, 9], [6, 5]], [[8, 9]]]
    calls = []

    def next_log_probs(prefixes):
        calls.append([(q, w, tuple(ids)) for q, w, ids in prefixes])
        rows = []
        for q, w, ids in prefixes:
            if q == 1 or w == 1:
                rows.append({end: 0.9})  # ends at once: leaves the vote
            elif not ids:
                rows.append({6: 0.6, 5: 0.2})
            elif w == 0:
                rows.append({7: 0.5, end: 0.4})
            else:
                rows.append({5: 0.3, end: 0.6})
        return _log_probs(rows)

    found = pooled_greedy_search(passages, next_log_probs, end, max_len=3)
    # after 6, votes sum p² / (sum p + 1): 7 gets 0.5²/1.5 = 0.17, 5 gets 0.3²/1.3 = 0.07,
    # the end (0.4² + 0.6²) / 2 = 0.26 from the two windows: the answer is 6
    assert found[1] is None  # its only window ends at once
    best = found[0]
    assert (best.window, best.start, best.end) == (0, 1, 1)  # 6, in window 0
    assert [len(c) for c in calls] == [4, 2]  # every window, then the two still voting
