"""Training data, training script and evaluation for the classifier head and fusion.

Nothing in here is imported at inference time; it needs scikit-learn (a project dependency) and,
for the C-SSRS figures, the third-party data under ``../shared/datasets`` (never copied here).
"""
