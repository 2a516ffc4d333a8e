# The kernel, compiled for the 'baseline' build (flags in setup.py); see _kernel.pxi.tp.
include "_kernel.pxi"
