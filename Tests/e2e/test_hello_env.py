"""The hello_env demo: a heading, the variables of its list of names (secrets
masked, every other variable left out), "Goodbye."."""

from selenium.webdriver.common.by import By

from gizmo_support import REPO, open_gizmo, save_screenshot, wait

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


# The whole environment of the run: the README picture shows it, so it must
# be the same on every machine and tell nothing about this one.
ENVIRONMENT = {
    "HOME": "/home/ada",
    "LANG": "en_US.UTF-8",
    "LC_TIME": "en_GB.UTF-8",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "SHELL": "/bin/bash",
    "USER": "ada",
    "TZ": "Europe/London",
    "GIZMO_DATA_DIR": "/home/ada/gizmo-data",
    "GIZMO_API_KEY": "supersecret",
    # Not on hello_env's list of names: never shown, name or value.
    "DATABASE_URL": "postgres://app:hunter2@db.internal/app",
    "MY_API_TOKEN": "topsecret",
    "SOMETHING_ELSE": "unlisted",
}
SHOWN = ("HOME", "LANG", "LC_TIME", "PATH", "SHELL", "USER", "TZ", "GIZMO_DATA_DIR", "GIZMO_API_KEY")
NOT_SHOWN = ("DATABASE_URL", "MY_API_TOKEN", "SOMETHING_ELSE")


def test_hello_env_shows_only_its_list_of_names_with_secrets_masked(gizmo, page):
    run = gizmo(HELLO_ENV, env=ENVIRONMENT, inherit_env=False)
    open_gizmo(page, run.url)

    wait(page).until(
        lambda d: d.execute_script(GIZMO_TEXT_JS).strip().endswith("Goodbye."),
        message="the gizmo never ended with 'Goodbye.'",
    )
    text = page.execute_script(GIZMO_TEXT_JS)

    assert page.find_elements(By.CSS_SELECTOR, HEADINGS), "no heading (h1-h3) in the gizmo"
    assert shows_pair(text, "HOME", "/home/ada"), text
    assert shows_pair(text, "LC_TIME", "en_GB.UTF-8"), text
    assert shows_pair(text, "GIZMO_DATA_DIR", "/home/ada/gizmo-data"), text
    assert shows_pair(text, "GIZMO_API_KEY", "****"), text
    for name in SHOWN:
        assert name in text, (name, text)
    for name in NOT_SHOWN:
        assert name not in text, (name, text)
    for secret in ("supersecret", "hunter2", "topsecret", "unlisted"):
        assert secret not in text
        assert secret not in page.page_source
        assert secret not in page.execute_script("return document.body.innerText")
    save_screenshot(page, "hello_env")
