"""ONNX export: skl2onnx converters for the sklearn_sigcore estimators.

Importing this module registers a parser, a shape calculator and a converter
with skl2onnx for :class:`~sklearn_sigcore.SigCoreLogisticRegression`,
:class:`~sklearn_sigcore.SigCoreMLPClassifier` and
:class:`~sklearn_sigcore.SigCoreMLPRegressor`. From then on ``skl2onnx.to_onnx``
converts them, alone or inside pipelines, like scikit-learn's own models.

The graphs use standard ONNX operators only (MatMul, Add, Sigmoid, Softmax,
Tanh, Relu, LeakyRelu, Elu, Exp, ArgMax, Gather, Greater, Cast; a float64
graph builds 'elu' and 'leaky_relu' from Exp, Min, Less, Sub, Where, Mul,
Max). Each gain alpha
(scalar, per layer or per unit) is folded into the weights and intercepts of
its layer in float64 before they are stored, f(alpha (W h + b)) =
f((alpha W) h + alpha b), so a gain costs nothing at inference and extreme
gains lose no precision to an extra float32 product. The sigmoid is ONNX's
Sigmoid operator applied to the scaled score, so saturated units give 0 or 1
and never NaN.

Outputs follow skl2onnx's conventions for classifiers: a ``label`` tensor
(int64 for integer, boolean or integral float labels, string otherwise; a
0/1 int64 matrix for multilabel targets) and the probabilities, which the
``zipmap`` option (True by default, False or 'columns') turns into a list of
dictionaries or one output per class. The options ``nocl``,
``output_class_labels`` and, for SigCoreLogisticRegression, ``raw_scores``
(the decision function alpha (Xw + b), as two columns [-s, s] for a binary
model) are supported as for scikit-learn's models. A regressor has one
output, ``variable``, of shape (n_samples, n_outputs). A float32 (or int64)
input computes in float32, a float64 (DoubleTensorType) input in float64.

ONNX's ZipMap operator, behind the default ``zipmap=True``, takes float32
probabilities only, so a float64 graph cannot have it: converting a
classifier for a float64 input with ``zipmap=True`` raises a ValueError that
names the alternatives, ``options={"zipmap": False}`` (one float64
probability tensor) or ``{"zipmap": "columns"}`` (one float64 output per
class). (skl2onnx 1.20 converts scikit-learn's own classifiers in that case
without error, to a graph that onnxruntime refuses to load: "Type
'tensor(double)' of input parameter ... of operator (ZipMap) ... is invalid";
its tests of float64 classifiers use ``zipmap=False``.)

Requires the ``onnx`` extra: ``pip install "sklearn_sigcore[onnx]"``.

Notes
-----
A graph computes the estimator's function but rounds in its own compute type
(unit roundoff eps = 2**-24 = 6.0e-8 in float32, 2**-53 = 1.1e-16 in float64)
and summation order, so its outputs differ from ``predict_proba`` (or
``predict``) on the same input by rounding. That rounding is relative to the
terms a layer adds up, not to their sum: a hidden layer computes
u = (alpha W) h + alpha b, whose rounding error is about eps times the sum of
the absolute values of the terms, a sum that grows in proportion to the gain
alpha even where u itself is small. An unbounded activation ('relu',
'leaky_relu', 'elu', 'identity') passes that error on to the next layer,
which multiplies it by its own gain, so with L hidden layers at gain alpha the
error grows like alpha**L; a saturated 'sigmoid' or 'tanh' unit (abs(u) >> 1)
absorbs the error of its input instead. Let S be the largest output of the
network evaluated on abs(X) with every weight and intercept replaced by its
absolute value (gains included) and every hidden activation f replaced by
m -> m + abs(f(0)) (m + 1/2 for the sigmoid, m for the others), which bounds the
sum of the absolute values of the terms the graph adds up::

    h = np.abs(X)
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        # learn_alpha='unit': a = model.unit_alphas_[i]
        a = model.alphas_[i] if i < len(model.alphas_) else 1.0
        h = h @ np.abs(a * W) + np.abs(a * b)
        if i < len(model.alphas_) and model.activation in ("sigmoid", "logistic"):
            h = h + 0.5
    S = h.max()
    # SigCoreLogisticRegression: S = (np.abs(X) @ np.abs(model.alpha * model.coef_.T)
    #                                 + np.abs(model.alpha * model.intercept_)).max()

Then the graph's outputs are within eps (S + 8) of ``predict_proba`` /
``predict`` (for the Poisson regressor's exp output, within eps (S + 8)
times max(1, y), as long as y fits in the compute type). This is an estimate
from rounding-error analysis, not a proof (a worst case of float sums allows
up to n times more for n terms per dot product), but it held in every case
measured, with the difference at most 0.53 eps (S + 8): every activation,
binary, multiclass, multilabel and regression (identity, sigmoid and Poisson
outputs) targets, gains from 1e-4 to 1e4 (logistic model) and 1 to 300
(networks), lbfgs- and adam-trained, fitted on float64 or float32 data,
float32 and float64 graphs. The tests check it. It is pessimistic: by 7 to
500 times in those measurements for unbounded activations, and by far more
for saturated sigmoid and tanh networks. Measured largest differences of a
float32 graph from ``predict_proba`` of (7, 5) networks fitted on float64
data (8 standardised features, 240 rows, binary, 3-class and 3-label
targets, 3 data sets, lbfgs and adam), which the tests also check:

==========  ======  ======  ======  ======  ======  ======
alpha       1       3       10      30      100     300
==========  ======  ======  ======  ======  ======  ======
sigmoid     2.0e-6  3.0e-6  1.7e-6  5.2e-6  9.2e-6  3.2e-6
tanh        4.1e-6  2.4e-6  1.5e-6  5.5e-6  8.1e-6  1.2e-5
relu        3.7e-6  1.3e-6  4.1e-6  9.4e-6  4.6e-5  1.0e-3
leaky_relu  1.3e-6  1.9e-6  3.7e-6  1.9e-5  1.4e-4  2.4e-4
elu         2.7e-6  2.4e-6  3.7e-6  1.0e-5  7.9e-5  1.9e-4
identity    3.7e-7  1.3e-6  9.7e-6  1.3e-4  9.3e-4  1.8e-2
==========  ======  ======  ======  ======  ======  ======

Other data and other trained networks give other numbers (tanh networks
at alpha = 300 elsewhere gave 2.1e-5 and 8.7e-5), and regressors, whose outputs are not bounded, went up to 1.8e-2
('identity', alpha = 300; 2.6e-2 fitted on float32 data). Where two
classes' probabilities are closer than the difference, the graph's label can
differ from ``predict`` (at alpha = 300 with 'identity', 1 row in 240). When
that is more than you can accept, convert with a float64 input (``skl2onnx.to_onnx(model,
X[:1].astype(np.float64), options={"zipmap": False})``): the same networks
then stay within 3.2e-13 for alpha up to 30 and 2.2e-11 at alpha = 300. A
model fitted on float32 data computes ``predict_proba`` in float32 too, so
neither it nor the float32 graph is closer than about eps S to the exact
function; fit on float64 data for that.

Examples
--------
>>> import numpy as np
>>> import onnxruntime as ort
>>> import skl2onnx
>>> from sklearn.datasets import load_iris
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> import sklearn_sigcore.onnx  # registers the converters
>>> from sklearn_sigcore import SigCoreMLPClassifier
>>> X, y = load_iris(return_X_y=True)
>>> X = X.astype(np.float32)
>>> model = make_pipeline(StandardScaler(),
...                       SigCoreMLPClassifier((16,), alpha=2.0, solver="lbfgs",
...                                            max_iter=300, random_state=0)).fit(X, y)
>>> onx = skl2onnx.to_onnx(model, X[:1], options={"zipmap": False})
>>> session = ort.InferenceSession(onx.SerializeToString(),
...                                providers=["CPUExecutionProvider"])
>>> labels, proba = session.run(None, {session.get_inputs()[0].name: X})
>>> bool((labels == model.predict(X)).all())
True
>>> bool(np.abs(proba - model.predict_proba(X)).max() < 1e-5)
True
"""

