"""The study's own NumPy code, as the course writes it: the speed baseline.

The initialisation study is the "Initialization" assignment of the deep-learning
course "Improving Deep Neural Networks" (course 2, week 1). Its training code lives in
two places, copied here unchanged apart from the notes below:

* the course's ``init_utils.py``: ``sigmoid``, ``relu``, ``forward_propagation``,
  ``compute_loss``, ``backward_propagation``, ``update_parameters``;
* the notebook: ``initialize_parameters_he`` (the exercise's solution) and ``model``.

``update_parameters`` is the course's ``init_utils.update_parameters``, which rebinds
each entry of the dictionary to a *new* array,
``parameters["W" + str(k+1)] = parameters["W" + str(k+1)] - learning_rate * grads["dW" + str(k+1)]``,
rather than updating in place (``W -= lr * dW``). Sources: the assignment's
``init_utils.py`` as distributed with the course, and the copies of it that students
publish (for example on GitHub), which agree with each other line by line on every
function here. In-place updates appear in other courses' code, not in this file.

Left out: ``model``'s closing plot of the costs (``plt.plot(costs)`` ...
``plt.show()``) and ``load_dataset``'s scatter plot, which are not training; and
``model``'s ``"zeros"`` and ``"random"`` branches with their initialisers, since the
benchmarks train from He. ``model`` still builds its ``costs`` list as the notebook
does (and keeps its unused ``m`` and ``grads = {}``).

Data, as the study has it: ``sklearn.datasets.make_circles`` after
``np.random.seed``, transposed, so ``X`` is a (2, m) *view* (Fortran-ordered) and
``Y`` holds int64 labels. ``fastnn.make_donut`` returns bit-identical arrays in the
same layout and dtypes without scikit-learn, and the benchmarks use it.

Correctness gate: ``python benchmarks/study_numpy.py`` trains the study's He network
on the study's data with this code and with ``fastnn.reference.train``, and checks that
the 15000 costs agree to within :data:`GATE_RTOL` and that :func:`model` itself ends
on exactly the parameters of :func:`costs_per_iteration` (~3 s).
"""
import numpy as np

GATE_RTOL = 1e-12   # reference vs the study's code, relative, at every iteration


# ---- the course's init_utils.py -------------------------------------------------

def sigmoid(x):
    """
    Compute the sigmoid of x

    Arguments:
    x -- A scalar or numpy array of any size.

    Return:
    s -- sigmoid(x)
    """
    s = 1/(1+np.exp(-x))
    return s


def relu(x):
    """
    Compute the relu of x

    Arguments:
    x -- A scalar or numpy array of any size.

    Return:
    s -- relu(x)
    """
    s = np.maximum(0,x)

    return s


def forward_propagation(X, parameters):
    """
    Implements the forward propagation (and computes the loss) presented in Figure 2.

    Returns:
    a3, cache
    """

    # retrieve parameters
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    W3 = parameters["W3"]
    b3 = parameters["b3"]

    # LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID
    z1 = np.dot(W1, X) + b1
    a1 = relu(z1)
    z2 = np.dot(W2, a1) + b2
    a2 = relu(z2)
    z3 = np.dot(W3, a2) + b3
    a3 = sigmoid(z3)

    cache = (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)

    return a3, cache


def backward_propagation(X, Y, cache):
    """
    Implement the backward propagation presented in figure 2.

    Returns:
    gradients -- A dictionary with the gradients with respect to each parameter, activation and pre-activation variables
    """
    m = X.shape[1]
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache

    dz3 = 1./m * (a3 - Y)
    dW3 = np.dot(dz3, a2.T)
    db3 = np.sum(dz3, axis=1, keepdims = True)

    da2 = np.dot(W3.T, dz3)
    dz2 = np.multiply(da2, np.int64(a2 > 0))
    dW2 = np.dot(dz2, a1.T)
    db2 = np.sum(dz2, axis=1, keepdims = True)

    da1 = np.dot(W2.T, dz2)
    dz1 = np.multiply(da1, np.int64(a1 > 0))
    dW1 = np.dot(dz1, X.T)
    db1 = np.sum(dz1, axis=1, keepdims = True)

    gradients = {"dz3": dz3, "dW3": dW3, "db3": db3,
                 "da2": da2, "dz2": dz2, "dW2": dW2, "db2": db2,
                 "da1": da1, "dz1": dz1, "dW1": dW1, "db1": db1}

    return gradients


