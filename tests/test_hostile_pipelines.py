"""
Hostile pipelines: what a second round of trying to break the plugins found, each now
asserting the correct outcome. Output written into the input folder, labels that look
like matplotlib math, copies of decoded images inside seppl's MultiFilter (which holds
all copies of a record at once), images that cannot be read while copying, label files
with millions of labels, endless warnings, objects without a label.
"""
import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image
from seppl.io import execute, MultiFilter
from wai.common.adams.imaging.locateobjects import LocatedObjects, LocatedObject

from helpers import ListReader, ListWriter, ic_records, jpeg_bytes, new_session, run_pipeline
from idc.api import ImageClassificationData, ObjectDetectionData
from idc.reader.imgcls import SubDirReader
from idc.writer.imgcls import SubDirWriter
from idc.balance.core import BalanceError, unmatched_labels, unmatched_lines
from idc.balance.filter import BalanceLabels, LabelDistribution


def write_json(path: Path, obj) -> str:
    path.write_text(json.dumps(obj))
    return str(path)


def test_writing_into_the_input_folder_overwrites_no_input(tmp_path):
    # scan.png (red) and scan~1.png (blue, named like scan.png's first copy), oversampled with
    # correction 2 and written back into the folder they are read from: both inputs keep
    # their bytes (idc's writer refuses to write a copy over the file its source names, and
    # a copy's source is the file of its name), the escaped scan~1.png becomes a new file
    # scan~~1.png with the blue image, and the copy of scan~1.png becomes scan~~1~1.png
    folder = tmp_path / "d" / "cat"
    folder.mkdir(parents=True)
    Image.new("RGB", (4, 4), (255, 0, 0)).save(folder / "scan.png")
    Image.new("RGB", (4, 4), (0, 0, 255)).save(folder / "scan~1.png")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    corr = write_json(tmp_path / "c.json", {"cat": 2.0})
    execute(SubDirReader(source=[str(tmp_path / "d")]), [BalanceLabels(label_correction=corr, seed=1)],
            SubDirWriter(output_dir=str(tmp_path / "d")), session=new_session())
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    for name, data in before.items():
        assert after[name] == data, name
    assert after["scan~~1.png"] == before["scan~1.png"]
    assert after["scan~~1~1.png"] == before["scan~1.png"]
    assert sorted(after) == ["scan.png", "scan~1.png", "scan~~1.png", "scan~~1~1.png"]


@pytest.mark.parametrize("label", ["$\\frac{$", "$x^2$", "100%_$"])
def test_labels_that_look_like_math_are_plotted_as_text(tmp_path, caplog, label):
    # a label is data: matplotlib must not parse it as math (a parse error would lose the
    # plot and, raised in finalize, the output of every filter and writer after label-dist)
    plot = tmp_path / "p.svg"
    with caplog.at_level(logging.WARNING):
        run_pipeline(ic_records([label, "cat"]), [LabelDistribution(output_file=str(tmp_path / "c.txt"),
                                                                    plot=str(plot))])
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert plot.stat().st_size > 0


def decoded_record(size: int = 64) -> ImageClassificationData:
    """ A record whose image was decoded (and changed) by an earlier filter, without bytes. """
    return ImageClassificationData(image_name="big.png", image=Image.new("RGB", (size, size), (10, 200, 30)),
                                   image_format="PNG", annotation="cat")


def test_copies_of_a_decoded_image_share_one_encoding(tmp_path):
    # the decoded image is encoded once; every copy holds those same bytes and no decoded
    # image of its own, and the bytes decode to the original's pixels (PNG is lossless)
    corr = write_json(tmp_path / "c.json", {"cat": 4.0})
    out = run_pipeline([decoded_record()], [BalanceLabels(label_correction=corr, seed=1)])
    copies = out[1:]
    assert [c.image_name for c in copies] == ["big~1.png", "big~2.png", "big~3.png"]
    assert all(c._image is None for c in copies)
    assert copies[0].data is copies[1].data is copies[2].data
    assert copies[2].image.tobytes() == out[0].image.tobytes()


