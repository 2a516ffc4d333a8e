"""The kernel build is chosen once per process, and build_info reports that choice."""
import numpy as np
import pytest

import fastnn
from fastnn import _dispatch

from conftest import random_problem


def test_build_info_keeps_naming_the_build_train_uses(monkeypatch):
    before = fastnn.build_info()
    others = [build for build in _dispatch.available_builds() if build != before["build"]]
    if not others:
        pytest.skip("only one kernel build runs on this machine")
    # Setting the variable after import changes nothing: the build was chosen at
    # import, and build_info must keep saying which.
    monkeypatch.setenv("FASTNN_KERNEL", others[0])
    info = fastnn.build_info()
    assert (info["build"], info["forced_by_env"]) == (before["build"], before["forced_by_env"])
    # The builds' costs differ in the last bits (see test_kernels), so this tells
    # which one train ran.
    X, Y = random_problem(2, 300, seed=3)
    used = fastnn.train(X, Y, num_iterations=200)
    named = fastnn.train(X, Y, num_iterations=200, kernel=info["build"])
    np.testing.assert_array_equal(used.costs, named.costs)
    assert not np.array_equal(used.costs, fastnn.train(X, Y, num_iterations=200, kernel=others[0]).costs)
