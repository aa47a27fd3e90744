"""Observation models: they take a run's activity (and static circuit facts) in and return numbers.

They never change a circuit. Each function returns a dict of named measures for one run; the
Results table (:mod:`circuitsim.results`) gathers them over conditions and virtual mice.
"""
