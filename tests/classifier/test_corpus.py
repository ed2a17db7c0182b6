"""The shipped corpus meets the bar of the classifier-core issue: size, coverage, variety, no copies."""

from collections import Counter

import pytest

from classifier import corpus, normalize, pii, resources

MIN_MESSAGES = 2000
MIN_PER_TOPIC = 60
MIN_PER_DEPARTMENT = 40


@pytest.fixture(scope="module")
def examples():
    return corpus.load_corpus()


@pytest.fixture(scope="module")
def taxonomy():
    return resources.load_taxonomy()


def test_size_and_distinct_messages(examples):
    distinct = {"".join(normalize.normalize(e.text).split()) for e in examples}
    assert len(distinct) >= MIN_MESSAGES
    assert len({e.id for e in examples}) == len(examples)


def test_every_topic_and_department_is_covered(examples, taxonomy):
    assert len(taxonomy.topics) == 15 and len(taxonomy.departments) == 24
    topics = Counter(e.topic for e in examples)
    departments = Counter(e.department for e in examples)
    assert set(topics) == set(taxonomy.topics)
    assert set(departments) == set(taxonomy.departments)
    assert min(topics.values()) >= MIN_PER_TOPIC, topics.most_common()[-3:]
    assert min(departments.values()) >= MIN_PER_DEPARTMENT, departments.most_common()[-3:]


def test_messages_are_10_to_400_characters(examples):
    bad = [e.id for e in examples if not 10 <= len(e.text) <= 400]
    assert bad == []


def test_no_two_messages_are_near_copies(examples):
    pairs = corpus.near_duplicates([e.text for e in examples], n=5, threshold=0.6)
    assert [(examples[i].id, examples[j].id, round(j_, 2)) for i, j, j_ in pairs] == []


def test_near_duplicate_check_catches_a_traditional_copy():
    text = "我们小区的暖气已经三天不热了，家里只有十四度，老人孩子都冻感冒了，供热公司一直推脱"
    trad = "我們小區的暖氣已經三天不熱了，家裡只有十四度，老人孩子都凍感冒了，供熱公司一直推脫"
    assert [(i, j) for i, j, _ in corpus.near_duplicates([text, "学校乱收费的问题", trad])] == [(0, 2)]


def test_the_corpus_has_the_variety_constituents_write(examples):
    n = len(examples)
    traditional = sum(normalize.to_simplified(e.text) != e.text for e in examples)
    with_phone = sum(
        any(s.type in ("mobile", "landline") for s in pii.find_pii(normalize.normalize(e.text))) for e in examples
    )
    with_place = sum(bool(e.district or e.place) for e in examples)
    long_ones = sum(len(e.text) > 150 for e in examples)
    short_ones = sum(len(e.text) < 50 for e in examples)
    assert traditional / n >= 0.05
    assert with_phone / n >= 0.05
    assert 0.3 <= with_place / n <= 0.9
    assert long_ones / n >= 0.2 and short_ones / n >= 0.1


def test_urgency_and_places_use_known_values(examples):
    assert {e.urgency for e in examples} <= {"紧急", "较急", "一般", None}
    districts = {e.district for e in examples if e.district}
    assert "道里区" in districts and "南岗区" in districts


def test_duty_rules_name_known_departments_and_topics(taxonomy):
    rules = resources.load_rules()
    assert rules
    for rule in rules:
        assert rule["department"] in taxonomy.departments, rule["id"]
        assert rule["topic"] is None or rule["topic"] in taxonomy.topics, rule["id"]
        assert rule["keywords"], rule["id"]
