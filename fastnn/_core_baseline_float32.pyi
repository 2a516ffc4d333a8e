# The baseline_float32 module has the interface of the baseline build.
from fastnn._core_baseline import *  # noqa: F403
