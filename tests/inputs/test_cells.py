"""Cell normalisation: booleans, dates, numbers, shares, lists and coded values as planners write them."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inputs import cells
from inputs.cells import CellError

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("否", False),
        ("YES", True),
        (" no ", False),
        ("True", True),
        ("false", False),
        ("1", True),
        ("0", False),
        ("Y", True),
        ("n", False),
        ("√", True),
        ("１", True),
        (True, True),
        (0, False),
        (1.0, True),
    ],
)
def test_booleans(raw: object, expected: bool) -> None:
    """Every spelling of yes/no the SPEC and the brief name reads as the same boolean."""
    assert cells.boolean(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "是的吧", 2])
def test_bad_boolean(raw: object) -> None:
    """A word that is neither yes nor no is rejected with what is expected."""
    with pytest.raises(CellError, match="是 或 否"):
        cells.boolean(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "2025-03-03",
        "2025/3/3",
        "2025.3.3",
        "2025年3月3日",
        "２０２５年３月３日",
        " 2025-03-03 ",
        "2025-03-03 00:00:00",
        "20250303",
        datetime(2025, 3, 3),
        date(2025, 3, 3),
        45719,  # the Excel serial number of 2025-03-03
    ],
)
def test_dates(raw: object) -> None:
    """ISO, slashes, dots, 年月日, full-width digits, Excel date cells and serials all give 2025-03-03."""
    assert cells.day(raw) == date(2025, 3, 3)


@pytest.mark.parametrize("raw", ["2025-13-01", "2025-02-30", "3/3/2025", "明天", "2025-03", True])
def test_bad_dates(raw: object) -> None:
    """Impossible or ambiguous dates are rejected, never guessed."""
    with pytest.raises(CellError, match="日期"):
        cells.day(raw)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)), st.sampled_from(range(5)))
def test_any_date_in_any_format(day: date, style: int) -> None:
    """Property: each accepted text form of any date reads back as that date."""
    text = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}年{day.month}月{day.day}日".translate(_FULL_WIDTH),
    ][style]
    assert cells.day(text) == day


@pytest.mark.parametrize(
    ("raw", "expected"), [("5", 5), ("5.0", 5), (5.0, 5), ("５", 5), (" 12 ", 12), (7, 7)]
)
def test_integers(raw: object, expected: int) -> None:
    """Whole numbers written as text, floats from Excel or full-width digits read as int."""
    assert cells.integer(raw) == expected


@pytest.mark.parametrize("raw", ["5.5", "五", "5天", 5.5, True])
def test_bad_integers(raw: object) -> None:
    """Fractions, words and booleans are not whole numbers."""
    with pytest.raises(CellError, match="整数"):
        cells.integer(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.3", 0.3),
        ("30%", 0.3),
        ("30", 0.3),
        (30, 0.3),
        (0.3, 0.3),
        ("100%", 1.0),
        ("1", 1.0),
        ("３０％", 0.3),
    ],
)
def test_shares(raw: object, expected: float) -> None:
    """A share is 0.3, 30% or 30 (numbers above 1 are percentages)."""
    assert cells.share(raw) == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["150%", "150", "-0.1", "三成"])
def test_bad_shares(raw: object) -> None:
    """A share outside 0..1 (after reading percentages) is rejected."""
    with pytest.raises(CellError, match="0 到 1"):
        cells.share(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("tertiary_general", "tertiary_general"),
        ("Tertiary General", "tertiary_general"),
        ("三级综合", "tertiary_general"),
        ("三级专科医院", "tertiary_specialty"),
        ("妇幼", "maternal_child"),
        ("妇幼保健院", "maternal_child"),
        ("二级", "secondary"),
        ("基层", "grassroots"),
        ("乡镇卫生院", "grassroots"),
        ("社区卫生服务中心", "grassroots"),
    ],
)
def test_tiers(raw: str, expected: str) -> None:
    """Tiers read from English codes, Chinese labels and the common names of grassroots institutions."""
    assert cells.tier(raw) == expected


def test_unknown_tier_lists_the_valid_ones() -> None:
    """An unknown tier names every valid label in the message."""
    with pytest.raises(CellError) as caught:
        cells.tier("三甲")
    assert caught.value.expected == "三级综合、三级专科、妇幼保健院、二级、基层 之一"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("公立", "public"),
        ("民营", "private"),
        ("社会办", "private"),
        ("Private", "private"),
        ("public", "public"),
    ],
)
def test_ownership(raw: str, expected: str) -> None:
    """Ownership in Chinese or English."""
    assert cells.ownership(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("holiday", "holiday"),
        ("放假", "holiday"),
        ("休", "holiday"),
        ("workday", "workday"),
        ("调休上班", "workday"),
    ],
)
def test_holiday_kinds(raw: str, expected: str) -> None:
    """Holiday kinds in English or the words Chinese calendars use."""
    assert cells.holiday_kind(raw) == expected


def test_lists_with_every_separator() -> None:
    """Lists split on ; ； 、 , and ， with blanks and repeats dropped, order kept."""
    assert cells.items("党建；行风、医疗管理,财务，安全生产;;党建") == (
        "党建",
        "行风",
        "医疗管理",
        "财务",
        "安全生产",
    )


_TOKEN = st.text(alphabet=st.sampled_from("党建行风医疗管理财务安全生产ABCxyz0123"), min_size=1, max_size=6)


@given(st.lists(_TOKEN, min_size=1, max_size=6, unique=True), st.data())
def test_any_list_with_any_separators(tokens: list[str], data: st.DataObject) -> None:
    """Property: tokens joined by any mix of separators and spaces split back into the same tokens."""
    separators = data.draw(
        st.lists(st.sampled_from([";", "；", "、", ",", "，", " ; "]), min_size=len(tokens))
    )
    text = "".join(token + separators[i] for i, token in enumerate(tokens))
    assert cells.items(text) == tuple(tokens)


@given(st.sampled_from(["是", "yes", "true", "1", "y", "√"]), st.booleans(), st.booleans())
def test_true_words_in_any_case_and_width(word: str, upper: bool, wide: bool) -> None:
    """Property: a yes-word reads as True whatever its case, width or surrounding spaces."""
    if upper:
        word = word.upper()
    if wide:
        word = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)
    assert cells.boolean(f"  {word} ") is True


def test_keys_are_nfkc_normalised_and_text_keeps_chinese_punctuation() -> None:
    """Ids lose full-width forms (Ｅ０１ → E01); display text keeps （）, only trimmed."""
    assert cells.key("  Ｅ０１ ") == "E01"
    assert (
        cells.text(" 重庆市巴南区医疗卫生机构巡查（2024-2026年度） ")
        == "重庆市巴南区医疗卫生机构巡查（2024-2026年度）"
    )
    assert unicodedata.normalize("NFKC", "（") == "("  # why display text is not NFKC-normalised


def test_numbers_from_excel_become_plain_ids() -> None:
    """An id typed as a number in Excel (1001 or 1001.0) reads as the text "1001"."""
    assert cells.key(1001.0) == "1001"
    assert cells.key(1001) == "1001"


# -- hostile and oversized cells (issue 9) ------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["9" * 400, "1e400", "10^20", "1" + "0" * 16, "-" + "9" * 30, float("inf"), float("-inf"), "nan", "inf"],
)
def test_huge_or_odd_integers_are_refused_cleanly(raw: object) -> None:
    """Numbers too long for any range, exponents and infinities are a CellError, never an OverflowError."""
    with pytest.raises(CellError, match="整数"):
        cells.integer(raw)


def test_long_integers_within_reason_still_read() -> None:
    """Leading zeros do not count against the length limit; 10^20 typed by Excel as a number is an int
    (the reader's range check refuses it)."""
    assert cells.integer("0" * 40 + "42") == 42
    assert cells.integer(1e20) == 10**20


@pytest.mark.parametrize(
    "raw", ["1899-12-31", "9999-12-31", "0001-01-01", datetime(2201, 1, 1), date(1066, 10, 14)]
)
def test_dates_outside_1900_to_2200_are_refused(raw: object) -> None:
    """A date with an absurd year is refused, naming the years accepted."""
    with pytest.raises(CellError, match="1900 到 2200 年"):
        cells.day(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张\x1b[31m三", "张[31m三"),
        ("E0\x001", "E01"),
        ("\u202eexe.txt", "exe.txt"),
        ("市\u200d人民\u2066医院\u2069", "市人民医院"),
        ("\ufeff编号", "编号"),
        ("a\tb\nc", "a b c"),
        ("重庆市（巴南区）人民医院，“一院”", "重庆市（巴南区）人民医院，“一院”"),
        ("\x85\x9b", ""),
    ],
)
def test_control_and_format_characters_are_dropped(raw: str, expected: str) -> None:
    """ESC, NUL, C1 controls, bidi overrides and zero-width joiners never reach the scenario; line breaks
    become spaces; Chinese punctuation stays."""
    assert cells.text(raw) == expected
    assert cells.key(raw) == unicodedata.normalize("NFKC", expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("'=HYPERLINK(1)", "=HYPERLINK(1)"), ("'+cmd", "+cmd"), ("'-1", "-1"), ("'@x", "@x"), ("'abc", "'abc")],
)
def test_formula_quote_is_taken_off(raw: str, expected: str) -> None:
    """The `'` our CSV writers put before = + - @ reads back without it; any other `'` stays."""
    assert cells.text(raw) == expected


def test_quoted_negative_number_reads_as_that_number() -> None:
    """`'-1` (neutralised on writing) is the number -1 again."""
    assert cells.integer("'-1") == -1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("zhangzm@example.cn", "zhangzm@example.cn"),
        (" Zhang@Example.CN ", "Zhang@example.cn"),
        ("ｘｃｂ＠ｅｘａｍｐｌｅ．ｃｎ", "xcb@example.cn"),
        ("张三@例子.中国", "张三@例子.中国"),
    ],
)
def test_email_addresses_are_normalised(raw: str, expected: str) -> None:
    """Well-formed addresses read as their normalised form (domain lower-cased, full-width made plain)."""
    assert cells.email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["a@b", "zhang", "a@b.com ATTENDEE:mailto:evil@x", "a@@b.cn", "张三 <a@b.cn>", "a@b.cn\nBCC:c@d.cn"],
)
def test_bad_email_addresses(raw: str) -> None:
    """Anything but one plain address is refused (no network look-up is made)."""
    with pytest.raises(CellError, match="邮箱"):
        cells.email(raw)
