import numpy as np
import numpy.typing as npt

def epoch_orders(
    random_state: np.random.RandomState,
    sample_idx: npt.NDArray[np.intp],
    orders: npt.NDArray[np.intp],
) -> bool: ...
