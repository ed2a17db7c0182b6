import logging

import jieba

from classifier import resources, tokenize

USER_DICT = tuple(resources.load_user_dict())
SENTENCE = "道里区抚顺街281号楼道塑钢窗漏风漏雨，冬季供热不达标，清雪也不及时"


def test_user_dictionary_terms_stay_whole_in_both_engines():
    for seg in (tokenize.FastSegmenter(USER_DICT), tokenize.JiebaSegmenter(USER_DICT)):
        words = seg.cut(SENTENCE)
        for term in ("塑钢窗", "供热", "清雪", "道里区"):
            assert term in words


def test_own_tokenizer_leaves_global_jieba_untouched(tmp_path):
    tokenize.JiebaSegmenter(["liaisontestword 9999 n"], cache_dir=tmp_path)
    jieba.initialize()
    assert "liaisontestword" not in jieba.dt.FREQ


def test_dictionary_cache_goes_to_configured_folder(tmp_path):
    seg = tokenize.JiebaSegmenter(USER_DICT, cache_dir=tmp_path / "cache")
    seg.cut("暖气不热")
    assert (tmp_path / "cache" / "jieba.cache").is_file()


def test_segmentation_is_deterministic_and_engines_agree_on_plain_text():
    fast = tokenize.FastSegmenter(USER_DICT)
    record = tokenize.JiebaSegmenter(USER_DICT)
    assert fast.cut(SENTENCE) == fast.cut(SENTENCE)
    assert fast.cut(SENTENCE) == record.cut(SENTENCE)


def test_content_tokens_drop_stopwords_punctuation_and_numbers():
    words = ["我们", "小区", "的", "暖气", "，", "281", "号", " ", "不热", "吗"]
    assert tokenize.content_tokens(words, {"我们", "的", "吗"}) == ["小区", "暖气", "号", "不热"]


def test_jieba_logs_stay_quiet(capfd, tmp_path):
    assert logging.getLogger("jieba").getEffectiveLevel() >= logging.WARNING
    tokenize.JiebaSegmenter(USER_DICT, cache_dir=tmp_path).cut("暖气不热")
    assert capfd.readouterr().err == ""


def test_configured_cache_folder_is_used_by_shared_segmenters(tmp_path):
    tokenize.configure(cache_dir=tmp_path / "configured")
    try:
        tokenize.get_segmenter("jieba", USER_DICT + ("配置测试词",)).cut("暖气")
    finally:
        tokenize.configure(cache_dir=None)
    assert (tmp_path / "configured" / "jieba.cache").is_file()


def test_unknown_engine_is_refused_in_chinese():
    try:
        tokenize.get_segmenter("nope", USER_DICT)
    except ValueError as exc:
        assert "未知的分词引擎" in str(exc)
    else:
        raise AssertionError("expected ValueError")


def test_parse_user_dict_reads_freq_and_tag_and_skips_comments():
    assert tokenize.parse_user_dict(["# c", "供热 2000 n", "清雪", "塑钢窗 n  # note"]) == [
        ("供热", 2000, "n"),
        ("清雪", None, None),
        ("塑钢窗", None, "n"),
    ]
