import numpy as np

from classifier.thresholds import coverage, review_threshold


def test_threshold_is_lowest_confidence_meeting_target_precision():
    conf = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    ok = np.array([1, 1, 1, 1, 0, 0], bool)
    assert review_threshold(conf, ok, target_precision=0.9) == 0.7
    assert review_threshold(conf, ok, target_precision=0.8) == 0.6  # 4 of 5 right at ≥ 0.6
    assert coverage(conf, 0.7) == 4 / 6


def test_ties_are_kept_together():
    conf = np.array([0.9, 0.8, 0.8])
    ok = np.array([1, 1, 0], bool)
    # cutting between the two 0.8s is impossible: at 0.8 precision is 2/3
    assert review_threshold(conf, ok, target_precision=0.9) == 0.9


def test_unreachable_target_sends_everything_to_review():
    assert review_threshold(np.array([0.9, 0.8]), np.array([0, 0], bool), target_precision=0.9) == 1.0
    assert review_threshold(np.array([]), np.array([], bool), target_precision=0.9) == 1.0
