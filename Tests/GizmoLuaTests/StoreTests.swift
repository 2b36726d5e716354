import Foundation
import GizmoLua
import GizmoStore
import GizmoTestFixtures
import Testing

/// gz.store as scripts use it: shared between states, updates that lose
/// nothing, watches that reach the page, and a service with no page.
struct StoreTests {
    let folder = TemporaryFolder()

    var stores: StoreDirectory { folder.storeDirectory() }

    @Test func statesShareValuesAndListsAsJSON() async throws {
        let stores = self.stores
        _ = try await VMHarness("""
            local gz = require("gizmo")
            gz.store.set("doc", {title = "plan", tags = {"a", "b"}})
            for i = 1, 3 do gz.store.append("log", {n = i}, {keep = 2}) end
            """, stores: stores)
        let reader = try await VMHarness("""
            local gz = require("gizmo")
            local doc, log = gz.store.get("doc"), gz.store.get("log")
            gz.Text(doc.title .. " " .. table.concat(doc.tags, ",") .. " " .. #log .. " " .. log[1].n .. log[2].n
                .. " " .. tostring(gz.store.get("none"))):show()
            """, stores: stores)
        #expect(reader.boot.error == nil)
        let render = try await reader.hello()
        #expect(render.contains { ($0["node"] as? [String: Any])?["text"] as? String == "plan a,b 2 23 nil" })
    }

