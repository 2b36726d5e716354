-- The shop's service: counts the orders into "order_count" for every page.
local gz = require("gizmo")
gz.store.watch("items", function(items)
    gz.store.set("order_count", items and #items or 0)
end)
