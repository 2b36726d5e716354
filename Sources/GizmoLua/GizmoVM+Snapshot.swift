import CGizmoLua
import CLua

/// A page's first paint: the tree the session shows now, read between turns.
extension GizmoVM {
    /// Nodes past this many are left to the socket (a first paint of a huge
    /// page would hold the request; the render frame streams the same).
    static let maxSnapshotNodes = 20_000

    /// The render command of what the script shows now, read on the VM's
    /// queue; `mark` runs right after, before any other turn, with this
    /// run's generation, and answers the number of the last frame sent (nil:
    /// the outbox has moved to another run). Nil when the state is gone, when
    /// commands wait for the end of a turn (the tree would be ahead of the
    /// frames), or when the render cannot be made.
    public func renderSnapshot(mark: @Sendable (Int) -> Int?) -> RenderSnapshot? {
        guard var snapshot = snapshotNow(), let frame = mark(generation) else { return nil }
        snapshot.frame = frame
        return snapshot
    }

    /// Makes the first paint of what the script shows now for the child
    /// page's request that the entry's redirect is about to bring: made on
    /// the queue while the redirect travels, it is taken by
    /// ``takePreparedSnapshot(mark:)`` without waiting for the queue, unless
    /// a turn has run in between (``turn`` drops it).
    public func prepareSnapshot() {
        guard let snapshot = snapshotNow() else { return }
        preparedSnapshot.withLock { $0 = snapshot }
    }

    /// ``boot(kept:)``, then, when the main code went well,
    /// ``prepareSnapshot()``, in one job on the queue: no turn (a timer the
    /// main code set, which may spin for seconds) comes in between, and a
    /// child page waiting for the boot does not wait for that turn.
    public func bootPreparingSnapshot() throws(ScriptError) -> BootResult {
        let result = try boot()
        if result.error == nil { prepareSnapshot() }
        return result
    }

    /// The snapshot ``prepareSnapshot()`` made, once, if no turn has run
    /// since; `mark` as for ``renderSnapshot(mark:)``, run under the same
    /// lock a turn takes to drop it, so no turn's frame comes in between.
    public nonisolated func takePreparedSnapshot(mark: (Int) -> Int?) -> RenderSnapshot? {
        preparedSnapshot.withLock { prepared in
            defer { prepared = nil }
            guard var snapshot = prepared, let frame = mark(generation) else { return nil }
            snapshot.frame = frame
            return snapshot
        }
    }

    /// The tree now, its frame number not yet known (-1).
    private func snapshotNow() -> RenderSnapshot? {
        guard let lua else { return nil }
        lua.push(ref: turnFunction)
        lua.push("snapshot")
        do {
            try lua.call(arguments: 1, results: 2, cpuSeconds: limits.cpuSeconds)
        } catch {
            logger.debug("no first paint: \(error.message)")
            return nil
        }
        defer {
            lua.pop(2)
            lua.collectGarbage() // the node tree and its JSON: an idle session keeps neither
        }
        guard let json = lua.string(at: -1), lua_type(lua.L, -2) == LUA_TTABLE else { return nil }
        let reader = RenderReader(L: lua.L)
        guard let root = reader.field("node", of: -2, as: LUA_TTABLE, { reader.node(at: -1, depth: 0) }) ?? nil,
              reader.count <= Self.maxSnapshotNodes
        else { return nil }
        let head = reader.field("head", of: -2, as: LUA_TTABLE, { reader.head(at: -1) }) ?? []
        return RenderSnapshot(json: json, root: root, head: head, frame: -1)
    }
}

/// Reads render-command tables with raw access only (no metamethod runs),
/// in `lua_next` order: the order the JSON encoder writes their fields.
private final class RenderReader {
    let L: OpaquePointer
    var count = 0

    init(L: OpaquePointer) { self.L = L }

    /// Pushes `t[name]` (t at `index`, made absolute), runs `read` when it is of `type`, pops.
    func field<T>(_ name: String, of index: Int32, as type: Int32, _ read: () -> T) -> T? {
        let table = lua_absindex(L, index)
        lua_pushstring(L, name)
        defer { gz_pop(L, 1) }
        guard lua_rawget(L, table) == type else { return nil }
        return read()
    }

    func string(_ name: String, of index: Int32) -> String? {
        field(name, of: index, as: LUA_TSTRING) { LuaCall(L: L).string(at: -1) } ?? nil
    }

    /// `t[name]` when it is a string, nil when it is absent; anything else
    /// makes the node unreadable.
    func string(_ name: String, of t: Int32, in node: inout RenderNode) -> String? {
        lua_pushstring(L, name)
        defer { gz_pop(L, 1) }
        switch lua_rawget(L, t) {
        case LUA_TNIL: return nil
        case LUA_TSTRING: return LuaCall(L: L).string(at: -1)
        default:
            node.unreadable = true
            return nil
        }
    }

