"""Shared panels and the talk style for every experiment's figure."""
