from classifier.normalize import normalize, strip_html, to_simplified


def test_article_traditional_text_becomes_simplified():
    assert normalize("撫順社區的樓道塑鋼窗漏風漏雨") == "抚顺社区的楼道塑钢窗漏风漏雨"
    assert to_simplified("南馬路街道人大代表聯絡站") == "南马路街道人大代表联络站"


def test_simplified_text_is_unchanged():
    text = "道里区抚顺街281号，楼道窗户漏风。"
    assert normalize(text) == "道里区抚顺街281号,楼道窗户漏风。"


def test_full_width_letters_digits_and_spaces_become_half_width():
    assert normalize("ＡＢＣ　１２３号楼\u3000３单元") == "ABC 123号楼 3单元"


def test_html_is_stripped_and_entities_decoded():
    raw = "<div><p>暖气不热&amp;漏水</p><script>alert(1)</script><br>请尽快处理</div>"
    assert normalize(raw) == "暖气不热&漏水\n请尽快处理"
    assert strip_html("价格 < 100 元") == "价格 < 100 元"


def test_whitespace_and_control_characters_are_cleaned():
    assert normalize("  暖气\t\t不热 \r\n\r\n\n  已经三天\x00了\ufeff ") == "暖气 不热\n已经三天了"
