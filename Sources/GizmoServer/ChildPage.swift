import GizmoLua

/// The child page: index.html with gizmo.css and gizmo.js inlined, so a page
/// is one request and works under any prefix; with the session's tree in it
/// when it can be (its first paint, docs/protocol.md), so that it paints
/// before its socket opens.
enum ChildPage {
    /// The template cut at its markers (title, head, root, first paint),
    /// before the style sheet and script go in, so no text of theirs can
    /// be taken for a marker.
    private static let parts: [String] = {
        var rest = String(decoding: PackageResources.index_html, as: UTF8.self)
        var parts: [String] = []
        for marker in ["{{TITLE}}", "{{LAUNCH}}", "{{HEAD}}", "{{ROOT}}", "{{FIRST}}"] {
            guard let range = rest.range(of: marker) else { preconditionFailure("index.html has no \(marker) marker") }
            parts.append(String(rest[..<range.lowerBound]))
            rest = String(rest[range.upperBound...])
        }
        parts.append(rest)
        return parts.map {
            $0.replacingOccurrences(of: "/*GIZMO_CSS*/", with: String(decoding: PackageResources.gizmo_css, as: UTF8.self))
                .replacingOccurrences(of: "/*GIZMO_JS*/", with: String(decoding: PackageResources.gizmo_js, as: UTF8.self))
        }
    }()

    /// - Parameter firstPaint: the session's tree now; without it (or when
    ///   it cannot be written as HTML) the page renders over its socket.
    /// - Parameter launch: the entry link that started the session, relative
    ///   to the entry page (`./?module=M&script=S`): the page opens it again
    ///   when its session is gone from the server (docs/protocol.md, `close`).
    static func html(title: String, firstPaint: RenderSnapshot? = nil, launch: String? = nil) -> String {
        var head = "", root = "", first = ""
        if let paint = firstPaint, let tree = FirstPaintHTML.html(of: paint.root) {
            root = tree
            // Style sheets before the content paints; scripts before gizmo.js
            // runs the tree's js_init code, in order, as its render would.
            for item in paint.head {
                let url = HTMLText.escape(item.url)
                if item.kind == "css" {
                    head += #"<link rel="stylesheet" href="\#(url)" data-gz-head="\#(url)">"# + "\n"
                } else if item.kind == "script" {
                    first += #"<script src="\#(url)" data-gz-head="\#(url)"></script>"# + "\n"
                }
            }
            // `<` never appears in JSON outside a string, and inside one
            // \u003c is the same character: no `</script>` can end this early.
            let json = paint.json.replacingOccurrences(of: "<", with: "\\u003c")
            first += #"<script type="application/json" id="gz-first" data-frame="\#(paint.frame)">\#(json)</script>"# + "\n"
        }
        let relaunch = launch.map { #"<meta name="gz-launch" content="\#(HTMLText.escape(fromChildPage($0)))">"# } ?? ""
        return parts[0] + HTMLText.escape(title) + parts[1] + relaunch + parts[2] + head + parts[3] + root + parts[4] + first
            + parts[5]
    }

    /// An entry link (`./?module=M&script=S`) as the child page reaches it:
    /// from gizmo/http/<ID>/index.html back to the entry page's folder.
    static func fromChildPage(_ entryLink: String) -> String {
        "../../../" + entryLink.dropFirst(2)
    }
}
