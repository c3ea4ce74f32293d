"""
Samplers turn per-label corrections or targets into a decision per record: how many
times the record is emitted (0 = dropped, 1 = kept, more = kept plus copies). They
keep counters per label, never records: memory grows with the number of labels only.

Each label's decisions are drawn ahead, a block at a time, with numpy (see
:class:`DecisionStream`), and handed out by a C-level iterator: a decision costs a dict
look-up and ``next()``, as little as the least work of a decision (one look-up and one
draw), so that a filter built on a sampler costs what a minimal filter costs. The
decisions are fixed by the seed and the order of the records; a block is drawn when
its label's next record arrives, from the sampler's one generator.
"""
import array
import itertools
import math
import operator
import sys
from typing import Callable, Dict, Hashable, Iterator, List, Mapping, Optional, Tuple, Union

import numpy as np

from ._keyed import KeyedDraws, keyed_threshold, utf8, xxh3
from ._report import LabelTally

BLOCK_SIZE = 8192
""" The most decisions of one label drawn at once. """

FIRST_BLOCK = 64
""" The first block of a label whose number of records is not known: blocks double from it up to the limit, so that
a label with few records draws few numbers ahead (a numpy call costs as much as drawing a few hundred numbers). """

BLOCK_BUDGET = 2 ** 22
""" Decisions drawn ahead over all labels: a label's blocks are limited to this share (but at least
MIN_BLOCK_LIMIT), so that memory stays bounded whatever the number of labels (8 bytes a decision). """

MIN_BLOCK_LIMIT = 64

DECISION_TYPE = "q"
""" The decisions' array type: signed 64-bit whole numbers. """

SELECTION_LIMIT = 10 ** 9
""" numpy's hypergeometric draw takes fewer records than this; larger labels are selected record by record. """


class DecisionStream:
    """
    The decisions of one label (how many times each of its records is emitted), in
    stream order: :attr:`iterator` is an endless C-level iterator over them, fed block by
    block by a function (block size -> the decisions of the label's next records). The
    stream knows how many decisions it has handed out, and their sum, without a counter
    per record.
    """
    __slots__ = ("iterator", "_make", "_size", "_limit", "_done_records", "_done_emitted", "_block", "_handing_out")

    def __init__(self, make_block: Callable[[int], List[int]], limit: int = BLOCK_SIZE, first: int = FIRST_BLOCK):
        """
        :param make_block: block size -> the next decisions (a list of that many whole numbers, or fewer)
        :type make_block: callable
        :param limit: the largest block
        :type limit: int
        :param first: the first block's size (blocks double from it up to the limit)
        :type first: int
        """
        self._make = make_block
        self._limit = limit
        self._size = max(1, min(first, limit))
        self._done_records = 0
        self._done_emitted = 0
        self._block = array.array(DECISION_TYPE)
        self._handing_out = iter(self._block)
        self.iterator: Iterator[int] = itertools.chain.from_iterable(self._blocks())
        """ the decisions: next() gives the number of emissions of the label's next record """

    def _blocks(self) -> Iterator[Iterator[int]]:
        """
        Makes the blocks, each when the previous one is used up (the chain asks for the next
        only then), and keeps the totals of the finished ones.
        """
        while True:
            self._done_records += len(self._block)
            self._done_emitted += sum(self._block)
            # an array, not a list: the collector walks every item of a list it looks at, of an array none
            self._block = array.array(DECISION_TYPE, self._make(self._size))
            self._size = min(self._size * 2, self._limit)
            self._handing_out = iter(self._block)
            yield self._handing_out

    def handed_out(self) -> Tuple[int, int]:
        """
        Returns how many decisions were handed out, and the emissions they add up to.

        :return: (records decided, emissions)
        :rtype: tuple
        """
        # an array's iterator tells its position only through the pickle protocol; a used-up one tells none
        state = self._handing_out.__reduce__()
        used = state[2] if len(state) > 2 else len(self._block)
        return self._done_records + used, self._done_emitted + sum(self._block[:used])


ENDLESS = sys.maxsize
""" The length of a stream of decisions that never runs out. """


