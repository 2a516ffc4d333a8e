# The kernel, compiled for the 'x86_64_v4' build (flags in setup.py); see _kernel.pxi.tp.
include "_kernel.pxi"