    @Test func aWatchShowsTheCurrentValueThenEveryChange() async throws {
        let stores = self.stores
        let watcher = try await VMHarness("""
            local gz = require("gizmo")
            local text = gz.Text("?")
            gz.store.watch("status", function(value, change) text:text(change.kind .. ":" .. tostring(value)) end)
            text:show()
            """, stores: stores)
        let first = try await watcher.hello()
        #expect(first.contains { ($0["node"] as? [String: Any])?["text"] as? String == "current:nil" })
        _ = try await VMHarness(#"require("gizmo").store.set("status", "running")"#, stores: stores)
        _ = try await watcher.waitFor { $0.contains { $0.string("v") == "set:running" } }
        _ = try await VMHarness(#"require("gizmo").store.set("status", nil)"#, stores: stores)
        _ = try await watcher.waitFor { $0.contains { $0.string("v") == "delete:nil" } }
    }

    @Test func appendedItemsArriveInOrderAndACancelledWatchHearsNothing() async throws {
        let stores = self.stores
        let watcher = try await VMHarness("""
            local gz = require("gizmo")
            local seen = {}
            local text = gz.Text("")
            local watch
            watch = gz.store.watch("points", function(value, change)
                if change.kind == "append" then seen[#seen + 1] = value end
                if change.kind == "gap" then seen[#seen + 1] = "gap" .. change.missed end
                text:text(table.concat(seen, ","))
                if #seen >= 5 then watch:cancel() end
            end)
            text:show()
            """, stores: stores)
        try await watcher.hello()
        _ = try await VMHarness("""
            local gz = require("gizmo")
            for i = 1, 5 do gz.store.append("points", i) end
            """, stores: stores)
        let seen = try await watcher.waitFor { $0.contains { $0.string("v")?.split(separator: ",").count == 5 } }
        let last = seen.last { $0.string("v") != nil }?.string("v")
        // In order, each once (coalescing never reorders or repeats items).
        #expect(last == "1,2,3,4,5")
        #expect(await watcher.vm.stats()?.watches == 0)
    }

    /// A watcher busy while a list grows past its `keep` is told of the gap
    /// and given the list as it is, never a backlog or an item twice.
    @Test func aWatcherThatFellBehindAListGetsTheGapAndTheList() async throws {
        let stores = self.stores
        let watcher = try await VMHarness("""
            local gz = require("gizmo")
            local seen = {}
            local text = gz.Text("")
            gz.store.watch("points", function(value, change)
                if change.kind == "append" then
                    seen[#seen + 1] = tostring(value)
                    -- Busy until the writer has appended its last item.
                    while true do
                        local list = gz.store.get("points")
                        if list and list[#list] == 10 then break end
                    end
                elseif change.kind == "gap" then
                    seen[#seen + 1] = "gap" .. change.missed .. ":" .. table.concat(value, ",")
                end
                text:text(table.concat(seen, " "))
            end)
            text:show()
            """, stores: stores)
        try await watcher.hello()
        _ = try await VMHarness("""
            local gz = require("gizmo")
            for i = 1, 10 do gz.store.append("points", i, {keep = 3}) end
            """, stores: stores)
        let seen = try await watcher.waitFor { $0.contains { $0.string("v")?.contains("gap") == true } }
        let last = try #require(seen.last { $0.string("v") != nil }?.string("v"))
        let words = last.split(separator: " ").map(String.init)
        let items: [String] = Array(words.dropLast())
        let expected: [String] = (0..<items.count).map { String($0 + 1) }
        #expect(items == expected)
        #expect(words.last == "gap\(10 - 3 - items.count):8,9,10")
    }

    @Test func storeErrorsNameTheLimitAtTheScriptsLine() async throws {
        let stores = self.stores
        let session = try await VMHarness("""
            local gz = require("gizmo")
            local ok, message = pcall(gz.store.set, "big", string.rep("x", 5000))
            local ok2, message2 = pcall(gz.store.set, "fn", function() end)
            local ok3, message3 = pcall(gz.store.get, "")
            gz.Text(message .. "|" .. message2 .. "|" .. message3):show()
            """, stores: stores)
        let render = try await session.hello()
        let text = render.compactMap { ($0["node"] as? [String: Any])?["text"] as? String }.first ?? ""
        #expect(text.contains("--store-value-limit"))
        #expect(text.contains("cannot be stored as JSON"))
        #expect(text.contains("argument #1 must be a key"))
    }

    @Test func aServiceHasTimersAndTheStoreButNoPage() async throws {
        let stores = self.stores
        let service = try await VMHarness("""
            local gz = require("gizmo")
            local ok, message = pcall(gz.Button, "x")
            gz.store.set("page", message)
            gz.every(0.01, function() gz.store.update("ticks", function(n) return (n or 0) + 1 end) end)
            """, stores: stores, service: true)
        #expect(service.boot.error == nil)
        let store = try stores.store(in: folder.url)
        #expect(try store.get("page").json?.contains("a module's service has no page") == true)
        #expect(try await eventually(seconds: 30) { (Int((try? store.get("ticks").json) ?? "0") ?? 0) >= 3 })
        await service.vm.close()
    }
}

/// Floods a script might try against the store: each is refused with a
/// message, and the session goes on.
struct StoreFloodTests {
    let folder = TemporaryFolder()

    @Test func watchesPastTheCapAndListsPastTheModuleLimitAreRefused() async throws {
        let stores = folder.storeDirectory(limits: StoreLimits(valueBytes: 1024, moduleBytes: 64 << 10))
        let session = try await VMHarness("""
            local gz = require("gizmo")
            local watched, watch_error = 0, nil
            for i = 1, 1001 do
                local ok, message = pcall(gz.store.watch, "k", function() end)
                if ok then watched = watched + 1 else watch_error = message break end
            end
            local appended, append_error = 0, nil
            for i = 1, 1000 do
                local ok, message = pcall(gz.store.append, "flood", string.rep("x", 1000), {keep = 100000})
                if ok then appended = appended + 1 else append_error = message break end
            end
            local ok, bad_keep = pcall(gz.store.append, "flood", 1, {keep = 0})
            gz.Text(watched .. "|" .. tostring(watch_error) .. "|" .. appended .. "|" .. tostring(append_error)
                .. "|" .. tostring(bad_keep)):show()
            """, stores: stores)
        let render = try await session.hello()
        let texts = render.compactMap { ($0["node"] as? [String: Any])?["text"] as? String }
        let text = try #require(texts.first)
        let parts = text.split(separator: "|").map(String.init)
        #expect(parts[0] == "1000")
        #expect(parts[1].contains("1000 watches"))
        #expect(Int(parts[2])! < 70) // 64 KiB of items of about 1 KiB each
        #expect(parts[3].contains("--store-limit"))
        #expect(parts[4].contains("keep must be a whole number"))
        #expect(!session.ended)
    }
}
