# The sigmoid-core ufuncs of (x, alpha); the loops, the type resolver and the
# creation are C (_sigcore_ufuncs.h), this module only builds the objects.
# sklearn_sigcore.kernels gives them their docstrings and public names.

cdef extern from "_sigcore_ufuncs.h":
    int sc_ufunc_import_numpy() except -1
    object sc_ufunc_create(int kind, const char *doc)
    int sc_ufunc_threads(Py_ssize_t n) nogil
    int SC_UFUNC_GRAIN
    enum:
        SC_UFUNC_SIGMOID
        SC_UFUNC_SIGMOID_DERIVATIVE
        SC_UFUNC_LOG_SIGMOID
        SC_UFUNC_LOGIT

sc_ufunc_import_numpy()

SIGMOID = SC_UFUNC_SIGMOID
SIGMOID_DERIVATIVE = SC_UFUNC_SIGMOID_DERIVATIVE
LOG_SIGMOID = SC_UFUNC_LOG_SIGMOID
LOGIT = SC_UFUNC_LOGIT
# Elements per OpenMP thread below which a call runs serially.
GRAIN = SC_UFUNC_GRAIN

# numpy keeps a pointer to each docstring: the bytes objects must live as
# long as the ufuncs, i.e. as long as this module.
_docs = []


def make_ufunc(int kind, str doc):
    """A new ufunc of (x, alpha) for `kind` (SIGMOID, ...) with docstring `doc`."""
    encoded = doc.encode("utf-8")
    _docs.append(encoded)
    return sc_ufunc_create(kind, encoded)


def threads_for(Py_ssize_t n):
    """OpenMP threads the inner loop uses for a run of `n` elements."""
    return sc_ufunc_threads(n)
