"""The dashboard end to end in headless Chromium: login, live graph, figures that move, simulated load."""

import urllib.request

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVICES = ("catalog", "identity", "stream", "analytics", "recommend")


def requests_shown(page, node_id: str) -> int:
    return int(page.get_attribute(f'g.node[data-node-id="{node_id}"]', "data-requests") or 0)


@pytest.mark.browser
@pytest.mark.slow
def test_operator_watches_the_graph_and_simulates_load(server_process, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"{server_process.url}/")
            assert "/admin/login/" in page.url  # not logged in yet: the admin login comes first

            page.fill("#id_username", server_process.email)
            page.fill("#id_password", server_process.password)
            page.click("input[type=submit]")
            page.wait_for_url(f"{server_process.url}/")

            expect(page.locator("#conn-text")).to_have_text("live", timeout=10_000)
            for service in SERVICES:
                expect(page.locator(f'g.node[data-node-id="{service}"]')).to_be_visible()
            expect(page.locator('g.node[data-node-id="database"]')).to_contain_text("SQLite")

            before = requests_shown(page, "catalog")
            for _ in range(3):
                urllib.request.urlopen(f"{server_process.url}/api/catalog/status").read()
            page.wait_for_function(
                "n => Number(document.querySelector('g.node[data-node-id=\"catalog\"]').dataset.requests) >= n",
                arg=before + 3,
                timeout=10_000,
            )
            expect(page.locator('#figures tr[data-node-id="catalog"]')).to_be_visible()

            analytics_before = requests_shown(page, "analytics")
            page.select_option("#sim-target", "analytics")
            page.fill("#sim-duration", "2")
            page.click("#sim-start")
            expect(page.locator("#sim-status")).to_contain_text("Running on analytics", timeout=5_000)
            expect(page.locator('g.node[data-node-id="analytics"]')).to_have_class(
                "node service status-ok simulated", timeout=5_000
            )
            expect(page.locator("#sim-status")).to_contain_text("Simulation completed", timeout=15_000)
            page.wait_for_function(
                "n => Number(document.querySelector('g.node[data-node-id=\"analytics\"]').dataset.requests) > n",
                arg=analytics_before + 10,
                timeout=10_000,
            )
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        finally:
            browser.close()
