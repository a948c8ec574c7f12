"""Loops shipped with Overlap Lab: real post-processing on random-weight models, one file per kind.

Each file registers its loops in a module-level `LOOPS = {"name": factory}` table, and each is a
template: copy a file into the folder that $OVERLAP_LAB_LOOPS names, change the model, the batch
and the post-processing, and `python -m engine diagnose NAME` measures it.
"""
