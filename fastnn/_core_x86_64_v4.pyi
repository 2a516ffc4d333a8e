# The x86_64_v4 module has the interface of the baseline build.
from fastnn._core_baseline import *  # noqa: F403