import importlib.util

import numpy as np
from sklearn.utils.validation import check_is_fitted

_INSTALL = 'pip install "sklearn_sigcore[onnx]"'
try:
    from onnx import TensorProto
    from skl2onnx import update_registered_converter
    from skl2onnx._parse import _parse_sklearn_classifier, _parse_sklearn_simple_model
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from skl2onnx.common.utils import check_input_and_output_numbers, check_input_and_output_types
    from skl2onnx.common.utils_classifier import get_label_classes
except ImportError as exc:
    raise ImportError(
        f"sklearn_sigcore.onnx needs skl2onnx and onnxruntime: {_INSTALL}") from exc
if importlib.util.find_spec("onnxruntime") is None:
    raise ImportError(f"sklearn_sigcore.onnx needs onnxruntime to run the graphs: {_INSTALL}")

import sklearn_sigcore
from sklearn_sigcore._activations import LEAKY_SLOPE

__all__ = [
    "calculate_classifier_output_shapes",
    "calculate_regressor_output_shapes",
    "convert_logistic_regression",
    "convert_mlp_classifier",
    "convert_mlp_regressor",
]

# Hidden-layer activation -> (ONNX operator, attributes); None: no operator.
# The slope of 'leaky_relu' and the scale of 'elu' are the estimators'
# (documented in SigCoreMLPClassifier's `activation`).  A double graph builds
# these two from primitives (_activation): onnxruntime has no double Elu, and
# LeakyRelu's slope is a float attribute (0.01 rounded to float32).
_ACTIVATION_OPS = {
    "sigmoid": ("Sigmoid", {}),
    "logistic": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "relu": ("Relu", {}),
    "leaky_relu": ("LeakyRelu", {"alpha": LEAKY_SLOPE}),
    "elu": ("Elu", {"alpha": 1.0}),
    "identity": None,
}
_INPUT_TYPES = [FloatTensorType, DoubleTensorType, Int64TensorType]


