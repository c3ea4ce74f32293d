"""
Labels of a file that never occurred in the stream, with the stream label they differ
from only by case, whitespace or Unicode normalisation.
"""
import unicodedata

from idc.balance.core import unmatched_labels, unmatched_lines


def test_exact_matches_are_not_reported():
    assert unmatched_labels(["cat", "dog"], ["dog", "cat", "bird"]) == {}


def test_near_matches_say_how_the_labels_differ():
    cafe_nfd = unicodedata.normalize("NFD", "café")
    result = unmatched_labels(["Cat", " dog", "\ufb01sh", cafe_nfd, " BIRD", "zebra"],
                              ["cat", "dog", "fish", "café", "bird"])
    assert result == {
        "Cat": ("cat", "case"),
        " dog": ("dog", "surrounding whitespace"),
        "\ufb01sh": ("fish", "Unicode normalisation"),
        cafe_nfd: ("café", "Unicode normalisation"),
        " BIRD": ("bird", "case, surrounding whitespace or Unicode normalisation"),
        "zebra": None,
    }


def test_lines_name_every_label_and_its_near_match():
    lines = unmatched_lines(unmatched_labels(["Cat", "zebra"], ["cat"]))
    assert lines == ["'Cat': no record has this label, but 'cat' differs from it only by case (labels are "
                     "compared exactly)",
                     "'zebra': no record has this label"]


def test_nothing_in_the_stream():
    assert unmatched_labels(["a", "b"], []) == {"a": None, "b": None}
