"""
The copy limit: corrections and exact targets are turned into copies per record with
whole numbers, and anything above the limit is refused with the file, label and value.
"""
import pytest

from idc.balance.core import (BalanceError, DEFAULT_MAX_COPIES, MAX_COPIES_CEILING, check_max_copies,
                              correction_copies, target_copies, check_correction_copies, check_target_copies)


@pytest.mark.parametrize("correction, copies", [(0.0, 0), (0.5, 0), (1.0, 0), (1.0000001, 1), (2.0, 1), (2.5, 2),
                                                (1001.0, 1000), (1e308, 10 ** 308)])
def test_correction_copies(correction, copies):
    # 1e308 is not exactly 10**308 as a float; compare the order of magnitude for it
    if correction == 1e308:
        assert len(str(correction_copies(correction))) == 309
    else:
        assert correction_copies(correction) == copies


@pytest.mark.parametrize("count, target, copies", [(10, 5, 0), (10, 10, 0), (10, 11, 1), (10, 20, 1), (10, 21, 2),
                                                   (3, 10 ** 30, 10 ** 30 // 3), (0, 100, 0)])
def test_target_copies_in_whole_numbers(count, target, copies):
    assert target_copies(count, target) == copies


def test_default_limit_and_ceiling():
    assert DEFAULT_MAX_COPIES >= 1000
    assert check_max_copies(1) == 1
    assert check_max_copies(MAX_COPIES_CEILING) == MAX_COPIES_CEILING
    for bad in [0, -1, MAX_COPIES_CEILING + 1, 1.5, True, "10", None]:
        with pytest.raises(BalanceError, match="--max_copies"):
            check_max_copies(bad)


def test_correction_above_the_limit_names_file_label_value_and_limit():
    # the limit counts outputs, the record itself included: 1000 outputs are allowed, 1000.5 may give 1001
    check_correction_copies({"a": 1000.0, "b": 0.5}, 1000, "label correction file 'c.json'")
    with pytest.raises(BalanceError) as e:
        check_correction_copies({"b": 0.5, "a": 1000.5}, 1000, "label correction file 'c.json'")
    message = str(e.value)
    for part in ["label correction file 'c.json'", "label 'a'", "1000.5", "1001 outputs", "--max_copies 1000"]:
        assert part in message


def test_huge_correction_is_refused_with_a_short_message():
    with pytest.raises(BalanceError) as e:
        check_correction_copies({"a": 1e308}, 1000, "label correction file 'c.json'")
    assert "about 10^308 outputs" in str(e.value)


def test_target_above_the_limit_names_counts_label_target_and_limit():
    check_target_copies({"a": 10}, {"a": 10000}, 1000, "label counts file 'n.json'")
    with pytest.raises(BalanceError, match="need up to 1001 outputs"):
        check_target_copies({"a": 10}, {"a": 10001}, 1000, "label counts file 'n.json'")
    with pytest.raises(BalanceError) as e:
        check_target_copies({"a": 10, "b": 100}, {"a": 1000000000, "b": 100}, 1000, "label counts file 'n.json'",
                            "option --target 1000000000")
    message = str(e.value)
    for part in ["label counts file 'n.json'", "label 'a'", "10 record(s) with target 1000000000",
                 "option --target 1000000000", "100000000 outputs", "--max_copies 1000"]:
        assert part in message


def test_can_make_copies():
    from idc.balance.core import can_make_copies
    assert not can_make_copies(None)
    assert not can_make_copies({"a": 1.0, "b": 0.2})
    assert can_make_copies({"a": 1.0001})
    # exact mode: a target above its count makes copies, whatever the correction says
    assert not can_make_copies(None, {"a": 10, "b": 5}, {"a": 5, "b": 5})
    assert can_make_copies(None, {"a": 10, "b": 5}, {"a": 10, "b": 6})
