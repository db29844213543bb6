"""The dashboard's layout in headless Chromium at a wall display's, a laptop's and a phone's size.

The Analytics reports are answered by the browser itself with a known series whose last day is partial,
so the charts show what a real day looks like while it is still under way.
"""

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from topology.tests.test_browser import CHROMIUM, CHROMIUM_ARGS

VIEWPORTS = [(1440, 900), (1280, 720), (390, 844)]
DAYS = 7


def series() -> list[dict]:
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    points = []
    for n in range(DAYS):
        partial = n == DAYS - 1
        points.append(
            {
                "start": (today - dt.timedelta(days=DAYS - 1 - n)).isoformat().replace("+00:00", "Z"),
                "partial": partial,
                "views": 40 if partial else 1200 + 10 * n,
                "active_users": 30 if partial else 300 + n,
                "rebuffer_pct": 0.4 + n / 100,
                "failure_pct": 0.9,
                "ebvs_pct": 30.0 if partial else 3.0,
            }
        )
    return points


REPORTS = {
    "engagement": {"series": series()},
    "streaming": {"series": series()},
    "content": {"results": [{"title": "An Extraordinarily Long Title Name, Part Two: The Return", "views": 900}]},
    "regions": {"results": [{"region": "US", "watch_time_s": 7200}, {"region": "DE", "watch_time_s": 3600}]},
}

LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth) problems.push(`page is ${page.scrollWidth}px wide`);
  for (const node of document.querySelectorAll("g.node")) {
    const card = node.querySelector("rect.card").getBBox();
    for (const label of node.querySelectorAll("text")) {
      const box = label.getBBox();
      if (box.x + box.width > card.width + 0.5) problems.push(`${node.dataset.nodeId}: "${label.textContent}"`);
    }
  }
  for (const svg of document.querySelectorAll(".chart svg.mini")) {
    const lines = svg.querySelectorAll("path.series").length;
    if (lines !== 1) problems.push(`${svg.dataset.series} chart has ${lines} series on one axis`);
  }
  return problems;
}"""


@pytest.mark.browser
def test_dashboard_layout_at_three_sizes(server_process, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    screenshots = Path(os.environ.get("DASHBOARD_SCREENSHOTS", tmp_path))
    screenshots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            violations = []
            page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message))
            report = re.compile(r".*/api/analytics/(engagement|streaming|content|regions)/?$")
            page.route(
                report,
                lambda route: route.fulfill(
                    status=200,
                    content_type="application/json",
                    body=json.dumps(REPORTS[report.match(route.request.url).group(1)]),
                ),
            )
            page.goto(f"{server_process.url}/")
            page.fill("#id_username", server_process.email)
            page.fill("#id_password", server_process.password)
            page.click("input[type=submit]")
            page.wait_for_url(f"{server_process.url}/")

            for width, height in VIEWPORTS:
                page.set_viewport_size({"width": width, "height": height})
                page.reload()
                expect(page.locator("#conn-text")).to_have_text("live", timeout=10_000)
                expect(page.locator('g.node[data-node-id="recommend"]')).to_be_visible()
                expect(page.locator("#chart-engagement svg.mini")).to_have_count(2)
                expect(page.locator("#chart-streaming svg.mini")).to_have_count(3)

                assert page.evaluate(LAYOUT_PROBLEMS) == [], (width, height)
                # The partial day is left out of the lines, and the chart says so.
                views_line = page.get_attribute('#chart-engagement svg[data-series="views"] path.series', "d")
                assert views_line.count("L") == DAYS - 2
                expect(page.locator("#chart-engagement .partial-note")).to_be_visible()
                # Values on hover.
                page.locator("#chart-engagement .stack").hover(position={"x": 60, "y": 20})
                expect(page.locator("#chart-engagement .tooltip")).to_contain_text(re.compile(r"views: 1,2\d0"))
                page.screenshot(path=str(screenshots / f"dashboard-{width}x{height}.png"), full_page=True)
            assert violations == []
        finally:
            browser.close()
    for width, height in VIEWPORTS:
        assert (screenshots / f"dashboard-{width}x{height}.png").stat().st_size > 10_000