# ---------------------------------------------------------------- helpers
def _compute_type(operator):
    """ONNX element type the graph computes in: double for double input, else float."""
    double = isinstance(operator.inputs[0].type, DoubleTensorType)
    return TensorProto.DOUBLE if double else TensorProto.FLOAT


def _tensor_type(operator):
    return DoubleTensorType if isinstance(operator.inputs[0].type, DoubleTensorType) \
        else FloatTensorType


def _input(scope, operator, container, proto):
    """The input variable, cast to the compute type when it is not already."""
    name = operator.inputs[0].full_name
    if type(operator.inputs[0].type) is (DoubleTensorType if proto == TensorProto.DOUBLE
                                         else FloatTensorType):
        return name
    cast = scope.get_unique_variable_name("cast_input")
    container.add_node("Cast", name, cast, to=proto, name=scope.get_unique_operator_name("Cast"))
    return cast


def _constant(scope, container, hint, values, proto):
    """Store values (float64) as an initializer of the compute type; its name."""
    dtype = np.float64 if proto == TensorProto.DOUBLE else np.float32
    with np.errstate(over="ignore"):
        stored = np.ascontiguousarray(values, dtype=dtype)
    if not np.isfinite(stored).all():
        raise ValueError(
            f"A gain times a weight of the model does not fit in {np.dtype(dtype).name} "
            "(or a weight is not finite); convert with a float64 input, e.g. "
            "skl2onnx.to_onnx(model, X[:1].astype(np.float64)).")
    name = scope.get_unique_variable_name(hint)
    container.add_initializer(name, proto, list(stored.shape), stored.ravel())
    return name


def _affine(scope, container, x, weights, intercept, proto):
    """x @ weights + intercept; the name of the result."""
    w = _constant(scope, container, "coef", weights, proto)
    b = _constant(scope, container, "intercept", intercept.reshape(1, -1), proto)
    product = scope.get_unique_variable_name("matmul")
    container.add_node("MatMul", [x, w], product, name=scope.get_unique_operator_name("MatMul"))
    out = scope.get_unique_variable_name("affine")
    container.add_node("Add", [product, b], out, name=scope.get_unique_operator_name("Add"))
    return out


def _node(scope, container, op_type, inputs, output=None, **attrs):
    """Add one node; output defaults to a fresh variable. Returns its name."""
    output = output or scope.get_unique_variable_name(op_type.lower())
    container.add_node(op_type, inputs, output, name=scope.get_unique_operator_name(op_type),
                       **attrs)
    return output


