"""Google-format BERT checkpoints really load, and ours round-trip."""

from __future__ import annotations

import numpy as np


def test_tiny_tf1_checkpoint_weights_are_loaded(data_dir) -> None:
    from core.compat import bert4keras
    from core.encoder.bert import build_bert, find_checkpoint, read_bert_config

    tf = bert4keras().tf
    folder = find_checkpoint(data_dir / "tiny_ckpt")
    config = read_bert_config(folder.config_path)
    bert = build_bert(config, checkpoint=folder.checkpoint)
    reader = tf.train.load_checkpoint(folder.checkpoint)
    embeddings = bert.model.get_layer("Embedding-Token").get_weights()[0]
    np.testing.assert_array_equal(embeddings, reader.get_tensor("bert/embeddings/word_embeddings"))
    query = bert.model.get_layer("Transformer-1-MultiHeadSelfAttention").get_weights()[0]
    np.testing.assert_array_equal(
        query, reader.get_tensor("bert/encoder/layer_1/attention/self/query/kernel")
    )


def test_a_checkpoint_we_write_loads_back_identically(data_dir, tmp_path) -> None:
    from core.encoder.bert import build_bert, find_checkpoint, read_bert_config
    from core.encoder.checkpoint import write_google_checkpoint
    from core.encoder.tokenizer import load_vocab

    src = find_checkpoint(data_dir / "tiny_ckpt")
    config = read_bert_config(src.config_path)
    original = build_bert(config, checkpoint=src.checkpoint)
    write_google_checkpoint(original, tmp_path / "copy", config, load_vocab(src.vocab_path))
    copy = find_checkpoint(tmp_path / "copy")
    again = build_bert(read_bert_config(copy.config_path), checkpoint=copy.checkpoint)
    for a, b in zip(original.model.get_weights(), again.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_pretrained_embeddings_are_sliced_to_a_cut_vocabulary(data_dir) -> None:
    from core.encoder.bert import build_bert, find_checkpoint, read_bert_config

    folder = find_checkpoint(data_dir / "tiny_ckpt")
    config = read_bert_config(folder.config_path)
    full = build_bert(config, checkpoint=folder.checkpoint)
    keep = [0, 1, 2, 3, 4, 7, 9]
    cut = build_bert(config, checkpoint=folder.checkpoint, keep_tokens=keep)
    table = full.model.get_layer("Embedding-Token").get_weights()[0]
    np.testing.assert_array_equal(
        cut.model.get_layer("Embedding-Token").get_weights()[0], table[keep]
    )


def test_more_segment_types_than_the_checkpoint_start_as_its_last_row(data_dir) -> None:
    from core.encoder.bert import build_bert, find_checkpoint, read_bert_config

    folder = find_checkpoint(data_dir / "tiny_ckpt")
    config = read_bert_config(folder.config_path)
    saved = build_bert(config, checkpoint=folder.checkpoint, with_mlm=True)
    wide = build_bert({**config, "type_vocab_size": 4}, checkpoint=folder.checkpoint, with_mlm=True)
    rows = saved.model.get_layer("Embedding-Segment").get_weights()[0]
    table = wide.model.get_layer("Embedding-Segment").get_weights()[0]
    assert table.shape[0] == 4
    np.testing.assert_array_equal(table[:2], rows)
    np.testing.assert_array_equal(table[2], rows[1])
    np.testing.assert_array_equal(table[3], rows[1])
    for layer in saved.model.layers:
        if layer.name != "Embedding-Segment":
            for a, b in zip(
                layer.get_weights(), wide.model.get_layer(layer.name).get_weights(), strict=True
            ):
                np.testing.assert_array_equal(a, b)


def test_pre_training_goes_on_from_a_checkpoint_with_its_vocabulary(data_dir, tmp_path) -> None:
    from cli.app import main
    from core.compat import bert4keras
    from core.encoder.tokenizer import load_vocab

    tf = bert4keras().tf
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("all work and no play makes jack a dull boy\n" * 8, encoding="utf-8")
    base, out = data_dir / "tiny_ckpt", tmp_path / "more"
    args = ["pretrain", "mlm", "--corpus", str(corpus), "--base", str(base), "--out", str(out)]
    assert main([*args, "--cut-vocab"]) == 2 and not out.exists()
    assert main(args) == 2 and not out.exists()  # 128 tokens: the base has 16 positions
    assert main([*args, "--steps", "2", "--batch-size", "2", "--maxlen", "12"]) == 0
    assert load_vocab(out / "vocab.txt") == load_vocab(base / "vocab.txt")
    name = "bert/embeddings/word_embeddings"
    before = tf.train.load_variable(str(base / "bert_model.ckpt"), name)
    after = tf.train.load_variable(str(out / "bert_model.ckpt"), name)
    # two small steps from the base's weights, not a fresh start
    assert before.shape == after.shape and 0 < np.abs(after - before).max() < 0.01


def test_an_encoder_taken_from_a_triple_model_gets_an_mlm_head_back(
    tiny_model, tiny_model_dir, tmp_path, capsys
) -> None:
    """The MLM and seq2seq answerers need the pre-training head, which a
    triple model does not keep: ``--mlm-head`` writes one beside its encoder."""
    import pytest

    from cli.app import main
    from core.compat import bert4keras
    from core.encoder.bert import build_bert
    from core.encoder.checkpoint import write_google_checkpoint
    from core.errors import BadInput

    tf = bert4keras().tf
    vocab, config = tiny_model.tokenizer.vocab, tiny_model.bert_config
    head_base = write_google_checkpoint(
        build_bert(config, with_mlm=True), tmp_path / "base", config, vocab
    )
    bias = "cls/predictions/output_bias"
    bare, headed = tmp_path / "bare", tmp_path / "headed"
    args = ["pretrain", "from-model", "--model", str(tiny_model_dir)]
    assert main([*args, "--out", str(bare)]) == 0
    with pytest.raises(BadInput, match="no MLM head.*--mlm-head"):
        build_bert(config, checkpoint=str(bare / "bert_model.ckpt"), with_mlm=True)
    assert main([*args, "--out", str(headed), "--mlm-head", str(head_base)]) == 0
    bert = build_bert(config, checkpoint=str(headed / "bert_model.ckpt"), with_mlm=True)
    expected = tf.train.load_variable(str(head_base / "bert_model.ckpt"), bias)
    assert np.allclose(bert.layers["MLM-Bias"].get_weights()[0], expected)
    # The encoder is the triple model's, not the head's base.
    name = "bert/embeddings/word_embeddings"
    assert np.allclose(
        tf.train.load_variable(str(headed / "bert_model.ckpt"), name),
        tf.train.load_variable(str(bare / "bert_model.ckpt"), name),
    )
    capsys.readouterr()
    other = write_google_checkpoint(
        build_bert(config, with_mlm=True), tmp_path / "other", config, [*vocab[:-1], "☃"]
    )
    assert main([*args, "--out", str(tmp_path / "no"), "--mlm-head", str(other)]) == 2
    assert "vocabulary" in capsys.readouterr().err and not (tmp_path / "no").exists()


def test_a_checkpoint_is_replaced_whole_or_not_at_all(tiny_model, tmp_path, monkeypatch) -> None:
    import pytest

    import core.encoder.checkpoint as checkpoint

    bert, config, vocab = (
        tiny_model.network.bert,
        tiny_model.bert_config,
        tiny_model.tokenizer.vocab,
    )
    folder = checkpoint.write_google_checkpoint(bert, tmp_path / "enc", config, vocab)
    (folder / "pretraining.json").write_text("{}", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(path, tokens):
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint, "save_vocab", broken)
    with pytest.raises(OSError):
        checkpoint.write_google_checkpoint(bert, folder, {**config, "note": 1}, vocab)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    monkeypatch.undo()
    checkpoint.write_google_checkpoint(bert, folder, {**config, "note": 1}, vocab)
    assert (folder / "pretraining.json").read_text() == "{}"  # files it does not write stay
    assert '"note": 1' in (folder / "bert_config.json").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["enc"]  # nothing left beside it
