"""Progress of iterative fits: ``verbose`` printing and scikit-learn callbacks.

scikit-learn 1.9 introduced ``sklearn.callback`` (``set_callbacks``,
``ProgressBar``, ``ScoringMonitor``).  Where it exists both estimators inherit
its ``CallbackSupportMixin`` and report every iteration / epoch to the
callbacks through :class:`FitProgress`; on older scikit-learn the mixin below
adds nothing and only ``verbose`` reports.  ``sklearn.base._fit_context``
tears the callbacks down after ``fit``.
"""

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:   # scikit-learn < 1.9

    class CallbackSupportMixin:
        """scikit-learn before 1.9 has no callback API: nothing to add."""

        def _init_callback_context(self, **kwargs):
            return None

__all__ = ["CallbackSupportMixin", "FitProgress"]


class FitProgress:
    """Report the iterations of one fit to ``verbose`` output and callbacks.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted (a ``CallbackSupportMixin``).
    X, y : array-like
        The training data, handed to callbacks such as ``ScoringMonitor``.
    max_iter : int
        The most iterations (epochs) the fit may run.
    sample_weight : array-like or None
        Passed to callbacks as metadata.
    what : str
        "Iteration" or "Epoch", for the verbose lines.
    """

    def __init__(self, estimator, X, y, *, max_iter, sample_weight=None, what="Iteration"):
        self.estimator = estimator
        self.X, self.y = X, y
        self.verbose = getattr(estimator, "verbose", 0)
        self.what = what
        self.metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self.context = estimator._init_callback_context(max_subtasks=max(max_iter, 1))
        if self.context is not None:
            self.context.call_on_fit_task_begin(
                estimator=estimator, X=X, y=y, metadata=self.metadata
            )

    def iteration(self, number, loss, reconstruction=None, validation_score=None):
        """Report one finished iteration; True if a callback asks to stop.

        `reconstruction` is a callable returning the fitted attributes after
        this iteration (evaluated only if a callback needs a fitted copy).
        """
        if self.verbose:
            line = f"{self.what} {number}, loss = {loss:.8f}"
            if validation_score is not None:
                line += f", validation score = {validation_score:.6f}"
            print(line, flush=True)
        if self.context is None:
            return False
        task = self.context.subcontext(task_name=self.what.lower())
        task.call_on_fit_task_begin(
            estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata
        )
        return bool(task.call_on_fit_task_end(
            estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=reconstruction,
        ))

    def finish(self, reconstruction=None):
        """Report the end of the fit."""
        if self.context is not None:
            self.context.call_on_fit_task_end(
                estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata,
                reconstruction_attributes=reconstruction,
            )
