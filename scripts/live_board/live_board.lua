-- The board of a training job (simulated by this module's service, in
-- init.lua): its status and a live plot of its loss over the last 300
-- steps, the same in every open window. Post a note and every window
-- watching the board shows it.
local gz = require("gizmo")

local KEEP = 300 -- the samples the service keeps (init.lua)
local NOTES = 50 -- the notes kept, newest shown first
local NOTE_BYTES = 280

local status = gz.Text("Waiting for the job...", { class = "board-status" })
local count = gz.Text("No samples yet.", { class = "board-count" })
local plot = gz.Plot({ width = 640, height = 320, title = "Loss", xlabel = "step", ylabel = "loss" })
local notes = gz.Stack({}, { class = "board-notes" })
local said = gz.Text("", { class = "board-said" })

-- The job's status: one value, replaced every second by the service.
gz.store.watch("status", function(job)
    if job then
        status:text(string.format("Step %d, loss %.3f (%s)", job.step, job.loss or 0 / 0, job.state))
    end
end)

-- The samples: the whole list first (and after a gap, when this page fell
-- behind), then each new sample as it is appended.
local steps, losses = {}, {}
gz.store.watch("samples", function(value, change)
    if change.kind == "append" then
        steps[#steps + 1], losses[#losses + 1] = value.step, value.loss
        if #steps > KEEP then
            table.remove(steps, 1)
            table.remove(losses, 1)
        end
    else
        steps, losses = {}, {}
        for i, sample in ipairs(value or {}) do
            steps[i], losses[i] = sample.step, sample.loss
        end
    end
    plot:clear():line(steps, losses, { label = "loss" })
    count:text(string.format("%d samples", #steps))
end)

-- The notes: a list like the samples, drawn newest first.
local posted = {}
gz.store.watch("notes", function(value, change)
    if change.kind == "append" then
        posted[#posted + 1] = value
        if #posted > NOTES then table.remove(posted, 1) end
    else
        posted = value or {}
    end
    local lines = {}
    for i = #posted, 1, -1 do
        local note = posted[i]
        lines[#lines + 1] = gz.Text(os.date("%H:%M:%S", note.at) .. "  " .. note.text, { class = "board-note" })
    end
    notes:attach_children(lines)
end)

local entry
local function post()
    local text = entry.value:match("^%s*(.-)%s*$")
    if text == "" then
        said:text("Type a note first.")
    elseif #text > NOTE_BYTES then
        said:text(string.format("A note holds at most %d bytes; this one has %d.", NOTE_BYTES, #text))
    else
        gz.store.append("notes", { text = text, at = os.time() }, { keep = NOTES })
        entry:set_value("")
        said:text("Posted.")
    end
end
entry = gz.Input("", { placeholder = "A note for everyone watching", size = 40, on_enter = post })

gz.Stack({
    gz.Html("<h1>Live board</h1>"),
    status,
    plot,
    count,
    gz.Html("<h2>Notes</h2>"),
    gz.Shelf({ entry, gz.Button("Post", { on_click = post }) }),
    said,
    notes,
}):show()
