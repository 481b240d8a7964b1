"""Training recipes that produce QONNX models for hwgen.

Each flow is a runnable package (``python -m flows.<name> --help``) that trains a Brevitas model,
exports it to QONNX and writes ``results.json`` / ``results.md``. Shared code (datasets, model
builders, the training loop, export and reporting) lives in ``flows.common``.
"""
