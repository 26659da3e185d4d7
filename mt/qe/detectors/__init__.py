"""One detector per module; :func:`default_detectors` lists the model-free ones a QualityEstimator runs."""
