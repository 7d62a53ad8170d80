"""The small fitted models Citewise ships (abstention, support): logistic regression over standardised named
features, stored as JSON beside the code with the report of how they were fitted."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path


def sigmoid(z: float) -> float:
    """1 / (1 + e^-z), with z clamped to +-30 so that no input overflows."""
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class LogisticModel:
    """P = sigmoid(w . (x - mean) / scale + b), over the features named in `names`."""

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    names: tuple[str, ...]

    def probability(self, features) -> float:
        """P for a dataclass of features (any that has every name of the model)."""
        values = asdict(features)
        z = self.bias + sum(
            w * (values[n] - m) / (s or 1.0)
            for w, n, m, s in zip(self.weights, self.names, self.mean, self.scale, strict=True)
        )
        return sigmoid(z)

    @classmethod
    def from_fit(cls, fitted, mean, scale, names) -> LogisticModel:
        """From a fitted scikit-learn LogisticRegression and the standardisation it was fitted after."""
        return cls(
            weights=tuple(float(w) for w in fitted.coef_[0]),
            bias=float(fitted.intercept_[0]),
            mean=tuple(float(m) for m in mean),
            scale=tuple(float(s) for s in scale),
            names=tuple(names),
        )

    @classmethod
    def from_pipeline(cls, pipeline, names) -> LogisticModel:
        """From a fitted scikit-learn `make_pipeline(StandardScaler(), LogisticRegression())`, read duck-typed
        (no scikit-learn import at run time): mean and scale from the first step, weights from the last."""
        scaler, regression = pipeline[0], pipeline[-1]
        names = tuple(names)
        if len(pipeline) != 2 or not hasattr(scaler, "scale_") or not hasattr(regression, "coef_"):
            raise ValueError(f"expected a fitted (StandardScaler, LogisticRegression) pipeline, got {pipeline!r}")
        if len(regression.coef_[0]) != len(names):
            raise ValueError(f"the pipeline was fitted on {len(regression.coef_[0])} features, named {len(names)}")
        return cls.from_fit(regression, scaler.mean_, scaler.scale_, names)

    def write(self, path: Path, **extra) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({**asdict(self), **extra}, indent=1) + "\n")


@lru_cache(maxsize=8)
def load_logistic(path: Path) -> LogisticModel:
    data = json.loads(Path(path).read_text())
    fields = ("weights", "mean", "scale", "names")
    return LogisticModel(bias=data["bias"], **{name: tuple(data[name]) for name in fields})
