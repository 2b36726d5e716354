"""The hello_env demo: a heading, the environment with secrets masked, "Goodbye."."""

from selenium.webdriver.common.by import By

from gizmo_support import REPO, open_gizmo, wait

HELLO_ENV = REPO / "scripts" / "some_gizmo_demos" / "hello_env.lua"

HEADINGS = ", ".join(
    f"{h}[data-gz-id], [data-gz-id] {h}" for h in ("h1", "h2", "h3")
)

# The text of the rendered gizmo: every component tree that is not inside
# another component, in page order.
GIZMO_TEXT_JS = """
return Array.from(document.querySelectorAll('[data-gz-id]'))
  .filter(e => !(e.parentElement && e.parentElement.closest('[data-gz-id]')))
  .map(e => e.innerText)
  .join('\\n');
"""


def shows_pair(text: str, name: str, value: str) -> bool:
    """`name` is shown with `value`: on its line, or on the line right after."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if name in line:
            if value in line or (i + 1 < len(lines) and value in lines[i + 1]):
                return True
    return False


def test_hello_env_renders_environment_with_secrets_masked(gizmo, page):
    run = gizmo(
        HELLO_ENV,
        env={"GIZMO_TEST_VISIBLE": "shown-value", "MY_API_TOKEN": "supersecret"},
    )
    open_gizmo(page, run.url)

    wait(page).until(
        lambda d: d.execute_script(GIZMO_TEXT_JS).strip().endswith("Goodbye."),
        message="the gizmo never ended with 'Goodbye.'",
    )
    text = page.execute_script(GIZMO_TEXT_JS)

    assert page.find_elements(By.CSS_SELECTOR, HEADINGS), "no heading (h1-h3) in the gizmo"
    assert shows_pair(text, "GIZMO_TEST_VISIBLE", "shown-value"), text
    assert shows_pair(text, "MY_API_TOKEN", "****"), text
    assert "supersecret" not in text
    assert "supersecret" not in page.page_source
    assert "supersecret" not in page.execute_script("return document.body.innerText")
