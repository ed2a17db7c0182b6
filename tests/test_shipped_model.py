"""The shipped model in models/default: loads, matches today's training data, and answers sensibly."""

from __future__ import annotations

import pytest

from classifier import corpus, modelfile, resources
from triage.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "models" / "default"


@pytest.fixture(scope="module")
def shipped():
    return modelfile.load(SHIPPED)


def test_shipped_model_was_trained_on_the_current_training_data(shipped):
    _, meta = shipped
    assert meta["training_data_sha256"] == corpus.training_fingerprint(corpus.corpus_files())
    assert meta["n_train"] == len(corpus.load_corpus())


def test_shipped_model_knows_the_whole_taxonomy(shipped):
    model, meta = shipped
    taxonomy = resources.load_taxonomy()
    assert set(model.classes("topic")) == set(taxonomy.topics)
    assert set(model.classes("department")) == set(taxonomy.departments)
    for head in ("topic", "department"):
        report = meta["heads"][head]["validation"]
        assert report["auto_precision"] >= 0.9 - 1e-9  # what passes without review is ≥ 90 % right
        assert set(report["per_class"]) == set(model.classes(head))


@pytest.mark.parametrize(
    ("text", "topic", "department"),
    [
        ("道里区抚顺街281号至388号楼道窗户漏风漏雨，冬天楼道里冷，希望换成塑钢窗", "城乡建设", "市住房和城乡建设局"),
        ("道裡區撫順街281號至388號樓道窗戶漏風漏雨，冬天樓道裡冷，希望換成塑鋼窗", "城乡建设", "市住房和城乡建设局"),
        ("我们小区三天没暖气了，家里只有十二度，老人冻得直哆嗦，供热公司电话打不通", "城乡建设", "市住房和城乡建设局"),
        (
            "包工头拖欠我们二十几个农民工半年的工资，一共十几万，年底了还不给",
            "劳动和社会保障",
            "市人力资源和社会保障局",
        ),
        ("孩子今年上小学，我们家的房子明明在学区里，教育局划片却把我们划出去了", "教育文体", "市教育局"),
        ("化工厂晚上偷偷排放废气，一股刺鼻的味道，窗户都不敢开", "环境保护", "市生态环境局"),
        ("出租车司机拒载，还绕路多收钱，车牌黑A·5K2J7", "交通运输", "市交通运输局"),
        ("在医院排了三个小时队挂号，医生看病两分钟就打发走了", "卫生计生", "市卫生健康委员会"),
        ("办的健身卡老板跑路了，还剩两千多块钱没用，找不到人退款", "商贸旅游", "市市场监督管理局"),
        ("我母亲八十多岁，申请高龄津贴快一年了还没批下来", "民政", "市民政局"),
    ],
)
def test_shipped_model_answers_typical_messages(shipped, text, topic, department):
    model, _ = shipped
    pred = model.classify([text])[0]
    assert pred.heads["topic"].label == topic
    assert pred.heads["department"].label == department


def test_shipped_model_is_reproducible_from_training_data(shipped):
    """`triage train --output models/default` gives the same model (up to floating-point noise)."""
    import numpy as np

    from classifier import training

    model, _ = shipped
    again, meta = training.fit_corpus()
    state_a, arrays_a = modelfile.to_state(model)
    state_b, arrays_b = modelfile.to_state(again)
    assert state_a["params"] == state_b["params"]
    assert state_a["heads"] == state_b["heads"]
    assert set(arrays_a) == set(arrays_b)
    for name, a in arrays_a.items():
        b = arrays_b[name]
        if a.dtype.kind in "US":
            assert np.array_equal(a, b), name
        else:
            assert a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-9), name
    for head in state_a["heads"]:
        assert state_a["thresholds"][head] == pytest.approx(state_b["thresholds"][head], abs=1e-6)