class ConstantStream:
    """
    The decisions of a label with no choice left: its first `count` records are each
    emitted `value` times, any later ones dropped (0: the target is met). Two C-level repeats chained, no
    blocks and no generator: a label's first record costs a fraction of what a
    :class:`DecisionStream` costs to set up, which counts where most labels (or
    signatures) have a handful of records. It counts what it handed out from the repeats'
    remaining lengths, as a DecisionStream does, with no counter per record.
    """
    __slots__ = ("iterator", "_value", "_count", "_first", "_rest")

    def __init__(self, value: int, count: int = ENDLESS):
        """
        :param value: the emissions of each of the first count records
        :type value: int
        :param count: how many records get value (ENDLESS: all)
        :type count: int
        """
        self._value = value
        self._count = count
        self._first = itertools.repeat(value, count)
        self._rest = itertools.repeat(0, ENDLESS)
        self.iterator: Iterator[int] = itertools.chain(self._first, self._rest)
        """ the decisions: next() gives the number of emissions of the label's next record """

    def handed_out(self) -> Tuple[int, int]:
        """
        Returns how many decisions were handed out, and the emissions they add up to.

        :return: (records decided, emissions)
        :rtype: tuple
        """
        first = self._count - operator.length_hint(self._first)
        rest = ENDLESS - operator.length_hint(self._rest)
        return first + rest, first * self._value


