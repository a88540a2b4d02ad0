"""Matching: normalise identities, encode them under a key, block, score and explain.

Pure code: no I/O, no framework, no database. The gateway uses `normalise` and `encode` (it holds
the linkage secret); the hub uses only `score`, which sees encodings and nothing else.
"""
