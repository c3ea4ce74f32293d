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
    # record at once. 1000 copies of a decoded 1500x1500 RGB image are 6.75 GB as decoded
    # images, but a few MB as shared bytes: under a 1.5 GiB address-space limit the run must
    # deliver all 1001 records (a MemoryError would be swallowed by MultiFilter, silently)
    script = textwrap.dedent("""
        import json, logging, resource, sys
        sys.path.insert(0, %r)
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 ** 2, resource.RLIM_INFINITY))
        from PIL import Image
        from seppl.io import execute, MultiFilter
        from helpers import ListReader, ListWriter, new_session
        from idc.api import ImageClassificationData
        from idc.balance.filter import BalanceLabels, LabelDistribution
        json.dump({"cat": 1001}, open(%r, "w"))
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
    assert result.stdout.strip() == "1001", result.stderr
    assert (tmp_path / "counts.txt").read_text() == "cat: 1001\n"


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
    handler = signal.getsignal(signal.SIGINT)
    with caplog.at_level(logging.WARNING):
        execute(ListReader(records()), [LabelDistribution(output_file=str(out), output_format="json")], ListWriter(),
                session=new_session())
    assert not out.exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ['the run was interrupted (Ctrl-C) after 5 record(s) reached this filter: the distribution is '
                      'incomplete and was not output; the partial result was:\n{\n  "a": 3,\n  "b": 2\n}\n']
    # the previous handler is back
    assert signal.getsignal(signal.SIGINT) is handler


def test_two_filters_of_one_run_cannot_write_the_same_file(tmp_path, caplog):
    # label-dist before and after balancing, both with -o counts.json: the second is refused
    # at initialize (its result would silently replace the first's); after the run the
    # file is free again
    out = str(tmp_path / "counts.json")
    first = LabelDistribution(output_file=out)
    first.initialize()
    with pytest.raises(BalanceError) as e:
        LabelDistribution(output_file=str(tmp_path / "." / "counts.json")).initialize()
    assert "another filter of this run writes this file too" in str(e.value)
    first.finalize()
    second = LabelDistribution(output_file=out)
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
