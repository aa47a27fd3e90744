"""Shared building blocks: AdEx neurons, receptor kinetics, synapses and Poisson background.

Every circuit assembles these; none of them holds a number of its own (numbers come from configs).
"""
