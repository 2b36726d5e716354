"""Every component with a value, driven as a person would: what the page
shows and what the Lua side sees (gizmos/components.lua reports each value
into a Text)."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from gizmo_support import GIZMOS, click, open_gizmo, wait, wait_connected, wait_text

SCRIPT = GIZMOS / "components.lua"

# A range input's value set as a drag would: the value, then an `input` event.
SET_RANGE_JS = """
const el = arguments[0];
el.value = arguments[1];
el.dispatchEvent(new Event('input', {bubbles: true}));
"""


def start(gizmo, page):
    run = gizmo(SCRIPT)
    open_gizmo(page, run.url)
    wait_text(page, "input: -")
    return run


def element(page, css: str):
    return wait(page).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, css)),
        message=f"no element matches {css!r}",
    )


def texts(page) -> list[str]:
    return [e.get_attribute("textContent") for e in page.find_elements(By.CSS_SELECTOR, ".gz-text")]


def wait_changed(page, css: str, old: str) -> str:
    """Wait until the text of the element at `css` is no longer `old`; return it."""

    def changed(d):
        text = d.find_element(By.CSS_SELECTOR, css).get_attribute("textContent")
        return text if text != old else False

    try:
        return wait(page).until(changed)
    except Exception as error:
        raise AssertionError(f"{css} still reads {old!r}; the texts are {texts(page)!r}") from error


def choice_label(page, group_css: str, label: str):
    xpath = f"//*[contains(concat(' ', @class, ' '), ' {group_css} ')]//label[normalize-space()='{label}']"
    return wait(page).until(
        EC.element_to_be_clickable((By.XPATH, xpath)),
        message=f"no clickable choice {label!r} in .{group_css}",
    )


def checked_labels(page, group_css: str) -> list[str]:
    return page.execute_script(
        """
        return Array.from(document.querySelectorAll(arguments[0] + ' input'))
          .filter(i => i.checked)
          .map(i => i.closest('label').textContent.trim());
        """,
        f".{group_css}",
    )


def select_all_and_type(field, text: str) -> None:
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text)


# ---- text fields ---------------------------------------------------------------


def test_input_reports_each_edit_and_enter(gizmo, page):
    start(gizmo, page)
    field = element(page, "input.test-input")
    assert field.get_attribute("value") == "start"

    select_all_and_type(field, "hello")
    wait_text(page, "input: hello")
    field.send_keys(Keys.ENTER)
    wait_text(page, "enter: hello")


def test_enter_right_after_typing_sees_the_typed_text(gizmo, page):
    # A quick typist: the last keystroke and Enter arrive together. on_enter
    # gets the value the field holds when Enter is pressed.
    start(gizmo, page)
    field = element(page, "input.test-input")
    select_all_and_type(field, "quick" + Keys.ENTER)
    wait_text(page, "enter: quick")
    wait_text(page, "input: quick")


def test_labelled_input_shows_its_label_and_reports_edits(gizmo, page):
    start(gizmo, page)
    container = element(page, "label.gz-labelled")
    assert "Your name" in container.text
    field = container.find_element(By.CSS_SELECTOR, "input.test-labelled")
    assert field.get_attribute("value") == "Ann"

    # Clicking the label's text focuses its field.
    container.find_element(By.CSS_SELECTOR, ".gz-label").click()
    wait(page).until(lambda d: d.switch_to.active_element == field, message="the label did not focus its field")
    page.switch_to.active_element.send_keys(Keys.END, "ie")
    wait_text(page, "labelled: Annie")


# ---- sliders -------------------------------------------------------------------


def test_slider_follows_keys_and_drags_and_set_value(gizmo, page):
    start(gizmo, page)
    slider = element(page, "input.test-slider")
    assert slider.get_attribute("type") == "range"
    assert slider.get_attribute("value") == "3"

    slider.send_keys(Keys.ARROW_RIGHT)
    wait_text(page, "slider: 4")
    slider.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    wait_text(page, "slider: 2")

    page.execute_script(SET_RANGE_JS, slider, "9")
    wait_text(page, "slider: 9")

    click(page, "Set slider to 7")
    wait_text(page, "slider set: 7")
    wait(page).until(
        lambda d: slider.get_property("value") == "7",
        message="slider:set_value(7) did not move the slider in the page",
    )


def test_range_slider_reports_low_and_high_in_order(gizmo, page):
    start(gizmo, page)
    low, high = page.find_elements(By.CSS_SELECTOR, ".test-range input[type=range]")
    assert (low.get_attribute("value"), high.get_attribute("value")) == ("2", "8")

    page.execute_script(SET_RANGE_JS, low, "4")
    wait_text(page, "range: 4-8")
    high.send_keys(Keys.ARROW_LEFT)
    wait_text(page, "range: 4-7")
    # The low thumb dragged past the high one: the value stays {low, high}.
    page.execute_script(SET_RANGE_JS, low, "9")
    wait_text(page, "range: 7-9")


# ---- choices -------------------------------------------------------------------


def test_checkboxes_report_the_checked_values(gizmo, page):
    start(gizmo, page)
    assert checked_labels(page, "test-checks") == ["red"]

    choice_label(page, "test-checks", "green").click()
    wait_text(page, "checks: red,green")
    choice_label(page, "test-checks", "red").click()
    wait_text(page, "checks: green")
    choice_label(page, "test-checks", "blue").click()
    wait_text(page, "checks: green,blue")
    assert checked_labels(page, "test-checks") == ["green", "blue"]


def test_radio_buttons_report_the_chosen_value(gizmo, page):
    start(gizmo, page)
    assert checked_labels(page, "test-radios") == []

    choice_label(page, "test-radios", "Large").click()
    wait_text(page, "radio: 2")
    choice_label(page, "test-radios", "Small").click()
    wait_text(page, "radio: 1")
    assert checked_labels(page, "test-radios") == ["Small"]


def test_drop_down_select_reports_the_chosen_value(gizmo, page):
    start(gizmo, page)
    select = Select(element(page, "select.test-select"))
    assert select.first_selected_option.text == "b"
    assert [o.text for o in select.options] == ["a", "b", "c"]

    select.select_by_visible_text("c")
    wait_text(page, "select: c")
    select.select_by_visible_text("a")
    wait_text(page, "select: a")


# ---- clickable text, template, image ------------------------------------------


def test_clickable_text_runs_its_handler(gizmo, page):
    start(gizmo, page)
    text = element(page, ".test-clickable")
    assert text.text == "click this text"
    text.click()
    wait_text(page, "clickable: 1")
    text.click()
    wait_text(page, "clickable: 2")


def test_template_puts_components_in_its_slots(gizmo, page):
    start(gizmo, page)
    template = element(page, ".test-template")
    left = template.find_element(By.CSS_SELECTOR, ".slot-left")
    right = template.find_element(By.CSS_SELECTOR, ".slot-right")
    assert left.text == "left content"
    assert right.text == "right content"

    click(page, "Fill right")  # put() after the template is shown
    wait(page).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".test-template .slot-right").text
        == "right content\nmore right content",
        message="the component put later did not arrive in .slot-right",
    )
    assert page.find_element(By.CSS_SELECTOR, ".test-template .slot-left").text == "left content"


def image_loaded(page, img) -> int:
    """The image's naturalWidth once it has loaded (0 while loading or broken)."""
    return page.execute_script("return arguments[0].complete ? arguments[0].naturalWidth : 0;", img)