def _activation(scope, container, activation, h, proto):
    """The hidden activation of h; its name."""
    op, attrs = _ACTIVATION_OPS[activation]
    if proto != TensorProto.DOUBLE or activation not in ("leaky_relu", "elu"):
        return _node(scope, container, op, h, **attrs)
    if activation == "leaky_relu":     # max(u, 0.01 u), as the estimators compute it
        slope = _constant(scope, container, "slope", np.array([LEAKY_SLOPE]), proto)
        return _node(scope, container, "Max", [h, _node(scope, container, "Mul", [h, slope])])
    # elu: exp(u) - 1 where u < 0 (exp of min(u, 0): no overflow), else u
    zero = _constant(scope, container, "zero", np.zeros(1), proto)
    one = _constant(scope, container, "one", np.ones(1), proto)
    exp = _node(scope, container, "Exp", _node(scope, container, "Min", [h, zero]))
    negative = _node(scope, container, "Less", [h, zero])
    return _node(scope, container, "Where",
                 [negative, _node(scope, container, "Sub", [exp, one]), h])


def _labels(scope, model):
    """The class labels as stored in the graph: (values, ONNX element type).

    skl2onnx's conventions (which its ZipMap follows too): integer, boolean
    and integral float labels become int64, strings stay strings; ``nocl``
    replaces the labels by their indices.
    """
    classes = np.asarray(get_label_classes(scope, model))
    if classes.dtype.kind in "iubf":    # float labels are integral (else not a classifier)
        return classes.astype(np.int64), TensorProto.INT64
    if all(isinstance(c, str) for c in classes):
        return np.array([c.encode("utf-8") for c in classes], dtype=object), TensorProto.STRING
    raise ValueError(f"{type(model).__name__}: class labels must be all integers or all "
                     f"strings to be exported, got {classes.tolist()!r}.")


def _is_multilabel(model):
    """A network with independent sigmoid outputs for more than one label."""
    return getattr(model, "out_activation_", None) == "logistic" and model.n_outputs_ > 1


def _finish_classifier(scope, operator, container, scores, probability_op, multilabel):
    """Labels and probabilities from the output scores.

    scores: (N, n_classes) scores whose argmax is the class (binary models
    pass the two columns [-s, s]) or, for multilabel, one logit per label.
    probability_op: 'Sigmoid', 'Softmax' or None (the scores themselves).
    """
    label_out, proba_out = operator.outputs[0].full_name, operator.outputs[1].full_name
    if multilabel:      # label j is set where its logit is positive, as predict
        proto = _compute_type(operator)
        zero = _constant(scope, container, "zero", np.zeros(1), proto)
        positive = _node(scope, container, "Greater", [scores, zero])
        _node(scope, container, "Cast", positive, label_out, to=TensorProto.INT64)
    else:
        values, label_type = _labels(scope, operator.raw_operator)
        classes = scope.get_unique_variable_name("classes")
        container.add_initializer(classes, label_type, [len(values)], list(values))
        index = _node(scope, container, "ArgMax", scores, axis=1, keepdims=0)
        _node(scope, container, "Gather", [classes, index], label_out, axis=0)
    if probability_op is None:
        _node(scope, container, "Identity", scores, proba_out)
    elif probability_op == "Softmax":
        _node(scope, container, "Softmax", scores, proba_out, axis=1)
    else:
        _node(scope, container, probability_op, scores, proba_out)


# --------------------------------------------------------- shape calculators
def calculate_classifier_output_shapes(operator):
    """skl2onnx shape calculator of the classifiers: label and probabilities.

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The operator of a fitted SigCoreLogisticRegression or SigCoreMLPClassifier,
        with one input (float, double or int64 tensor) and two outputs.
    """
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    check_input_and_output_types(operator, good_input_types=_INPUT_TYPES)
    model = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    n_classes = len(model.classes_)
    if n_classes < 2:
        # predict_proba has scikit-learn's two columns for one class, which
        # ZipMap (skl2onnx's default output) cannot label
        raise NotImplementedError(
            f"{type(model).__name__} fitted on a single class ({model.classes_[0]!r}) has "
            "no ONNX conversion: it predicts that class for every input.")
    if _is_multilabel(model):
        operator.outputs[0].type = Int64TensorType(shape=[n, n_classes])
    else:
        label_type = _labels(operator.scope_inst, model)[1]
        tensor = StringTensorType if label_type == TensorProto.STRING else Int64TensorType
        operator.outputs[0].type = tensor(shape=[n])
    operator.outputs[1].type = _tensor_type(operator)(shape=[n, n_classes])


