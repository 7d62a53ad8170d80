"""The reader: a cross-encoder trained here (training/, docs/models.md) that reads a question and a sentence
together and scores whether the sentence answers it."""
