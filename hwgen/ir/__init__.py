"""hwgen's own IR: integer datatypes, layers (frozen dataclasses), the graph and its verifier."""

from hwgen.ir.datatypes import BINARY, BIPOLAR, INT, TERNARY, UINT, DataType
from hwgen.ir.floatops import FloatOp, QuantSpec
from hwgen.ir.graph import GRAPH_INPUT, Epilogue, Graph, Prologue
from hwgen.ir.layers import (
    Add,
    Concat,
    Flatten,
    Layer,
    MatMul,
    MaxPool,
    SlidingWindow,
    Threshold,
    TopK,
)
from hwgen.ir.verify import verify

__all__ = [
    "GRAPH_INPUT",
    "Add",
    "Concat",
    "BINARY",
    "BIPOLAR",
    "INT",
    "TERNARY",
    "UINT",
    "DataType",
    "Epilogue",
    "Flatten",
    "FloatOp",
    "Graph",
    "Layer",
    "MatMul",
    "MaxPool",
    "Prologue",
    "QuantSpec",
    "SlidingWindow",
    "Threshold",
    "TopK",
    "verify",
]
