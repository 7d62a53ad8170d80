"""The shipped models' runtime (`rag.logistic.LogisticModel`, plain JSON numbers, no scikit-learn) against the
scikit-learn pipeline the benchmarks fit: the product must compute the probability the fit reported on."""

from __future__ import annotations

from dataclasses import make_dataclass

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rag.logistic import LogisticModel, load_logistic

NAMES = ("coverage", "similarity", "constant")
Row = make_dataclass("Row", [(name, float) for name in NAMES])


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.uniform(0, 1, 300), rng.normal(0.5, 0.2, 300), np.full(300, 0.7)])
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(0, 0.2, 300) > 0.75).astype(int)
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x, y), x


def test_a_converted_pipeline_gives_the_pipelines_probabilities(fitted):
    """Same P for every row, a constant feature (scale 0, kept as 1 by the scaler) included."""
    pipeline, x = fitted
    model = LogisticModel.from_pipeline(pipeline, NAMES)
    ours = [model.probability(Row(*row)) for row in x[:50]]
    assert ours == pytest.approx(pipeline.predict_proba(x[:50])[:, 1], abs=1e-12)


def test_the_written_model_reads_back_the_same(fitted, tmp_path):
    """What bench --write stores is what the product loads."""
    model = LogisticModel.from_pipeline(fitted[0], NAMES)
    model.write(tmp_path / "model.json", description="test")
    assert load_logistic(tmp_path / "model.json") == model


def test_a_pipeline_fitted_on_other_features_is_refused_by_count(fitted):
    """Names and weights must pair up one to one, or every probability would silently be wrong."""
    with pytest.raises(ValueError, match="fitted on 3 features, named 2"):
        LogisticModel.from_pipeline(fitted[0], NAMES[:2])
