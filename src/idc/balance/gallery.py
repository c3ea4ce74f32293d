"""
An HTML page of duplicate groups for a person to review before anything is removed: one row
per group with duplicates (label conflicts first and highlighted), each member's thumbnail,
path, labels, its distance to the group's first image and whether the one-pass removal keeps
it. The page is one self-contained file (thumbnails are embedded), made after the stream from
the image files of the groups shown, so memory during the stream does not grow with it.
"""
import base64
import html
import io
import json
from typing import Iterator, List, Optional, Sequence, Tuple

from PIL import Image, UnidentifiedImageError

from idc.balance.core import BalanceError, Group, GroupCollector, shown

THUMBNAIL_SIDE = 120
""" The longest side of a thumbnail, in pixels. """

THUMBNAIL_QUALITY = 80
""" The JPEG quality of the thumbnails. """

DEFAULT_GALLERY_GROUPS = 500
""" How many groups the gallery shows by default (conflicts first). """

MAX_GALLERY_GROUPS = 10_000
""" The most groups a gallery may show (about 3 KB per thumbnail, at most MAX_MEMBERS_SHOWN per group). """

GALLERY_TITLE = "Duplicate groups"
""" The page's title (find-duplicates replaces only a file that has it). """

MAX_PATH_SHOWN = 300
""" Paths up to this length are shown whole (control and direction characters always escaped). """

MAX_MEMBERS_SHOWN = 12
""" How many members of a group the gallery shows (the rest are counted). """

STYLE = """
body { font-family: sans-serif; margin: 1em; color: #222; }
h1 { font-size: 1.3em; margin-bottom: 0.2em; }
p.summary { margin-top: 0; }
section.group { border: 1px solid #bbb; border-radius: 4px; padding: 0.5em; margin: 0.6em 0; }
section.conflict { border: 3px solid #c62828; background: #fff5f5; }
section.group h2 { font-size: 1em; margin: 0 0 0.4em 0; }
span.badge { background: #c62828; color: white; border-radius: 3px; padding: 0 0.4em; margin-left: 0.5em; }
div.members { display: flex; flex-wrap: wrap; gap: 0.6em; }
figure { margin: 0; width: %dpx; font-size: 0.8em; }
figure img { display: block; width: %dpx; height: auto; border: 1px solid #ddd; }
figure.kept img { border: 3px solid #2e7d32; }
div.missing { width: %dpx; height: 60px; background: #eee; color: #666; display: flex; align-items: center;
              justify-content: center; }
figcaption { overflow-wrap: anywhere; }
.label { font-weight: bold; }
.more { align-self: center; color: #666; }
""" % (THUMBNAIL_SIDE + 10, THUMBNAIL_SIDE, THUMBNAIL_SIDE)

SCRIPT = """
window.addEventListener("load", function () {
  var images = document.querySelectorAll("figure img");
  var shown = 0;
  images.forEach(function (img) { if (img.complete && img.naturalWidth > 0) { shown += 1; } });
  var status = document.getElementById("status");
  status.textContent = shown + " of " + images.length + " thumbnails shown";
  status.setAttribute("data-shown", shown);
  status.setAttribute("data-total", images.length);
});
"""


def thumbnail_uri(source: Optional[str]) -> Optional[str]:
    """
    Returns a JPEG thumbnail of an image file as a data URI, None if there is no file or it cannot be read.

    :param source: the image file
    :type source: str
    :return: the data URI
    :rtype: str
    """
    if source is None:
        return None
    try:
        with Image.open(source) as image:
            image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=THUMBNAIL_QUALITY)
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def shown_groups(collector: GroupCollector, max_groups: int) -> Tuple[List[Tuple[int, List[int]]], int, int]:
    """
    Returns the groups with duplicates that the gallery shows: conflicts first, then the others, each in
    stream order, at most max_groups; and how many groups have duplicates and how many of them conflict.

    :return: (group's number among all groups, its image numbers) of the groups shown, groups with duplicates,
             conflicts
    :rtype: tuple
    """
    conflicts, others = [], []
    for index, numbers in enumerate(collector.listed_group_numbers()):
        if len(numbers) < 2:
            continue
        (conflicts if collector.conflict(numbers) else others).append((index, numbers))
    return (conflicts + others)[:max_groups], len(conflicts) + len(others), len(conflicts)


