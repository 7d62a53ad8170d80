"""The sample corpus Citewise ships: two news articles about Russia's 2022 mobilisation."""
