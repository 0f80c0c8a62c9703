"""uprising: a fast simulator of mass uprisings."""
__version__ = "0.1.0"