def test_multifilter_holds_copies_of_a_decoded_image_in_bounded_memory(tmp_path):
    # seppl's MultiFilter (idc-convert wraps two or more filters in it) holds all copies of a
    # record at once. 999 copies of a decoded 1500x1500 RGB image are 6.7 GB as decoded
    # images, but a few MB as shared bytes: under a 1.5 GiB address-space limit the run must
    # deliver all 1000 records (a MemoryError would be swallowed by MultiFilter, silently)
    script = textwrap.dedent("""
        import json, logging, resource, sys
        sys.path.insert(0, %r)
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 ** 2, resource.RLIM_INFINITY))
        from PIL import Image
        from seppl.io import execute, MultiFilter
        from helpers import ListReader, ListWriter, new_session
        from idc.api import ImageClassificationData
        from idc.balance.filter import BalanceLabels, LabelDistribution
        json.dump({"cat": 1000}, open(%r, "w"))
        record = ImageClassificationData(image_name="big.png", image=Image.new("RGB", (1500, 1500), (1, 2, 3)),
                                         image_format="PNG", annotation="cat")
        class Counter(ListWriter):
            def write_stream(self, data):
                self.records.append(None)
        writer = Counter()
        execute(ListReader([record]), [MultiFilter(filters=[BalanceLabels(label_correction=%r, seed=1),
                                                            LabelDistribution(output_file=%r)])],
                writer, session=new_session())
        print(len(writer.records))
    """ % (str(Path(__file__).parent), str(tmp_path / "c.json"), str(tmp_path / "c.json"),
           str(tmp_path / "counts.txt")))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1000", result.stderr
    assert (tmp_path / "counts.txt").read_text() == "cat: 1000\n"


def test_an_image_that_cannot_be_read_for_copies_is_an_error_line(tmp_path, caplog):
    # the source of a record to copy is gone: one ERROR naming the file, even where the
    # framework swallows the exception (MultiFilter)
    corr = write_json(tmp_path / "c.json", {"cat": 2.0})
    record = ImageClassificationData(source=str(tmp_path / "gone.png"), annotation="cat")
    writer = ListWriter()
    with caplog.at_level(logging.WARNING):
        execute(ListReader([record]), [MultiFilter(filters=[BalanceLabels(label_correction=corr, seed=1),
                                                            LabelDistribution(output_file=str(tmp_path / "n.txt"))])],
                writer, session=new_session())
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["image '%s': cannot read: No such file or directory" % (tmp_path / "gone.png")]


def test_a_label_file_with_too_many_labels_is_refused(tmp_path, monkeypatch, caplog):
    # the label cap is checked before the values: 4 labels against a cap of 3 (the real cap,
    # a million, is lowered here so that the test stays small)
    import idc.balance.core._label_files as label_files
    monkeypatch.setattr(label_files, "MAX_LABELS", 3)
    corr = write_json(tmp_path / "c.json", {"a": 1, "b": 1, "c": 1, "d": 1})
    with pytest.raises(BalanceError) as e:
        BalanceLabels(label_correction=corr, seed=1).initialize()
    assert str(e.value) == "label correction file '%s': 4 labels, more than the 3 a label file may hold" % corr


def test_the_largest_file_of_the_shortest_labels_is_refused_in_bounded_memory(tmp_path):
    # 32 MiB of '"k":0,' entries are 3 million labels: refused by the label cap, in a child
    # limited to 2 GiB of address space (parsing them peaks at some 400 MB)
    script = textwrap.dedent("""
        import resource, sys
        from idc.balance.core import MAX_LABEL_FILE_BYTES, read_correction, BalanceError
        parts, size, i = [], 2, 0
        while True:
            entry = '"%%x":0,' %% i
            if size + len(entry) > MAX_LABEL_FILE_BYTES - 10:
                break
            parts.append(entry); size += len(entry); i += 1
        open(%r, "w").write("{" + "".join(parts).rstrip(",") + "}")
        del parts
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, resource.RLIM_INFINITY))
        try:
            read_correction(%r)
        except BalanceError as e:
            print(e)
    """ % (str(tmp_path / "w.json"), str(tmp_path / "w.json")))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "labels, more than the 1000000 a label file may hold" in result.stdout


def test_warnings_list_twenty_labels_then_count_the_rest():
    # a correction of 1000 labels that never occur: 20 lines, near matches first, then a count
    unmatched = unmatched_labels(["L%04d" % i for i in range(1000)] + ["Cat"], ["cat"])
    lines = unmatched_lines(unmatched)
    assert len(lines) == 21
    assert lines[0].startswith("'Cat': no record has this label, but 'cat'")
    assert lines[-1] == "... and 981 more label(s)"


def test_objects_without_the_label_key_are_warned_about(tmp_path, caplog):
    # 3 images, each with one object labelled by 'type', one with another key, one without
    # metadata: 'car: 3' is counted and the 6 others are named in a warning
    def record(i):
        objects = LocatedObjects()
        for key in ["type", "label", None]:
            obj = LocatedObject(1, 1, 4, 4)
            if key is not None:
                obj.metadata[key] = "car"
            objects.append(obj)
        return ObjectDetectionData(image_name="od%d.jpg" % i, data=jpeg_bytes(i), annotation=objects)
    out = tmp_path / "n.txt"
    with caplog.at_level(logging.WARNING):
        run_pipeline([record(i) for i in range(3)], [LabelDistribution(output_file=str(out))])
    assert out.read_text() == "car: 3\n"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["6 object(s) had no 'type' in their metadata and were not counted (see -k/--label_key)"]


