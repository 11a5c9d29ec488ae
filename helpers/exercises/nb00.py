"""Checkers of 00_start_here.ipynb."""

from ._core import exercise
from ._hints import number

SLICES, ROWS, COLUMNS, BYTES_PER_PIXEL = 500, 512, 512, 2  # the study of the question: 16-bit pixels


@exercise("00-study-size")
def study_size(study_mib):
    """The size in MiB of a CT study of 500 slices of 512 x 512 pixels stored in 16 bits."""
    return number(study_mib, expected=SLICES * ROWS * COLUMNS * BYTES_PER_PIXEL / 2**20, rtol=0.01, unit="MiB")
