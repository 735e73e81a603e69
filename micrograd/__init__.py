"""micrograd: a tiny scalar autograd engine that makes backpropagation visible."""

from micrograd.engine import Value, value_sum, weighted_sum
from micrograd.nn import MLP, Layer, Module, Neuron

__version__ = "1.0.0"
__all__ = ["MLP", "Layer", "Module", "Neuron", "Value", "value_sum", "weighted_sum"]
