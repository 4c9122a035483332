"""File writing below every other floor (datasets, engine, benchmark)."""
from .safe_write import write_text_atomic

__all__ = ['write_text_atomic']