def _text(text: str) -> str:
    """
    Returns a path or label to show: long ones shortened, and any that holds a character that is not printable
    (a control character, a right-to-left override, an invalid UTF-8 byte) with all non-ASCII characters escaped.
    """
    if len(text) > MAX_PATH_SHOWN:
        text = "%s...(%d characters)" % (text[:MAX_PATH_SHOWN], len(text))
    return text if text.isprintable() else json.dumps(text)[1:-1]


def _figure(member, source: Optional[str], kept: bool) -> Iterator[str]:
    uri = thumbnail_uri(source)
    yield '<figure class="%s">' % ("kept" if kept else "duplicate")
    if uri is None:
        yield '<div class="missing">%s</div>' % ("no file" if source is None else "not readable")
    else:
        yield '<img src="%s" alt="%s">' % (uri, html.escape(_text(member.path)))
    labels = ", ".join(html.escape(_text(shown(label))) for label in member.labels) or "(no label)"
    yield "<figcaption>%s<br><span class=\"label\">%s</span><br>%s</figcaption></figure>" % (
        html.escape(_text(member.path)), labels, "kept" if kept else "distance %d" % member.distance)


def _group_section(collector: GroupCollector, index: int, numbers: Sequence[int], group: Group) -> Iterator[str]:
    css = "group conflict" if group.conflict else "group"
    yield '<section class="%s" id="group-%d">' % (css, index)
    badge = ' <span class="badge">label conflict: %s</span>' % html.escape(
        ", ".join(_text(shown(label)) for label in group.labels)) if group.conflict else ""
    yield "<h2>Group %d: %d images%s</h2>" % (index, len(numbers), badge)
    yield '<div class="members">'
    for position, (number, member) in enumerate(zip(numbers[:MAX_MEMBERS_SHOWN], group.members)):
        yield from _figure(member, collector.source(number), position == 0)
    if len(numbers) > MAX_MEMBERS_SHOWN:
        yield '<span class="more">and %d more</span>' % (len(numbers) - MAX_MEMBERS_SHOWN)
    yield "</div></section>"


def _count(number: int, noun: str) -> str:
    return "%d %s%s" % (number, noun, "" if number == 1 else "s")


def gallery_html(collector: GroupCollector, max_groups: int = DEFAULT_GALLERY_GROUPS) -> Iterator[str]:
    """
    Yields the gallery page in pieces (see the module).

    :param collector: the groups
    :type collector: GroupCollector
    :param max_groups: the most groups shown
    :type max_groups: int
    """
    if isinstance(max_groups, bool) or not isinstance(max_groups, int) or not (1 <= max_groups <= MAX_GALLERY_GROUPS):
        raise BalanceError("option --gallery_groups: %r is not a whole number from 1 to %d"
                           % (max_groups, MAX_GALLERY_GROUPS))
    groups, with_duplicates, conflicts = shown_groups(collector, max_groups)
    root = collector.root
    yield "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    yield "<title>%s</title><style>%s</style><script>%s</script></head><body>" % (GALLERY_TITLE, STYLE, SCRIPT)
    yield "<h1>%s</h1>" % GALLERY_TITLE
    threshold = "" if collector.hash_type == "exact" else ", threshold %d bits" % collector.threshold
    skipped = len(collector.skipped())
    yield ("<p class=\"summary\">%s, %s with duplicates (%s), <b>%s</b>%s; hash: %s%s; folder: %s. Showing %s%s. "
           "The first image of each group (green) is the one a one-pass removal keeps.</p>"
           % (_count(len(collector), "image"), _count(with_duplicates, "group"), _count(collector.duplicates, "duplicate"),
              _count(conflicts, "label conflict"),
              "" if skipped == 0 else ", %s that could not be hashed" % _count(skipped, "image"),
              collector.hash_type, threshold, html.escape(root or "(none)"), _count(len(groups), "group"),
              ", conflicts first" if conflicts > 0 else ""))
    yield '<p id="status">thumbnails loading</p>'
    for index, numbers in groups:
        yield "\n"
        yield from _group_section(collector, index, numbers, collector.group(numbers, root))
    yield "\n</body></html>\n"