def test_an_interrupted_run_writes_no_partial_distribution(tmp_path, caplog):
    # Ctrl-C after 5 of 10 records: seppl's execute catches the KeyboardInterrupt and still
    # finalizes; label-dist must not write 5 records' counts as if they were the whole
    # stream, but log them in one ERROR
    import signal

    def records():
        for i, record in enumerate(ic_records(["a", "b"] * 5)):
            if i == 5:
                os.kill(os.getpid(), signal.SIGINT)
            yield record
    out = tmp_path / "counts.json"
    # as in an interactive process: Python's own handler raises KeyboardInterrupt (a test process started in the
    # background by a shell inherits SIGINT ignored, and then Ctrl-C rightly does nothing)
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    handler = signal.getsignal(signal.SIGINT)
    try:
        with caplog.at_level(logging.WARNING):
            execute(ListReader(records()), [LabelDistribution(output_file=str(out), output_format="json")],
                    ListWriter(), session=new_session())
        # the previous handler is back
        assert signal.getsignal(signal.SIGINT) is handler
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert not out.exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["a Ctrl-C arrived during the run (5 record(s) had reached this filter): the run stopped early, "
                      "or, with two or more filters (seppl's MultiFilter), went on after dropping the record in "
                      "progress; the distribution may not describe the data, so it was not output; it was:\n"
                      '{\n  "a": 3,\n  "b": 2\n}\n']


def test_a_sigint_handled_by_the_caller_does_not_withhold_the_result(tmp_path):
    # the caller handles SIGINT itself (the run goes on): the distribution is complete and written
    import signal
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        def records():
            for i, record in enumerate(ic_records(["a", "b"] * 2)):
                if i == 1:
                    os.kill(os.getpid(), signal.SIGINT)
                yield record
        out = tmp_path / "counts.txt"
        execute(ListReader(records()), [LabelDistribution(output_file=str(out))], ListWriter(), session=new_session())
    finally:
        signal.signal(signal.SIGINT, previous)
    assert received == [signal.SIGINT]
    assert out.read_text() == "a: 2\nb: 2\n"


def test_two_filters_of_one_run_cannot_write_the_same_file(tmp_path, caplog):
    # label-dist before and after balancing, both with -o counts.json: the second is refused
    # at initialize (its result would silently replace the first's); after the run the
    # file is free again
    out = str(tmp_path / "counts.json")
    session = new_session()
    first = LabelDistribution(output_file=out)
    first.session = session
    first.initialize()
    second = LabelDistribution(output_file=str(tmp_path / "." / "counts.json"))
    second.session = session
    with pytest.raises(BalanceError) as e:
        second.initialize()
    assert "another filter of this run writes this file too" in str(e.value)
    # a filter of another session (another run) is not held up by a run that was never finalized
    other = LabelDistribution(output_file=out)
    other.session = new_session()
    other.initialize()
    other.finalize()
    first.finalize()
    second.initialize()
    second.finalize()


def test_a_percentages_file_given_as_correction_is_warned_about(tmp_path, caplog):
    # label-dist -t percentages -f json looks like a correction (a flat object of numbers):
    # 75/25 would copy every 'a' record 74 times; accepted (it is a valid correction) but warned
    pct = tmp_path / "pct.json"
    run_pipeline(ic_records(["a", "a", "a", "b"]), [LabelDistribution(output_type="percentages", output_format="json",
                                                                      output_file=str(pct))])
    with caplog.at_level(logging.WARNING):
        BalanceLabels(label_correction=str(pct), seed=1).initialize()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["label correction file '%s': the values add up to 100: is it a percentages file (label-dist "
                        "-t percentages)? A correction is a keep probability or an expected number of outputs per "
                        "record (label-dist -t label-balance-correction)" % pct]


def test_stream_labels_missing_from_the_correction_are_warned_about(tmp_path, caplog):
    # the correction knows 'cat' only: 'Dog' and 'bird' are decided with the default
    # probability, and the warning names them
    corr = write_json(tmp_path / "c.json", {"cat": 0.5})
    with caplog.at_level(logging.WARNING):
        run_pipeline(ic_records(["cat", "Dog", "bird"]), [BalanceLabels(label_correction=corr, seed=1)])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["2 label(s) of the stream are not in label correction file '%s' and were decided with the "
                        "default probability 1.0 (-p):\n'Dog': not in the file\n'bird': not in the file" % corr]


def jpeg_dataset(root: Path, names) -> Path:
    """ One label folder 'cat' with noisy JPEGs (re-encoding them would change pixels). """
    import numpy as np
    folder = root / "cat"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(5)
    for name in names:
        Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)).save(folder / name, quality=95)
    return root