def test_image_from_bytes_loads_and_set_content_replaces_it(gizmo, page):
    start(gizmo, page)
    img = element(page, "img.test-image")
    assert img.get_attribute("alt") == "a test image"
    first_src = img.get_attribute("src")
    wait(page).until(lambda d: image_loaded(d, img) == 1, message=f"the 1x1 PNG at {first_src} did not load")

    click(page, "Replace image")
    wait_text(page, "image: replaced")
    wait(page).until(
        lambda d: img.get_attribute("src") != first_src,
        message=f"set_content did not change the src ({first_src})",
    )
    second_src = img.get_attribute("src")
    wait(page).until(
        lambda d: image_loaded(d, img) == 3,
        message=f"the 3x2 PNG at {second_src} did not load (naturalWidth {image_loaded(page, img)})",
    )


# ---- the page bridge -----------------------------------------------------------


def test_js_init_binds_element_and_a_lua_function(gizmo, page):
    start(gizmo, page)
    wait_text(page, "js said hi")
    target = element(page, ".test-js")
    assert target.get_attribute("data-ready") == "yes"


def test_javascript_exception_in_get_is_a_lua_error_with_the_page_message(gizmo, page):
    start(gizmo, page)
    page_message = page.execute_script(
        "try { window.noSuchFunction(); } catch (e) { return e.message; } return null;"
    )
    assert page_message and "is not a function" in page_message

    click(page, "Call missing")
    shown = wait_changed(page, ".test-error-out", "error: -")
    assert shown != "error: none", "gz.get of a call to a missing function did not fail"
    assert "TypeError" in shown, shown
    assert page_message in shown, f"{shown!r} does not carry the page's message {page_message!r}"


# ---- a reload --------------------------------------------------------------------


def test_reload_keeps_the_values(gizmo, page):
    start(gizmo, page)
    field = element(page, "input.test-input")
    select_all_and_type(field, "kept text")
    wait_text(page, "input: kept text")
    choice_label(page, "test-checks", "green").click()
    wait_text(page, "checks: red,green")
    choice_label(page, "test-radios", "Large").click()
    wait_text(page, "radio: 2")
    Select(element(page, "select.test-select")).select_by_visible_text("c")
    wait_text(page, "select: c")
    page.execute_script(SET_RANGE_JS, element(page, "input.test-slider"), "9")
    wait_text(page, "slider: 9")
    low = page.find_elements(By.CSS_SELECTOR, ".test-range input[type=range]")[0]
    page.execute_script(SET_RANGE_JS, low, "5")
    wait_text(page, "range: 5-8")
    labelled = element(page, "input.test-labelled")
    select_all_and_type(labelled, "Bea")
    wait_text(page, "labelled: Bea")

    page.refresh()
    wait_connected(page)
    wait_text(page, "input: kept text")  # the reports are kept too

    assert element(page, "input.test-input").get_property("value") == "kept text"
    assert element(page, "input.test-labelled").get_property("value") == "Bea"
    assert checked_labels(page, "test-checks") == ["red", "green"]
    assert checked_labels(page, "test-radios") == ["Large"]
    assert Select(element(page, "select.test-select")).first_selected_option.text == "c"
    assert element(page, "input.test-slider").get_property("value") == "9"
    ranges = page.find_elements(By.CSS_SELECTOR, ".test-range input[type=range]")
    assert [r.get_property("value") for r in ranges] == ["5", "8"]
    # js_init runs again on the new page.
    wait(page).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".test-js").get_attribute("data-ready") == "yes",
        message="js_init did not run again after the reload",
    )

    # Lua holds the same values, and the page still talks to it.
    click(page, "Show values")
    wait_text(
        page,
        "values: input=kept text labelled=Bea slider=9 range=5-8 checks=red,green radio=2 select=c",
    )
    choice_label(page, "test-checks", "blue").click()
    wait_text(page, "checks: red,green,blue")
