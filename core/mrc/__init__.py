"""Reading comprehension: answering a question from a passage with the shared
encoder, three ways (MLM, UniLM seq2seq, start/end pointer)."""
