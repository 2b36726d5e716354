-- hello_env: shows the short list of variables, hides secrets, shows nothing else.
local t = require("gizmo.test")

t.test("shows GIZMO_ variables and hides secret ones", function()
    local page = t.open("hello_env.lua", { env = {
        GIZMO_DEMO_NAME = "bench 7", GIZMO_API_TOKEN = "s3cret", DATABASE_URL = "postgres://user:pw@db",
    } })
    local text = page:text()
    t.expect(text):contains("Hello environment")
    t.expect(text):contains("GIZMO_DEMO_NAME")
    t.expect(text):contains("bench 7")
    t.expect(text):contains("GIZMO_API_TOKEN")
    t.expect(text):lacks("s3cret")
    t.expect(text):lacks("DATABASE_URL")
    t.expect(text):contains("Goodbye.")
end)
