"""Server-side SVG charts for SV-4 Pareto and SV-3 satisfaction."""

import xml.etree.ElementTree as ET
from decimal import Decimal as D

from guanjia.engagement.charts import bar_svg, pareto_svg
from guanjia.engagement.stats import ItemCounts, pareto

NS = "{http://www.w3.org/2000/svg}"


def _rows():
    return pareto([ItemCounts("治安", 0, 0, 20), ItemCounts("保洁<&>", 0, 0, 50), ItemCounts("绿化", 0, 0, 30)])


def test_pareto_svg_is_valid_xml_with_bars_line_and_threshold():
    svg = pareto_svg(_rows(), title="不满意项排列图")
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg" and root.get("width") == "640"
    assert "Noto Sans CJK SC" in root.get("font-family")
    bars = root.findall(f".//{NS}rect[@class]")
    assert len(bars) == 3
    assert sum("key" in b.get("class") for b in bars) == 2  # SV-4: 保洁 50%, 绿化 80%
    assert root.find(f".//{NS}polyline[@class='cumulative']") is not None
    assert root.find(f".//{NS}line[@class='threshold']").get("stroke-dasharray")
    texts = "".join(root.itertext())
    assert "保洁<&>" in texts and "不满意项排列图" in texts and "100.0%" in texts


def test_pareto_svg_empty_is_valid():
    ET.fromstring(pareto_svg([]))


def test_bar_svg_valid_and_escaped():
    svg = bar_svg([('治安"<', D("75.04")), ("保洁", None)], title="满意率", threshold=D("80"))
    root = ET.fromstring(svg)
    texts = "".join(root.itertext())
    assert "75.0%" in texts and "—" in texts and '治安"<' in texts
    assert len(root.findall(f".//{NS}rect[@class='bar']")) == 2


def test_pareto_count_axis_has_distinct_whole_numbers():
    rows = pareto([ItemCounts("治安", 0, 0, 2), ItemCounts("清洁", 0, 0, 1)])
    root = ET.fromstring(pareto_svg(rows))
    left_axis = [t.text for t in root.iter(f"{NS}text") if t.get("text-anchor") == "end" and t.text.isdigit()]
    assert left_axis == ["0", "1", "2", "3"]