@pytest.mark.parametrize("before", ["discard-invalid-images", "rgb-to-grayscale"])
def test_copies_are_written_exactly_like_their_original(tmp_path, before):
    # a filter before balancing decodes the image (and rgb-to-grayscale changes it): each
    # copy's file must have the very bytes the writer wrote for its original, whatever idc's
    # writer does with the original (copy the source file, or encode the changed image)
    from idc.filter import DiscardInvalidImages, RGBToGrayscale
    src = jpeg_dataset(tmp_path / "in", ["c1.jpg", "c2.jpg"])
    corr = write_json(tmp_path / "c.json", {"cat": 3.0})
    first = DiscardInvalidImages() if before == "discard-invalid-images" else RGBToGrayscale()
    execute(SubDirReader(source=[str(src)]), [first, BalanceLabels(label_correction=corr, seed=1)],
            SubDirWriter(output_dir=str(tmp_path / "out")), session=new_session())
    out = tmp_path / "out" / "cat"
    assert sorted(p.name for p in out.iterdir()) == ["c1.jpg", "c1~1.jpg", "c1~2.jpg", "c2.jpg", "c2~1.jpg",
                                                    "c2~2.jpg"]
    for stem in ["c1", "c2"]:
        original = (out / (stem + ".jpg")).read_bytes()
        assert (out / (stem + "~1.jpg")).read_bytes() == original
        assert (out / (stem + "~2.jpg")).read_bytes() == original
    if before == "discard-invalid-images":
        assert (out / "c1.jpg").read_bytes() == (src / "cat" / "c1.jpg").read_bytes()


def test_escaped_records_keep_their_bytes_and_the_input_record_is_not_changed(tmp_path):
    # 'k~1.jpg' is written as 'k~~1.jpg' with the input file's bytes, also when an earlier
    # filter loaded the image; the record the reader made is not renamed (a tee branch or the
    # caller may hold it)
    from idc.filter import DiscardInvalidImages
    src = jpeg_dataset(tmp_path / "in", ["k~1.jpg", "d0.jpg"])
    corr = write_json(tmp_path / "c.json", {"cat": 2.0})
    execute(SubDirReader(source=[str(src)]), [DiscardInvalidImages(), BalanceLabels(label_correction=corr, seed=1)],
            SubDirWriter(output_dir=str(tmp_path / "out")), session=new_session())
    out = tmp_path / "out" / "cat"
    assert (out / "k~~1.jpg").read_bytes() == (src / "cat" / "k~1.jpg").read_bytes()
    assert (out / "k~~1~1.jpg").read_bytes() == (src / "cat" / "k~1.jpg").read_bytes()
    record = ImageClassificationData(image_name="k~1.jpg", data=jpeg_bytes(1), annotation="cat")
    out_records = run_pipeline([record], [BalanceLabels(label_correction=corr, seed=1)])
    assert record.image_name == "k~1.jpg"
    assert [r.image_name for r in out_records] == ["k~~1.jpg", "k~~1~1.jpg"]


def test_copies_know_their_format_and_size(tmp_path):
    # a record read from a file (no bytes yet): its copies' format and size come from the
    # bytes' header, never from a file of the copy's name (which does not exist)
    src = jpeg_dataset(tmp_path / "in", ["c1.jpg"])
    corr = write_json(tmp_path / "c.json", {"cat": 2.0})
    f = BalanceLabels(label_correction=corr, seed=1)
    f.initialize()
    out = f.process(ImageClassificationData(source=str(src / "cat" / "c1.jpg"), annotation="cat"))
    copy = out[1]
    assert copy.image_name == "c1~1.jpg"
    assert copy.image_format == "JPEG"
    assert copy.image_size == (32, 24)
    f.finalize()


def test_copies_are_the_record_as_it_was_decided(tmp_path):
    # a later filter changes the original's metadata in place before the (lazy) copies are
    # made: the copies still carry the metadata the original had when it was decided
    corr = write_json(tmp_path / "c.json", {"a": 3.0})
    records = ic_records(["a"])
    records[0].set_metadata({"history": []})

    from seppl.io import StreamFilter

    class Tag(StreamFilter):
        def name(self):
            return "tag"

        def description(self):
            return "Appends to the history in place."

        def accepts(self):
            return [ImageClassificationData]

        def generates(self):
            return [ImageClassificationData]

        def _do_process_stream(self, data):
            for item in (data if isinstance(data, list) else [data]):
                item.get_metadata()["history"].append("tag")
                self._stream_output.append(item)

        def _do_process(self, data):
            raise NotImplementedError()

    out = run_pipeline(records, [BalanceLabels(label_correction=corr, seed=1), Tag()])
    assert [r.get_metadata()["history"] for r in out] == [["tag"], ["tag"], ["tag"]]