    func isPresent(_ name: String, of index: Int32) -> Bool {
        let table = lua_absindex(L, index)
        lua_pushstring(L, name)
        defer { gz_pop(L, 1) }
        return lua_rawget(L, table) != LUA_TNIL
    }

    /// The strings of the list at the top; nil when any item is not a string.
    func strings(at index: Int32) -> [String]? {
        let table = lua_absindex(L, index)
        var out: [String] = []
        let n = lua_rawlen(L, table)
        guard n < 1 << 20 else { return nil }
        for i in 0..<Int(n) {
            defer { gz_pop(L, 1) }
            guard lua_rawgeti(L, table, lua_Integer(i + 1)) == LUA_TSTRING,
                  let s = LuaCall(L: L).string(at: -1) else { return nil }
            out.append(s)
        }
        return out
    }

    /// The string-keyed fields of the table at `index`, in `lua_next` order;
    /// nil when a key is not a string.
    func pairs(at index: Int32) -> [(name: String, value: RenderValue)]? {
        let table = lua_absindex(L, index)
        var out: [(name: String, value: RenderValue)] = []
        lua_pushnil(L)
        while lua_next(L, table) != 0 {
            guard lua_type(L, -2) == LUA_TSTRING, let name = LuaCall(L: L).string(at: -2) else {
                gz_pop(L, 2) // the value and the key
                return nil
            }
            out.append((name, value(at: -1)))
            gz_pop(L, 1) // the value; the key stays for lua_next
        }
        return out
    }

    func value(at index: Int32) -> RenderValue {
        switch lua_type(L, index) {
        case LUA_TSTRING: return LuaCall(L: L).string(at: index).map(RenderValue.string) ?? .other
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            guard lua_isinteger(L, index) != 0 else { return .number(lua_tonumberx(L, index, nil)) }
            let n = lua_tointegerx(L, index, nil)
            // JavaScript prints integers past 2^53 its own way.
            return abs(n) < 1 << 53 ? .integer(Int(n)) : .other
        default: return .other
        }
    }

    func node(at index: Int32, depth: Int) -> RenderNode? {
        count += 1
        guard count <= GizmoVM.maxSnapshotNodes, depth < 256 else { return nil }
        let t = lua_absindex(L, index)
        guard let id = field("id", of: t, as: LUA_TNUMBER, { LuaCall(L: L).integer(at: -1) }) ?? nil else { return nil }
        var result = RenderNode(id: id)
        result.tag = string("tag", of: t, in: &result)
        result.outer = string("outer", of: t, in: &result)
        result.text = string("text", of: t, in: &result)
        result.html = string("html", of: t, in: &result)
        result.slot = string("slot", of: t, in: &result)
        if let classes = field("cls", of: t, as: LUA_TTABLE, { strings(at: -1) }) {
            if let classes { result.classes = classes } else { result.unreadable = true }
        }
        for (name, keep) in [("css", \RenderNode.css), ("attrs", \RenderNode.attributes)] as [(String, WritableKeyPath<RenderNode, [(name: String, value: RenderValue)]>)] {
            if let fields = field(name, of: t, as: LUA_TTABLE, { pairs(at: -1) }) {
                if let fields { result[keyPath: keep] = fields } else { result.unreadable = true }
            }
        }
        if isPresent("live", of: t) {
            switch field("live", of: t, as: LUA_TTABLE, { string("kind", of: -1) }) ?? nil {
            case "log":
                let lines = field("live", of: t, as: LUA_TTABLE) {
                    field("lines", of: -1, as: LUA_TTABLE) { strings(at: -1) } ?? nil
                } ?? nil
                if let lines { result.logLines = lines } else { result.unreadable = true }
            case "plot":
                break // the page draws the points; the plot's SVG is its html
            default:
                result.unreadable = true
            }
        }
        lua_pushstring(L, "kids")
        let kidsType = lua_rawget(L, t)
        defer { gz_pop(L, 1) }
        if kidsType == LUA_TTABLE {
            let list = lua_absindex(L, -1)
            for i in 0..<Int(lua_rawlen(L, list)) {
                defer { gz_pop(L, 1) }
                guard lua_rawgeti(L, list, lua_Integer(i + 1)) == LUA_TTABLE, let kid = node(at: -1, depth: depth + 1) else {
                    return nil
                }
                result.kids.append(kid)
            }
        } else if kidsType != LUA_TNIL {
            return nil
        }
        return result
    }

    func head(at index: Int32) -> [RenderSnapshot.HeadItem] {
        let list = lua_absindex(L, index)
        var items: [RenderSnapshot.HeadItem] = []
        for i in 0..<Int(min(lua_rawlen(L, list), 1000)) {
            defer { gz_pop(L, 1) }
            guard lua_rawgeti(L, list, lua_Integer(i + 1)) == LUA_TTABLE,
                  let kind = string("kind", of: -1), let url = string("url", of: -1) else { continue }
            items.append(.init(kind: kind, url: url))
        }
        return items
    }
}
