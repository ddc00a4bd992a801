"""Maintenance tools for the migrate package (need TensorFlow; never imported by the engine)."""
