"""A toy circuit for the spine's tests (``circuit.name: toy.circuit``)."""