def block_limit(labels: int) -> int:
    """
    Returns the largest block of a label when there are this many labels (see BLOCK_BUDGET).

    :param labels: the number of labels
    :type labels: int
    :return: the block limit
    :rtype: int
    """
    return max(MIN_BLOCK_LIMIT, min(BLOCK_SIZE, BLOCK_BUDGET // max(labels, 1)))


def probabilistic_block(rng: np.random.Generator, correction: float) -> Callable[[int], List[int]]:
    """
    Returns the block maker of a label with a correction c: each record is emitted floor(c)
    times, plus once more with probability c - floor(c).

    :param rng: the generator to draw from
    :type rng: np.random.Generator
    :param correction: the correction
    :type correction: float
    :return: block size -> decisions
    :rtype: callable
    """
    whole = math.floor(correction)
    fraction = correction - whole
    if fraction == 0:
        return lambda size: [whole] * size
    return lambda size: (whole + (rng.random(size) < fraction)).tolist()


def exact_block(rng: np.random.Generator, count: int, target: int) -> Callable[[int], List[int]]:
    """
    Returns the block maker of a label with count records and a target: every record is
    emitted floor(target / count) times, and target mod count of them once more, a uniformly
    random choice. A block of the records still to come holds as many of the chosen ones as
    a hypergeometric draw says (the number of chosen among the block's records when the
    rest are chosen uniformly), placed uniformly in the block; so the choice over all
    blocks is a uniform choice of exactly that many records. Records beyond the count are
    dropped (0: the target is met).

    :param rng: the generator to draw from
    :type rng: np.random.Generator
    :param count: the label's records
    :type count: int
    :param target: how many times the label's records are emitted in all
    :type target: int
    :return: block size -> decisions
    :rtype: callable
    """
    base, extra = divmod(target, count) if count > 0 else (0, 0)
    state = [count, extra]
    """ records still to come, extra emissions still to choose among them """

    def make(size: int) -> List[int]:
        remaining, needed = state
        if remaining == 0:
            return [0] * size
        size = min(size, remaining)
        state[0] = remaining - size
        if needed == 0:
            # no choice left (the common case of a label kept or copied whole): no numpy call
            return [base] * size
        if needed == remaining:
            state[1] = needed - size
            return [base + 1] * size
        if remaining < SELECTION_LIMIT:
            hits = int(rng.hypergeometric(needed, remaining - needed, size)) if size < remaining else needed
            # the positions that a random permutation maps below hits: a uniform choice of hits positions
            chosen = rng.permutation(size) < hits
        else:
            # sequential selection (Knuth's Algorithm S): the i-th record is chosen with probability
            # (still needed) / (still to come)
            chosen = np.zeros(size, dtype=bool)
            uniforms = rng.random(size)
            left = needed
            for i in range(size):
                if (left > 0) and (uniforms[i] * (remaining - i) < left):
                    chosen[i] = True
                    left -= 1
            hits = needed - left
        state[1] = needed - hits
        return (base + chosen.astype(np.int64)).tolist()

    return make


class ProbabilisticSampler:
    """
    Emits each record a random number of times whose expectation is its label's
    correction c: floor(c) times, plus once more with probability c - floor(c). Up to
    1 that is a Bernoulli trial (keep with probability c). Every record is decided
    independently, so the counts are only balanced on average.

    The decisions come from the stream of the sampler's generator (:attr:`decisions`,
    :meth:`emit_count`), or, with keyed draws, are a function of the record's label and
    name (:meth:`emit_count_keyed`).
    """

    def __init__(self, correction: Mapping[str, float], default_probability: float, rng: np.random.Generator,
                 keyed: Optional[KeyedDraws] = None):
        """
        :param correction: label -> correction (non-negative)
        :type correction: dict
        :param default_probability: the correction of labels not in the correction
        :type default_probability: float
        :param rng: the generator to draw the decisions from
        :type rng: np.random.Generator
        :param keyed: the keyed draws for :meth:`emit_count_keyed`, None if the decisions come from the generator
        :type keyed: KeyedDraws
        """
        self._correction = dict(correction)
        self._default = default_probability
        self._rng = rng
        self._streams: Dict[Hashable, Union[DecisionStream, ConstantStream]] = dict()
        self.decisions: Dict[Hashable, Iterator[int]] = dict()
        """ label -> the iterator over its decisions: next(decisions[label]) is the number of emissions of the label's
        next record; a plain dict, the fastest look-up: a label's first record finds none (KeyError) and takes
        :meth:`decisions_of` """
        self._keyed = keyed
        self._keyed_state: Dict[Hashable, List] = dict()
        """ keyed: per label [records in, records emitted once more than the whole part, whole part, label seed,
        hash threshold of the fractional part] """
        self.emit_count_keyed: Optional[Callable[[str, str], int]] = \
            None if keyed is None else self._keyed_decision()
        """ (label, image name ("" for none)) -> how many times the record is emitted, 0 to drop it: a function of
        the label and the name (see :class:`KeyedDraws`), the same for the same record in any order and any shard.
        The uniform number is compared in hash space (see :func:`keyed_threshold`): hash < threshold exactly when the
        number is below the fractional part of the correction. None without keyed draws. """

    def decisions_of(self, label: Hashable) -> Iterator[int]:
        """
        Returns the iterator over a label's decisions, made on the label's first record.

        :param label: the label
        :return: the iterator (see :attr:`decisions`)
        """
        iterator = self.decisions.get(label)
        if iterator is None:
            correction = self.correction(label)
            if correction == math.floor(correction):
                # a whole number: every record is emitted that many times, nothing to draw
                stream = ConstantStream(int(correction))
            else:
                stream = DecisionStream(probabilistic_block(self._rng, correction), block_limit(len(self._streams) + 1))
            self._streams[label] = stream
            iterator = self.decisions[label] = stream.iterator
        return iterator

    def correction(self, label: str) -> float:
        """
        Returns the correction of a label (the expected number of emissions per record).

        :param label: the label
        :type label: str
        :return: the correction
        :rtype: float
        """
        return self._correction.get(label, self._default)

    def emit_count(self, label: str) -> int:
        """
        Decides how many times the next record with this label is emitted (the next of
        :attr:`decisions`, which a filter reads directly).

        :param label: the record's label
        :type label: str
        :return: the number of emissions, 0 to drop the record
        :rtype: int
        """
        return next(self.decisions_of(label))

    def _keyed_decision(self) -> Callable[[str, str], int]:
        """
        Returns the keyed decision (see :attr:`emit_count_keyed`), a closure over the state table (its
        per-record reads are cheaper than a method's attribute reads).
        """
        states = self._keyed_state
        new_state = self._new_keyed_state

        def emit_count_keyed(label: str, name: str) -> int:
            try:
                state = states[label]
            except KeyError:
                state = states[label] = new_state(label)
            state[0] += 1
            # KeyedDraws.name_hash(name, label seed), inlined: a Python call would cost a fifth of the decision
            try:
                data = name.encode()
            except UnicodeEncodeError:
                data = utf8(name)
            if xxh3(data, state[3]) < state[4]:
                state[1] += 1
                return state[2] + 1
            return state[2]

        return emit_count_keyed

    def _new_keyed_state(self, label: Hashable) -> List:
        """
        Makes the keyed state of a label on its first record.
        """
        c = self.correction(label)
        whole = math.floor(c)
        return [0, 0, whole, self._keyed.label_seed(label), keyed_threshold(c - whole)]

    def _handed_out(self) -> Dict[Hashable, Tuple[int, int]]:
        """
        Returns per label the records decided and their emissions.
        """
        result = {label: stream.handed_out() for label, stream in self._streams.items()}
        for label, (records, extra, whole, _, _) in self._keyed_state.items():
            result[label] = (records, whole * records + extra)
        return result

    def tallies(self) -> Dict[str, LabelTally]:
        """
        Returns what happened per label so far, sorted by label; the target is the
        expected number of emissions (correction x records in).

        :return: label -> tally
        :rtype: dict
        """
        result = dict()
        for label, (records, emitted) in sorted(self._handed_out().items()):
            whole = math.floor(self.correction(label))
            extra = emitted - whole * records
            kept = records if whole > 0 else extra
            result[label] = LabelTally(records, kept, emitted - kept, self.correction(label) * records)
        return result


class ExactSampler:
    """
    Emits exactly the target number of records per label in one pass, given each
    label's count in advance. A label with n records and target t emits every record
    floor(t / n) times, and t mod n of its records once more, chosen uniformly (see
    :func:`exact_block`): every record is equally likely to be chosen, and exactly the
    needed number is chosen when the stream holds n records.

    Labels that were not counted are decided by a fallback sampler. Records beyond a
    label's count are dropped (its target is already met); :meth:`mismatches` reports
    every label whose stream disagreed with its count.
    """

    def __init__(self, counts: Mapping[str, int], targets: Mapping[str, int], rng: np.random.Generator,
                 fallback: ProbabilisticSampler, aliases: Optional[Mapping[str, str]] = None):
        """
        :param counts: label -> number of records in the stream
        :type counts: dict
        :param targets: label -> number of records to emit (labels in counts)
        :type targets: dict
        :param rng: the generator to draw the choices from
        :type rng: np.random.Generator
        :param fallback: decides records of labels that are not in counts
        :type fallback: ProbabilisticSampler
        :param aliases: other keys that are decided as one of the counted labels, sharing its count and
                        target (a pool of keys): alias -> label; None for none
        :type aliases: dict
        """
        self._fallback = fallback
        self._rng = rng
        self._targets = dict(targets)
        self._counts = dict(counts)
        self._limit = block_limit(len(counts))
        self._streams: Dict[Hashable, Union[DecisionStream, ConstantStream]] = dict()
        """ the decision streams of the counted labels that occurred: made on a label's first record, so that memory
        grows with the labels of the stream, not with those of the counts file """
        self.decisions: Dict[Hashable, Iterator[int]] = dict()
        """ label -> the iterator over its decisions: next(decisions[label]) is the number of emissions of the label's
        next record; a label finds none (KeyError) before its first record takes :meth:`decisions_of` """
        self._aliases = dict(aliases or dict())

    def decisions_of(self, label: Hashable) -> Iterator[int]:
        """
        Returns the iterator over a label's decisions, made on its first record: a counted label's (an alias takes
        its label's), or the fallback's for a label that was not counted.

        :param label: the label
        :return: the iterator (see :attr:`decisions`)
        """
        iterator = self.decisions.get(label)
        if iterator is not None:
            return iterator
        counted = self._aliases.get(label, label)
        if counted in self._counts:
            stream = self._streams.get(counted)
            if stream is None:
                n = self._counts[counted]
                base, extra = divmod(self._targets[counted], n) if n > 0 else (0, 0)
                if extra == 0:
                    # no choice (a label kept, dropped or copied whole): every counted record is emitted base times
                    stream = ConstantStream(base, n)
                else:
                    # the first block holds all the label's records, up to the limit: one numpy call for a small label
                    stream = DecisionStream(exact_block(self._rng, n, self._targets[counted]), self._limit, first=n)
                self._streams[counted] = stream
            iterator = stream.iterator
        else:
            iterator = self._fallback.decisions_of(label)
        self.decisions[label] = iterator
        return iterator

    def targets(self) -> Dict[str, int]:
        """
        Returns the target of each counted label.

        :return: label -> number of records to emit
        :rtype: dict
        """
        return dict(self._targets)

    def emit_count(self, label: str) -> int:
        """
        Decides how many times the next record with this label is emitted (the next of
        :attr:`decisions`, which a filter reads directly).

        :param label: the record's label
        :type label: str
        :return: the number of emissions, 0 to drop the record
        :rtype: int
        """
        return next(self.decisions_of(label))

    def tallies(self) -> Dict[str, LabelTally]:
        """
        Returns what happened per label so far, sorted by label, including labels
        decided by the fallback and counted labels that never occurred.

        :return: label -> tally
        :rtype: dict
        """
        result = dict()
        for label in self._counts:
            stream = self._streams.get(label)
            records, emitted = (0, 0) if stream is None else stream.handed_out()
            decided = min(records, self._counts[label])
            base = self._targets[label] // self._counts[label] if self._counts[label] > 0 else 0
            chosen = emitted - base * decided
            kept = decided if base > 0 else chosen
            result[label] = LabelTally(records, kept, emitted - kept, float(self._targets[label]))
        result.update(self._fallback.tallies())
        return dict(sorted(result.items()))

    def mismatches(self) -> Dict[str, Optional[int]]:
        """
        Returns the labels whose number of records in the stream differs from the
        counts: label -> records seen minus records counted (None for a label that was
        not counted at all; its records were decided by the fallback).

        :return: label -> difference, sorted by label
        :rtype: dict
        """
        result = dict()
        for label in self._counts:
            stream = self._streams.get(label)
            records = 0 if stream is None else stream.handed_out()[0]
            if records != self._counts[label]:
                result[label] = records - self._counts[label]
        for label in self._fallback.tallies():
            result[label] = None
        return dict(sorted(result.items()))
