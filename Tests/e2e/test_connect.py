"""A `gizmolua run` gizmo reached through `gizmolua serve`'s /connect/ proxy,
as `GIZMO_LINK_PREFIX` sets it up: the page, its clicks, and what the browser
sees once the gizmo has gone."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from gizmo_support import GIZMOS, REPO, click, open_gizmo, wait, wait_text


def test_a_gizmo_runs_through_serve_and_its_absence_is_a_502_page(serve, gizmo, page):
    server = serve(REPO / "scripts")
    run = gizmo(GIZMOS / "click_counter.lua", env={"GIZMO_LINK_PREFIX": server.url})
    assert run.url.startswith(f"{server.url}connect/"), run.url
    open_gizmo(page, run.url)
    click(page, "Click me")
    wait_text(page, "clicked 1")

    # Killed, the gizmo sends no `close`: the proxy closes the page's socket
    # (1001), and the page's reconnects are refused while nothing listens.
    run.proc.kill()
    run.proc.wait(timeout=5)
    wait(page).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, '#gz-status[data-state="reconnecting"]')),
        message="the page did not notice that its gizmo had gone",
    )
    page.get(run.url)
    assert "Nothing listens on port" in page.find_element(By.TAG_NAME, "body").text
