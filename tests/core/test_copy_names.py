"""
Copy names: no copy can take the name of an input, and no two copies share a name,
whatever the inputs are called (the naming scheme of core/_copy_names.py).
"""
import itertools

import pytest

from idc.balance.core import COPY_MARKER, copy_name, escape_name, needs_escape


def output_names(inputs, copies):
    """
    The names a run writes when every input gets the given number of copies: each
    input escaped, plus its copies (named after the unescaped name).
    """
    result = []
    for name in inputs:
        result.append(escape_name(name))
        result.extend(copy_name(name, number) for number in range(1, copies + 1))
    return result


def test_copy_names_insert_marker_and_number_before_the_extension():
    assert copy_name("cat_17.jpg", 1) == "cat_17~1.jpg"
    assert copy_name("cat_17.jpg", 12) == "cat_17~12.jpg"
    assert copy_name("noext", 2) == "noext~2"
    assert copy_name(".hidden", 1) == ".hidden~1"
    assert copy_name("a.tar.gz", 1) == "a.tar~1.gz"


def test_names_without_marker_are_never_changed():
    for name in ["cat_17.jpg", "x-1.jpg", "img 01.png", "ünïcödé.jpg", ""]:
        assert not needs_escape(name)
        assert escape_name(name) == name


def test_marker_in_input_names_is_doubled():
    assert escape_name("x~1.jpg") == "x~~1.jpg"
    assert copy_name("x~1.jpg", 1) == "x~~1~1.jpg"
    assert copy_name("a.j~pg", 1) == "a~1.j~~pg"


def test_the_colliding_names_of_the_issue_do_not_collide():
    # x.jpg next to names that look like its copies, under the old ('-') and the new ('~') scheme
    inputs = ["x.jpg", "x-1.jpg", "x~1.jpg", "x~~1.jpg", "x~1~1.jpg"]
    names = output_names(inputs, 3)
    assert len(names) == len(set(names)) == 20


def test_no_collision_over_all_short_names():
    # exhaustive over every name of up to 5 characters from an alphabet rich in the
    # characters that matter (marker, digits, dot): each input plus 11 copies (two-digit
    # copy numbers included) must give pairwise different names
    alphabet = [COPY_MARKER, "1", "2", ".", "a"]
    inputs = ["".join(p) for n in range(1, 6) for p in itertools.product(alphabet, repeat=n)]
    names = output_names(inputs, 11)
    assert len(names) == len(set(names)) == len(inputs) * 12


@pytest.mark.parametrize("name", ["x.jpg", "x~1.jpg", "~", "~~.~", "1~2~3"])
def test_copy_names_have_exactly_one_odd_run_of_markers(name):
    def odd_runs(text):
        return sum(1 for key, group in itertools.groupby(text) if key == COPY_MARKER and len(list(group)) % 2 == 1)
    assert odd_runs(escape_name(name)) == 0
    assert odd_runs(copy_name(name, 7)) == 1
