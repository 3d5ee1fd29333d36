"""annotator.claims.svg: the charts parse as XML, say what they show in text (not by colour alone), escape every
text, and place what they are given."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from annotator.claims.svg import heatmap, line_chart

NS = {"s": "http://www.w3.org/2000/svg"}


def texts(root: ET.Element) -> list[str]:
    """The visible text of each <text> (its <title>, a tooltip, left out)."""
    return [(t.text or "") + "".join(c.tail or "" for c in t) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_heatmap_writes_every_value_and_names_both_sides():
    values = [[3.0, 1.0], [0.0, math.nan]]
    svg = heatmap(values, ["a & b", "<script>x</script>"], ["yes", "no"], title="T <1>", row_axis="r", column_axis="c")
    root = ET.fromstring(svg)
    assert root.find("s:title", NS).text == "T <1>"  # the chart's own title comes first
    shown = texts(root)
    for value in ("3", "1", "0", "—"):
        assert value in shown
    cells = [g.find("s:title", NS).text for g in root.iter("{http://www.w3.org/2000/svg}g")]
    assert "r a & b, c no: 1" in cells and "r <script>x</script>, c no: —" in cells
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg


def test_heatmap_shades_from_low_to_high():
    root = ET.fromstring(heatmap([[0.0, 5.0, 10.0]], ["r"], list("abc"), title="t", row_axis="r", column_axis="c"))
    fills = [rect.get("fill") for rect in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert fills[0] == "rgb(255,255,255)" and fills[2] == "rgb(37,99,235)" and fills[1] not in (fills[0], fills[2])


def test_line_chart_points_legend_and_gaps():
    series = {"all": [0.5, 0.7, 0.9], "<b>x</b>": [0.2, math.nan, -0.4]}
    svg = line_chart(["1.0", "1.1", "2.0"], series, {"all": "#000"}, title="alpha", x_axis="version", y_axis="alpha")
    root = ET.fromstring(svg)
    circles = list(root.iter("{http://www.w3.org/2000/svg}circle"))
    assert len(circles) == 5  # the NaN is left out
    assert [c.find("s:title", NS).text for c in circles][-1] == "<b>x</b>, 2.0: -0.400"
    lines = list(root.iter("{http://www.w3.org/2000/svg}polyline"))
    assert len(lines) == 1  # the second series is broken at its gap into single points: no line
    shown = texts(root)
    assert {"1.0", "1.1", "2.0", "all", "<b>x</b>", "version", "alpha"} <= set(shown)
    assert "-0.5" in shown and "1" in shown  # the y axis widened to hold -0.4
    ys = [float(c.get("cy")) for c in circles[:3]]
    assert ys[0] > ys[1] > ys[2]  # higher values higher up
    assert "<b>" not in svg
