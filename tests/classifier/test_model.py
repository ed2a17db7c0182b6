import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from classifier import training
from classifier.model import TriageClassifier

ARTICLE_SIMPLIFIED = (
    "道里区抚顺街281号至388号的居民反映，楼道窗户年久失修，漏风漏雨，冬天楼道里冷得像冰窖，希望给换上塑钢窗"
)
ARTICLE_TRADITIONAL = (
    "道裡區撫順街281號至388號的居民反映，樓道窗戶年久失修，漏風漏雨，冬天樓道裡冷得像冰窖，希望給換上塑鋼窗"
)


def test_fit_returns_self_and_learned_attributes_end_with_underscore(tiny_examples):
    texts = [e.text for e in tiny_examples]
    model = training.default_estimator(cv=3)
    assert model.fit(texts, [(e.topic, e.department) for e in tiny_examples]) is model
    learned = {k for k in vars(model) if k.endswith("_") and not k.startswith("_")}
    assert {"vectorizer_", "heads_", "thresholds_", "validation_"} <= learned
    assert set(model.heads_) == {"topic", "department"}


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError):
        TriageClassifier().predict(["暖气不热"])


def test_top3_is_sorted_calibrated_and_consistent(tiny_model):
    pred = tiny_model.classify(["我们小区暖气不热，家里才十五度，供热公司不管"])[0]
    for head in ("topic", "department"):
        h = pred.heads[head]
        probs = [p for _, p in h.top]
        assert len(h.top) == 3 and probs == sorted(probs, reverse=True)
        assert 0 < sum(probs) <= 1.0 + 1e-9
        assert h.label == h.top[0][0] and h.confidence == probs[0]
        assert h.needs_review == (h.confidence < tiny_model.thresholds_[head])
    assert pred.needs_review == any(h.needs_review for h in pred.heads.values())


def test_heating_complaint_goes_to_housing_bureau(tiny_model):
    pred = tiny_model.classify(["冬季供热不达标，暖气片冰凉，室温只有12度，打供热公司电话没人接"])[0]
    assert pred.heads["topic"].label == "城乡建设"
    assert pred.heads["department"].label == "市住房和城乡建设局"
    assert any("权责清单" in r for r in pred.heads["department"].reasons)


def test_traditional_and_simplified_scripts_get_the_same_answer(tiny_model):
    a, b = tiny_model.classify([ARTICLE_SIMPLIFIED, ARTICLE_TRADITIONAL])
    assert a.heads["topic"].label == b.heads["topic"].label
    assert a.heads["topic"].top == b.heads["topic"].top


def test_pii_is_masked_in_the_prediction(tiny_model):
    pred = tiny_model.classify(["暖气不热，我叫王秀兰，电话13845120937"], names=["王秀兰"])[0]
    assert "13845120937" not in pred.masked_text and "王秀兰" not in pred.masked_text
    assert pred.pii == ["name", "mobile"]


def test_topic_only_labels_train_only_the_topic_head(tiny_examples):
    model = training.default_estimator(cv=3).fit(
        [e.text for e in tiny_examples], [(e.topic, None) for e in tiny_examples]
    )
    assert list(model.heads_) == ["topic"] and model.topic_given_department_ is None
    out = model.predict(["学校乱收费"])
    assert out.shape == (1, 2) and out[0, 1] is None


def test_training_is_deterministic(tiny_examples):
    texts = [e.text for e in tiny_examples]
    labels = [(e.topic, e.department) for e in tiny_examples]
    probe = ["孩子入学划片不合理", "工厂半夜排放黑烟", "公交末班车太早"]
    a = training.default_estimator(cv=3).fit(texts, labels).classify(probe)
    b = training.default_estimator(cv=3).fit(texts, labels).classify(probe)
    for x, y in zip(a, b, strict=True):
        assert x.heads["topic"].top == y.heads["topic"].top
        assert x.heads["department"].top == y.heads["department"].top


def test_rare_labels_are_dropped_and_reported(tiny_examples):
    texts = [e.text for e in tiny_examples] + ["一条孤立的样本，标签只出现一次"]
    topics = [e.topic for e in tiny_examples] + ["孤立类别"]
    model = training.default_estimator(cv=3).fit(texts, [(t, None) for t in topics])
    assert model.dropped_labels_ == {"topic": ["孤立类别"]}
    assert "孤立类别" not in model.classes("topic")


def test_one_class_is_not_enough():
    with pytest.raises(ValueError, match="至少需要两个类别"):
        training.default_estimator(cv=3).fit(["暖气不热"] * 5, [("城乡建设", None)] * 5)


def test_predict_returns_labels_for_both_heads(tiny_model):
    out = tiny_model.predict(["暖气不热", "学校乱收费"])
    assert out.shape == (2, 2)
    assert set(out[:, 0]) <= set(tiny_model.classes("topic"))
    assert np.all(out[:, 1] != None)  # noqa: E711 - elementwise on an object array


def test_topic_is_decided_jointly_with_the_department(tiny_model):
    coupling = tiny_model.topic_given_department_
    assert coupling.shape == (len(tiny_model.classes("department")), len(tiny_model.classes("topic")))
    assert np.allclose(coupling.sum(axis=1), 1.0)
    # the school department implies the education topic more than anything else
    row = coupling[tiny_model.classes("department").index("市教育局")]
    assert tiny_model.classes("topic")[int(row.argmax())] == "教育文体"
    p_topic = np.array([[0.5, 0.5] + [0.0] * (coupling.shape[1] - 2)])
    p_dept = np.zeros((1, coupling.shape[0]))
    p_dept[0, tiny_model.classes("department").index("市教育局")] = 1.0
    joint = tiny_model._couple_topic(p_topic, p_dept)
    assert np.isclose(joint.sum(), 1.0)
    first, second = tiny_model.classes("topic")[:2]
    assert (joint[0, 0] > joint[0, 1]) == (row[0] > row[1]), (first, second)
