# The x86_64_v3_float32 module has the interface of the baseline build.
from fastnn._core_baseline import *  # noqa: F403
