# The kernel, compiled for the 'baseline' build (flags in setup.py); see _kernel.pxi.
include "_kernel.pxi"
