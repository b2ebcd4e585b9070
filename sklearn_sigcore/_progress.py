"""Progress of iterative fits through scikit-learn's callback API.

scikit-learn 1.9 introduced ``sklearn.callback`` (``set_callbacks``,
``ProgressBar``, ``ScoringMonitor``).  Where it exists both estimators inherit
its ``CallbackSupportMixin`` and report every iteration / epoch as a subtask
of the fit through :class:`FitCallbacks`; on older scikit-learn the mixin
below adds nothing and only ``verbose`` reports.  ``sklearn.base._fit_context``
tears the callbacks down after ``fit``.
"""

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:   # scikit-learn < 1.9

    class CallbackSupportMixin:
        """scikit-learn before 1.9 has no callback API: nothing to add."""

__all__ = ["CallbackSupportMixin", "FitCallbacks"]


class FitCallbacks:
    """The callback context of one fit: one subtask per iteration or epoch.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted.
    X, y : array-like
        The training data, handed to callbacks such as ``ScoringMonitor``.
    sample_weight : array-like or None
        Passed to callbacks as metadata.
    max_subtasks : int
        The most subtasks (iterations, epochs) the fit may run.

    Attributes
    ----------
    active : bool
        Whether the estimator has callbacks that want per-iteration subtasks.
    attributes : callable or None
        Returns the fitted attributes of the current iterate (set by the
        solver); only called when a callback needs a fitted copy.
    """

    def __init__(self, estimator, X, y, *, sample_weight=None, max_subtasks):
        self.estimator, self.X, self.y = estimator, X, y
        self.metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self.attributes = None
        self.context = None
        if hasattr(estimator, "_init_callback_context"):
            self.context = estimator._init_callback_context(max_subtasks=max_subtasks)
            self.context.call_on_fit_task_begin(estimator=estimator, X=X, y=y,
                                                metadata=self.metadata)
        self.active = self.context is not None and bool(
            getattr(estimator, "_skl_callbacks", None))

    def task(self, name):
        """Begin one subtask now; returns the function that ends it.

        The returned ``end(ran=True)`` is True when a callback asks the fit to
        stop; ``ran=False`` ends a subtask that never ran (lbfgs's last).
        """
        sub = self.context.subcontext(task_name=name)
        sub.call_on_fit_task_begin(estimator=self.estimator, X=self.X, y=self.y,
                                   metadata=self.metadata)

        def end(ran=True):
            if not ran:
                return bool(sub.call_on_fit_task_end(estimator=self.estimator))
            return bool(sub.call_on_fit_task_end(
                estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata,
                reconstruction_attributes=self.attributes()))
        return end

    def finish(self):
        """End the fit's root task (after the fitted attributes are set)."""
        if self.context is not None:
            self.context.call_on_fit_task_end(estimator=self.estimator, X=self.X, y=self.y,
                                              metadata=self.metadata,
                                              reconstruction_attributes={})
