"""Pure NLP/ML for liaison-triage: normalize, tokenize, featurize, classify, evaluate, model files.

Knows nothing of the database, HTTP or chat (DESIGN.md: api → triage → classifier).
"""
