"""circuitsim: spiking-network models of four 2025-2026 findings on anxiety and negative emotion.

Run ``python -m circuitsim --help`` for the command line; see README.md for the layout.
"""

__version__ = "0.1.0"
