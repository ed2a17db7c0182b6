import pytest
from hypothesis import given
from hypothesis import strategies as st

from classifier.pii import find_pii, id_checksum_ok, luhn_ok, redact
from classifier.text import prepare

VALID_ID = "11010519491231002X"  # the check digit of the GB 11643 example is right
WRONG_CHECK_ID = "110105194912310021"


@pytest.mark.parametrize(
    "text",
    ["电话13845120937", "手机：138-4512-0937。", "打 138 4512 0937 找我", "+86 13845120937", "8613845120937"],
)
def test_mobile_numbers_are_masked(text):
    masked, spans = redact(text)
    assert [s.type for s in spans] == ["mobile"]
    assert "〔手机号〕" in masked
    assert "0937" not in masked


@pytest.mark.parametrize("text", ["座机0451-86231457", "座机(0451)86231457", "0451 86231457 转", "联系电话：86231457"])
def test_landlines_are_masked(text):
    masked, spans = redact(text)
    assert [s.type for s in spans] == ["landline"]
    assert "1457" not in masked


def test_id_number_masked_even_with_wrong_check_digit():
    assert id_checksum_ok(VALID_ID)
    assert not id_checksum_ok(WRONG_CHECK_ID)
    for number, confident in ((VALID_ID, True), (WRONG_CHECK_ID, False)):
        masked, spans = redact(f"身份证号{number}，请核实")
        assert masked == "身份证号〔身份证号〕，请核实"
        assert spans[0].type == "id_number" and spans[0].confident is confident


def test_bank_card_needs_luhn():
    assert luhn_ok("6222021234567890128")
    masked, spans = redact("工资卡6222 0212 3456 7890 128被冻结")
    assert [s.type for s in spans] == ["bank_card"] and "7890" not in masked
    _, spans = redact("卡号6222021234567890127")  # fails Luhn: not a card number
    assert spans == []


def test_email_plate_and_submitter_name():
    masked, spans = redact("张建国的邮箱 zhang.jg@example.com，车牌黑A·5K2J7", names=["张建国"])
    assert {s.type for s in spans} == {"name", "email", "plate"}
    assert masked == "〔姓名〕的邮箱 〔邮箱〕，车牌〔车牌号〕"


def test_new_energy_plate_and_plate_without_dot():
    assert [s.type for s in find_pii("黑AD12345和黑B12345")] == ["plate", "plate"]


@pytest.mark.parametrize(
    "text",
    [
        "订单号202311150012345678一直没发货",
        "快递单号 773012345678901，运单没更新",
        "2023-11-15 下午3点停的水",
        "供热费每平方米29.5元，一共2832元",
        "工单编号20261127000123",
        "我家住3栋2单元501室，房子建于1998年",
        "12345热线打了8次",
        "合同号 HT13845120937A",
    ],
)
def test_order_numbers_dates_prices_are_not_pii(text):
    assert find_pii(text) == []


def test_prepare_normalizes_then_masks_full_width_digits():
    p = prepare("電話：１３８４５１２０９３７，撫順社區")
    assert p.masked == "电话:〔手机号〕,抚顺社区"
    assert p.pii_types == ["mobile"]
    assert "13845120937" in p.normalized


@given(
    prefix=st.text(alphabet="暖气不热小区物业电话联系我们，。 ", max_size=30),
    suffix=st.text(alphabet="暖气不热小区物业谢谢，。 ", max_size=30),
    digits=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
)
def test_a_mobile_number_never_survives_masking(prefix, suffix, digits):
    masked = prepare(prefix + digits + suffix).masked
    assert digits not in masked
