"""File writing below every other floor (datasets, engine, benchmark)."""
from .safe_write import (DiskFullError, save_atomic, torch_save_atomic,
                         write_bytes_atomic, write_text_atomic)

__all__ = ['DiskFullError', 'save_atomic', 'torch_save_atomic',
           'write_bytes_atomic', 'write_text_atomic']