def calculate_regressor_output_shapes(operator):
    """skl2onnx shape calculator of SigCoreMLPRegressor: (n_samples, n_outputs).

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The operator of a fitted regressor, one input and one output.
    """
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    check_input_and_output_types(operator, good_input_types=_INPUT_TYPES)
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = _tensor_type(operator)(
        shape=[n, int(operator.raw_operator.n_outputs_)])


# ---------------------------------------------------------------- converters
def convert_logistic_regression(scope, operator, container):
    """skl2onnx converter of SigCoreLogisticRegression.

    Scores alpha (Xw + b), with alpha folded into the stored coefficients;
    probabilities Sigmoid of the two columns [-s, s] (binary) or Softmax
    (multinomial), labels their argmax (binary: class 1 where s > 0, as
    ``predict``). Option ``raw_scores=True`` outputs the scores instead of the
    probabilities.

    Parameters
    ----------
    scope, operator, container : skl2onnx conversion objects
        As skl2onnx passes them to every converter.
    """
    model = operator.raw_operator
    proto = _compute_type(operator)
    coef = model.coef_.toarray() if hasattr(model.coef_, "toarray") else model.coef_
    alpha = float(model.alpha)
    weights = alpha * np.asarray(coef, dtype=np.float64).T      # (n_features, K)
    intercept = alpha * np.asarray(model.intercept_, dtype=np.float64).reshape(-1)
    if weights.shape[1] == 1:   # binary: one Sigmoid gives both columns
        weights = np.hstack([-weights, weights])
        intercept = np.concatenate([-intercept, intercept])
    x = _input(scope, operator, container, proto)
    scores = _affine(scope, container, x, weights, intercept, proto)
    raw = container.get_options(model, dict(raw_scores=False))["raw_scores"]
    op = None if raw else ("Sigmoid" if len(model.classes_) == 2 else "Softmax")
    _finish_classifier(scope, operator, container, scores, op, multilabel=False)


def _hidden_gains(model):
    """The gain of every hidden unit, layer by layer (float64 arrays).

    ``unit_alphas_`` (learned per-unit gains) when the model has them, else
    each layer's ``alphas_`` entry for all its units.
    """
    n_hidden = len(model.coefs_) - 1
    per_layer = np.broadcast_to(np.asarray(model.alphas_, dtype=np.float64).reshape(-1),
                                (n_hidden,))
    per_unit = getattr(model, "unit_alphas_", None)
    gains = []
    for i in range(n_hidden):
        n_units = model.coefs_[i].shape[1]
        values = per_layer[i] if per_unit is None else per_unit[i]
        gains.append(np.broadcast_to(np.asarray(values, dtype=np.float64), (n_units,)))
    return gains


def _network_scores(scope, operator, container, model, proto, binary_pair=False):
    """Output-layer scores of a fitted network (before the output function).

    binary_pair: the single output unit becomes two columns [-z, z].
    """
    activation = model.activation
    if activation not in _ACTIVATION_OPS:
        raise NotImplementedError(
            f"{type(model).__name__}: activation {activation!r} has no ONNX conversion "
            f"(known: {sorted(_ACTIVATION_OPS)}).")
    act = _ACTIVATION_OPS[activation]
    h = _input(scope, operator, container, proto)
    gains = _hidden_gains(model)
    n_layers = len(model.coefs_)
    for i in range(n_layers):
        weights = np.asarray(model.coefs_[i], dtype=np.float64)
        intercept = np.asarray(model.intercepts_[i], dtype=np.float64).reshape(-1)
        if i < n_layers - 1:    # f(alpha (W h + b)) = f((alpha W) h + alpha b)
            weights = weights * gains[i]
            intercept = intercept * gains[i]
        elif binary_pair:
            weights = np.hstack([-weights, weights])
            intercept = np.concatenate([-intercept, intercept])
        h = _affine(scope, container, h, weights, intercept, proto)
        if i < n_layers - 1 and act is not None:
            h = _activation(scope, container, activation, h, proto)
    return h


