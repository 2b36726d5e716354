"""The hello_curves demo: moving a slider redraws the plot and its title."""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from gizmo_support import REPO, open_gizmo, save_screenshot, wait, wait_text

CURVES = REPO / "scripts" / "some_gizmo_demos" / "hello_curves.lua"


def plot_title(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".gz-plot .gz-plot-title").text


def test_moving_a_slider_redraws_the_curve_and_title(gizmo, page):
    run = gizmo(CURVES)
    open_gizmo(page, run.url)
    wait_text(page, "drawn 1 times")
    wait(page).until(lambda d: plot_title(d) == "a = 3.0, b = 2.0")
    before = page.find_element(By.CSS_SELECTOR, ".gz-plot path.gz-plot-series").get_attribute("d")
    assert before.count("L") >= 250  # one path through the 300 points

    slider = page.find_elements(By.CSS_SELECTOR, "input.gz-slider")[0]
    slider.send_keys(Keys.ARROW_RIGHT)  # step 0.1
    wait(page).until(lambda d: plot_title(d) == "a = 3.1, b = 2.0")
    wait_text(page, "drawn 2 times")
    after = page.find_element(By.CSS_SELECTOR, ".gz-plot path.gz-plot-series").get_attribute("d")
    assert after != before
    save_screenshot(page, "hello_curves")
