import Foundation
import HummingbirdWSClient

/// What an H5Gizmos child page (its H5Gizmos.js) does over its WebSocket,
/// without a browser. Each text frame is one piece of a packet: `F` and the
/// packet's (last) JSON text, or `C` and a part that more follow, which the
/// page acknowledges with `A`. The parent's packets are commands: `["E", cmd]`
/// run, `["G", oid, cmd, depth]` run and answer, `["C", id, cmd]` run and
/// keep, `["D", id]` forget; a page's are `["CB", id, [args]]` (a callback
/// called), `["G", oid, value]`, `["X", message, oid]` and `["K"]`
/// (keep-alive). The page sends nothing on its own when it connects.
struct H5PageSocket {
    private var socket: PageSocket
    /// The callbacks the parent bound to page events (`element.on("click", cb)`,
    /// `window.addEventListener("pagehide", cb)`): event name to callback id.
    private(set) var eventCallbacks: [String: String] = [:]

    init(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) {
        socket = PageSocket(inbound: inbound, outbound: outbound)
    }

    /// The next packet from the parent, its pieces put together.
    mutating func receive() async throws -> String {
        var parts = ""
        while true {
            let frame = try await socket.receive()
            switch frame.first {
            case "F": return parts + frame.dropFirst()
            case "C":
                parts += frame.dropFirst()
                try await socket.send("A")
            default: throw BenchError("unexpected H5Gizmos frame \(frame.prefix(40))")
            }
        }
    }

    /// The packets that build the page, up to the parent's start probe: the
    /// call of a callback with no arguments by which the parent learns that
    /// the page runs (`Gizmo._has_started`); it comes after every command of
    /// the initial page. Notes the callbacks bound to events on the way.
    /// - Returns: the probe's callback id.
    mutating func receiveUntilStartProbe() async throws -> String {
        while true {
            let packet = try await receive()
            guard let message = try JSONSerialization.jsonObject(with: Data(packet.utf8)) as? [Any] else {
                throw BenchError("an H5Gizmos packet that is not a JSON array: \(packet.prefix(80))")
            }
            if let probe = Self.startProbe(message) { return probe }
            noteEventCallbacks(in: message)
        }
    }

    /// Calls back `callback` with the page's fields of an event of `type`,
    /// as the function H5Gizmos.js made for it does.
    mutating func call(_ callback: String, event type: String? = nil) async throws {
        let arguments = type.map { #"[{"type": "\#($0)"}]"# } ?? "[]"
        try await socket.send(#"F["CB", "\#(callback)", \#(arguments)]"#)
    }

    /// What the page does when it goes away: the `pagehide` callback, on
    /// which the parent exits (H5Gizmos' `shutdown_on_unload`).
    mutating func hide() async throws {
        if let callback = eventCallbacks["pagehide"] { try await call(callback, event: "pagehide") }
    }

    /// `["E", ["C", ["CB", id, depth], []]]`: its id.
    private static func startProbe(_ message: [Any]) -> String? {
        guard message.count == 2, message[0] as? String == "E", let call = message[1] as? [Any], call.count == 3,
              call[0] as? String == "C", let callee = call[1] as? [Any], callee.first as? String == "CB",
              let arguments = call[2] as? [Any], arguments.isEmpty
        else { return nil }
        return callee[1] as? String
    }

    /// Every call in `node` whose arguments are an event name and a
    /// callback: `[.., [["L", "click"], ["CB", id, depth]]]`.
    private mutating func noteEventCallbacks(in node: Any) {
        guard let list = node as? [Any] else { return }
        if list.count == 3, list[0] as? String == "C", let arguments = list[2] as? [[Any]], arguments.count == 2,
           arguments[0].first as? String == "L", let event = arguments[0].last as? String,
           arguments[1].first as? String == "CB", arguments[1].count > 1, let callback = arguments[1][1] as? String {
            eventCallbacks[event] = callback
        }
        for child in list { noteEventCallbacks(in: child) }
    }
}
