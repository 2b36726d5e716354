-- The drift fixture: one page of many kinds of component and update, driven
-- the same way by the harness (drift_test.lua) and by Chromium
-- (Tests/e2e/test_harness_drift.py), which compare the text each shows.
local gz = require("gizmo")

local words = gz.Input("", { placeholder = "Your words" })
local echo = gz.Text("nothing yet")
local list = gz.Stack({ gz.Text("first item") })
local secret = gz.Text("visible until applied")
local log = gz.Log{ keep = 3 }
local bar = gz.Progress{ value = 10, maximum = 50, label = "Work" }
local note = gz.LabelledInput("Note", "")
local card = gz.Template([[<section class="card"><h3>Card &amp; title</h3><p class="body"></p><p>after the <em>body</em></p></section>]])
card:put(gz.Text("in the slot"), "body")
local applied = 0

local function apply()
    applied = applied + 1
    echo:text("you said: " .. words.value)
    list:attach_children({ gz.Text("second item"), gz.Html("<b>bold</b> and <i>italic</i>"), gz.Text("third: " .. applied) })
    secret:css{ display = "none" }
    log:append({ "line one", "line two", "line three", "line four" })
    bar:set_value(20)
    card:set_title("a card")
end

gz.Stack({
    gz.Html("<h1>Drift &lt;check&gt;</h1>"),
    gz.Html("<p>Some <b>bold</b>, some <code>code</code>, and a<br>break.</p>"),
    gz.Shelf({ words, gz.Button("Apply", { on_click = apply }), gz.ClickableText("a link-like text") }),
    echo,
    list,
    secret,
    note.label_container,
    gz.DropDownSelect({ "alpha", "beta" }),
    gz.RadioButtons({ "left", "right" }),
    gz.CheckBoxes({ "one", "two" }),
    bar,
    log,
    card,
    "A plain string, last.",
}):show()
