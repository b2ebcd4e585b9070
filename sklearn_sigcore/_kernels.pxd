# Scalar sigmoid-core functions (C, vectorisable) and the array entry points
# that other Cython modules of the package cimport.

cdef extern from "_sigcore_math.h" nogil:
    double sc_sigmoid(double u) noexcept
    double sc_log_sigmoid(double u) noexcept
    double sc_sigmoid_derivative(double u, double alpha) noexcept
    double sc_logit(double p, double alpha) noexcept

ctypedef fused floating_t:
    float
    double

cdef int effective_n_threads(object n_threads) except -1

cdef double binary_loss_gradient_ptr(
    const floating_t *z, const floating_t *y, const floating_t *w, double alpha,
    floating_t *loss, floating_t *grad, floating_t *hess, Py_ssize_t n,
    int n_threads,
) noexcept nogil

cdef double multinomial_loss_gradient_ptr(
    const floating_t *z, const floating_t *y, const floating_t *w, double alpha,
    floating_t *loss, floating_t *grad, Py_ssize_t n, Py_ssize_t n_classes,
    int n_threads,
) noexcept nogil