def convert_mlp_classifier(scope, operator, container):
    """skl2onnx converter of SigCoreMLPClassifier.

    Hidden layers f((alpha W) h + alpha b) with each gain folded into its
    layer, then the output layer: Sigmoid of [-z, z] (binary), Softmax
    (multiclass) or Sigmoid per label (multilabel, labels where z > 0).

    Parameters
    ----------
    scope, operator, container : skl2onnx conversion objects
        As skl2onnx passes them to every converter.
    """
    model = operator.raw_operator
    proto = _compute_type(operator)
    multilabel = _is_multilabel(model)
    binary = model.out_activation_ == "logistic" and not multilabel
    scores = _network_scores(scope, operator, container, model, proto, binary_pair=binary)
    op = "Softmax" if model.out_activation_ == "softmax" else "Sigmoid"
    _finish_classifier(scope, operator, container, scores, op, multilabel)


def convert_mlp_regressor(scope, operator, container):
    """skl2onnx converter of SigCoreMLPRegressor.

    The network's hidden layers as for the classifier, then the identity,
    Sigmoid (``out_activation='sigmoid'``, whose ``out_activation_`` is
    'logistic') or Exp (``loss='poisson'``) output,
    shape (n_samples, n_outputs).

    Parameters
    ----------
    scope, operator, container : skl2onnx conversion objects
        As skl2onnx passes them to every converter.
    """
    model = operator.raw_operator
    proto = _compute_type(operator)
    out = model.out_activation_
    ops = {"identity": "Identity", "sigmoid": "Sigmoid", "logistic": "Sigmoid", "exp": "Exp"}
    if out not in ops:
        raise NotImplementedError(
            f"{type(model).__name__}: out_activation_ {out!r} has no ONNX conversion.")
    scores = _network_scores(scope, operator, container, model, proto)
    _node(scope, container, ops[out], scores, operator.outputs[0].full_name)


# ------------------------------------------------------------------ parsers
def _parse_classifier(scope, model, inputs, custom_parsers=None):
    # Refuse an unfitted model before skl2onnx's parser reads classes_.
    check_is_fitted(model)
    zipmap = scope.get_options(model, dict(zipmap=True))["zipmap"]
    # skl2onnx adds a ZipMap unless zipmap is False or 'columns'.
    uses_zipmap = not (isinstance(zipmap, bool) and not zipmap) and zipmap != "columns"
    if uses_zipmap and isinstance(inputs[0].type, DoubleTensorType):
        raise ValueError(
            f"{type(model).__name__}: a float64 (DoubleTensorType) input gives a float64 "
            "graph, and the ZipMap operator of the default option zipmap=True takes float32 "
            "probabilities only (onnxruntime would refuse to load the model). Convert with "
            "options={'zipmap': False} for a float64 probability tensor, or "
            "{'zipmap': 'columns'} for one float64 output per class, or with a float32 "
            "input.")
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers=custom_parsers)


def _parse_regressor(scope, model, inputs, custom_parsers=None):
    check_is_fitted(model)
    return _parse_sklearn_simple_model(scope, model, inputs, custom_parsers=custom_parsers)


_CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [True, False],
                       "output_class_labels": [False, True]}


def _register():
    update_registered_converter(
        sklearn_sigcore.SigCoreLogisticRegression, "SigCoreLogisticRegression",
        calculate_classifier_output_shapes, convert_logistic_regression,
        parser=_parse_classifier,
        options={**_CLASSIFIER_OPTIONS, "raw_scores": [False, True]})
    update_registered_converter(
        sklearn_sigcore.SigCoreMLPClassifier, "SigCoreMLPClassifier",
        calculate_classifier_output_shapes, convert_mlp_classifier,
        parser=_parse_classifier, options=dict(_CLASSIFIER_OPTIONS))
    update_registered_converter(
        sklearn_sigcore.SigCoreMLPRegressor, "SigCoreMLPRegressor",
        calculate_regressor_output_shapes, convert_mlp_regressor, parser=_parse_regressor)


_register()