def update_parameters(parameters, grads, learning_rate):
    """
    Update parameters using gradient descent

    Returns:
    parameters -- python dictionary containing your updated parameters
    """

    L = len(parameters) // 2 # number of layers in the neural networks

    # Update rule for each parameter
    for k in range(L):
        parameters["W" + str(k+1)] = parameters["W" + str(k+1)] - learning_rate * grads["dW" + str(k+1)]
        parameters["b" + str(k+1)] = parameters["b" + str(k+1)] - learning_rate * grads["db" + str(k+1)]

    return parameters


def compute_loss(a3, Y):
    """
    Implement the loss function

    Returns:
    loss - value of the loss function
    """

    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3),Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    loss = 1./m * np.nansum(logprobs)

    return loss


# ---- the notebook ---------------------------------------------------------------

def initialize_parameters_he(layers_dims):
    np.random.seed(3)
    parameters = {}
    L = len(layers_dims) - 1 # integer representing the number of layers

    for l in range(1, L + 1):
        parameters['W' + str(l)] = np.random.randn(layers_dims[l], layers_dims[l-1]) * np.sqrt(2./layers_dims[l-1])
        parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))

    return parameters


def model(X, Y, learning_rate = 0.01, num_iterations = 15000, print_cost = True, initialization = "he"):
    """
    Implements a three-layer neural network: LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID.

    Returns:
    parameters -- parameters learnt by the model
    """

    grads = {}
    costs = [] # to keep track of the loss
    m = X.shape[1] # number of examples
    layers_dims = [X.shape[0], 10, 5, 1]

    # Initialize parameters dictionary. (Only He here: the benchmark's start.)
    if initialization == "he":
        parameters = initialize_parameters_he(layers_dims)

    # Loop (gradient descent)

    for i in range(0, num_iterations):

        # Forward propagation: LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID.
        a3, cache = forward_propagation(X, parameters)

        # Loss
        cost = compute_loss(a3, Y)

        # Backward propagation.
        grads = backward_propagation(X, Y, cache)

        # Update parameters.
        parameters = update_parameters(parameters, grads, learning_rate)

        # Print the loss every 1000 iterations
        if print_cost and i % 1000 == 0:
            print("Cost after iteration {}: {}".format(i, cost))
            costs.append(cost)

    # (The notebook plots ``costs`` here: left out, see the module docstring.)

    return parameters


# ---- not the study's: for the correctness gate ------------------------------------

def costs_per_iteration(X, Y, parameters, learning_rate=0.01, num_iterations=15000):
    """``model``'s loop from given starting parameters, keeping every cost.

    The same calls in the same order as :func:`model`; returns ``(costs, parameters)``.
    ``parameters`` is copied first, since ``update_parameters`` rebinds its entries.
    """
    parameters = dict(parameters)
    costs = np.empty(num_iterations)
    for i in range(num_iterations):
        a3, cache = forward_propagation(X, parameters)
        costs[i] = compute_loss(a3, Y)
        grads = backward_propagation(X, Y, cache)
        parameters = update_parameters(parameters, grads, learning_rate)
    return costs, parameters


def max_relative_difference(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def main():
    import fastnn
    from fastnn import reference

    X, Y, _, _ = fastnn.load_dataset()            # the study's arrays, as it lays them out
    num_iterations = 15000
    start = initialize_parameters_he([X.shape[0], 10, 5, 1])
    ours = fastnn.initialize_parameters([X.shape[0], 10, 5, 1], "he", seed=3)
    same_start = all(np.array_equal(start[k], ours[k]) for k in start)
    costs, final = costs_per_iteration(X, Y, start, num_iterations=num_iterations)
    oracle = reference.train(X, Y, parameters=start, num_iterations=num_iterations).costs
    diff = max_relative_difference(costs, oracle)
    from_model = model(X, Y, num_iterations=num_iterations, print_cost=False)
    model_equal = all(np.array_equal(from_model[k], final[k]) for k in final)
    print(f"He start equals fastnn.initialize_parameters(..., 'he', seed=3): {same_start}")
    print(f"costs over {num_iterations} iterations, study's code vs fastnn.reference: "
          f"max relative difference {diff:.2e} (gate {GATE_RTOL:.0e}); final cost {costs[-1]!r}")
    print(f"model() ends on the same parameters as costs_per_iteration(), bit for bit: {model_equal}")
    ok = same_start and diff <= GATE_RTOL and model_equal
    print("gate:", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
