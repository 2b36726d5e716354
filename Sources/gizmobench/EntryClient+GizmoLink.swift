import AsyncHTTPClient
import Foundation
import NIOCore

extension EntryClient {
    /// What a browser does over HTTP to open a gizmo through H5Gizmos'
    /// GizmoLink (whose port this client is for): `GET /?module=M&script=S&server=&port=`
    /// makes GizmoLink run `gizmo_script M/S` and wait for its ` GIZMO_LINK: `
    /// line; it answers with its start page, which embeds that link as
    /// `link_url` in JSON and whose script then goes there. The child page is
    /// loaded from it, through GizmoLink's `/connect/` proxy.
    /// - Returns: the link (`http://127.0.0.1:PORT/connect/GIZMO_PORT/gizmo/http/ID/index.html`).
    func launchThroughGizmoLink(module: String, script: String) async throws -> URL {
        let entry = GizmoLinkProcess.entryURL(port: port, module: module, script: script)
        let (start, body) = try await get(entry, timeout: .seconds(30))
        guard start.status == .ok else { throw BenchError("GizmoLink answered \(start.status) to \(entry)") }
        let parameters = try Self.startPageParameters(String(buffer: body))
        if let failure = parameters["launch_exception"] as? String {
            throw BenchError("GizmoLink could not launch \(module)/\(script): \(failure)")
        }
        guard let link = (parameters["link_url"] as? String).flatMap(URL.init(string:)) else {
            throw BenchError("GizmoLink's start page for \(module)/\(script) has no link_url")
        }
        let (page, _) = try await get(link.absoluteString)
        guard page.status == .ok else { throw BenchError("GET \(link) answered \(page.status)") }
        return link
    }

    /// The WebSocket URL the child page at `link` opens, as H5Gizmos.js makes
    /// it: the page's folder with its `http` part turned into `ws`, and a
    /// `reconnect_id` (the page's load time in ms); with `direct`, to the
    /// gizmo's own port instead of through GizmoLink's `/connect/PORT/`.
    static func gizmoLinkSocketURL(_ link: URL, direct: Bool = false) throws -> String {
        var parts = link.deletingLastPathComponent().pathComponents.filter { $0 != "/" }
        guard parts.count >= 5, parts[0] == "connect", parts[parts.count - 2] == "http" else {
            throw BenchError("unexpected GizmoLink link \(link)")
        }
        parts[parts.count - 2] = "ws"
        let reconnect = "?reconnect_id=\(Int(Date().timeIntervalSince1970 * 1000))"
        if direct { return "ws://127.0.0.1:\(parts[1])/" + parts.dropFirst(2).joined(separator: "/") + reconnect }
        return "ws://127.0.0.1:\(link.port ?? 80)/" + parts.joined(separator: "/") + reconnect
    }

    /// The JSON the GizmoLink start page hands its script:
    /// `var json_parameters = {...};`.
    private static func startPageParameters(_ html: String) throws -> [String: Any] {
        guard let start = html.range(of: "var json_parameters = "),
              let end = html.range(of: "\n};", range: start.upperBound..<html.endIndex),
              let parameters = try JSONSerialization.jsonObject(
                  with: Data(html[start.upperBound..<html.index(before: end.upperBound)].utf8)) as? [String: Any]
        else { throw BenchError("GizmoLink's start page holds no json_parameters") }
        return parameters
    }
}
