from classifier.evaluate import report


def test_prediction_outside_gold_labels_counts_as_error():
    gold = ["城乡建设", "城乡建设", "教育文体", "教育文体"]
    pred = ["城乡建设", "纪检监察", "教育文体", "教育文体"]
    r = report(gold, pred)
    assert r["accuracy"] == 0.75
    assert r["per_class"]["城乡建设"]["recall"] == 0.5
    assert set(r["per_class"]) == {"城乡建设", "教育文体"}  # macro-F1 over the gold labels only
    assert r["predicted_outside_gold"] == ["纪检监察"]
    assert r["confusion"]["columns"][-1] == "其他"
    assert r["confusion"]["matrix"] == [[1, 0, 1], [0, 2, 0]]


def test_perfect_predictions_score_one():
    r = report(["a", "b"], ["a", "b"])
    assert r["macro_f1"] == 1.0 and r["accuracy"] == 1.0 and r["predicted_outside_gold"] == []
