-- A poem and its recording, played by a small waveform player of our own.
-- The recording starts loading at once; Attach, Play and Pause stay disabled
-- until the player reports that it is ready. Attach puts the waveform into
-- the page (click it to jump there), Play and Pause control the recording,
-- and the line at the bottom follows what the player reports. Lua reaches
-- the player, an object the page made, through a proxy
-- (`wave.element.player:on("ready", fn)`) and gives it Lua functions to call.
--
-- The folder is the module: this script, the player (waveplayer.js and
-- waveplayer.css, plain JavaScript and CSS of our own), the poem (poem.txt)
-- and its recording (poem.ogg, made from poem.txt by make_audio.sh).
local gz = require("gizmo")

local poem = assert(gz.read_file("poem.txt"))
local title, verse = poem:match("^(.-)\n\n(.-)%s*$")

local wave = gz.Html('<div class="poem-wave">The waveform is not attached yet.</div>', {
    css = { min_height = "6rem", display = "flex", align_items = "center", justify_content = "center",
        color = "var(--gz-muted)", border = "1px dashed var(--gz-border)", border_radius = "var(--gz-radius)" },
})
wave:js_file("waveplayer.js")
wave:css_file("waveplayer.css")
local audio_url = wave:add_content("poem.ogg", "audio/ogg")

local status = gz.Text("loading the recording", { class = "poem-status", css = { color = "var(--gz-muted)" } })
local attached = false
local attach_button, play_button, pause_button

local function on_ready(info)
    status:text(string.format("ready: %.1f s", info.duration))
    attach_button:set_enabled(not attached)
    play_button:set_enabled(true)
    pause_button:set_enabled(true)
end

-- The player is an object the page makes (below). `wave.element.player` is a
-- proxy that reaches it, and each line here builds a call of its `on` with a
-- Lua function, which the page calls back with the event's fields. Nothing
-- runs until gz.send sends it, so these are built once and sent to every
-- player the page makes.
local player = wave.element.player
local subscriptions = {
    player:on("ready", on_ready),
    player:on("play", function() status:text("playing") end),
    player:on("pause", function(info) status:text(string.format("paused at %.1f s", info.time)) end),
    player:on("finish", function() status:text("finished") end),
    player:on("error", function(info) status:text("cannot play the recording: " .. info.message) end),
}

local function listen()
    status:text("loading the recording")
    for _, button in ipairs({ attach_button, play_button, pause_button }) do button:set_enabled(false) end
    for _, subscription in ipairs(subscriptions) do gz.send(subscription) end
end

-- js_init runs again whenever the page is rendered again (a reload, a
-- reconnect): each render gets a new player, the old one stops, and
-- `created` tells Lua to listen to the new one.
wave:js_init([[
    if (window.poemPlayer) window.poemPlayer.destroy();
    element.player = window.poemPlayer = new WavePlayer(url);
    created();
]], { url = audio_url, created = listen })

attach_button = gz.Button("Attach", { enabled = false, on_click = function()
    attached = true
    attach_button:set_enabled(false)
    wave:css({ border_style = "solid" })
    -- js_init rather than gz.send, so a page rendered again attaches its new player too.
    wave:js_init("element.player.attach(element)")
end })
play_button = gz.Button("Play", { enabled = false, on_click = function()
    gz.send(player:play())
end })
pause_button = gz.Button("Pause", { enabled = false, on_click = function()
    gz.send(player:pause())
end })

gz.Stack({
    gz.Html("<h1></h1>"):text(title),
    gz.Text(verse, { css = { white_space = "pre-line", font_style = "italic", line_height = "1.7" } }),
    wave,
    { attach_button, play_button, pause_button },
    status,
}):show()
