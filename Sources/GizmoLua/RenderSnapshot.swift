/// What a session shows now, read for a page's first paint: the render
/// command's JSON (what the page would get over its socket) and the same
/// tree as Swift values, fields in the order the JSON has them.
public struct RenderSnapshot: Sendable {
    /// The render command, `{"op":"render",...}`, as JSON.
    public var json: String
    public var root: RenderNode
    /// Scripts and style sheets the page must load first (`js_file`, `css_file`).
    public var head: [HeadItem]
    /// The number of the last frame the tree includes: a page showing it
    /// resumes after it.
    public var frame: Int

    public struct HeadItem: Sendable, Equatable {
        public var kind: String
        public var url: String
    }
}

/// One NODE of the render command (docs/protocol.md). A field whose value
/// the reader did not expect (a type the page would turn into text of its
/// own making) is ``RenderValue/other``, and the first paint leaves the
/// page to its socket.
public struct RenderNode: Sendable {
    public var id: Int
    public var tag: String?
    public var outer: String?
    public var text: String?
    public var html: String?
    public var classes: [String] = []
    public var css: [(name: String, value: RenderValue)] = []
    public var attributes: [(name: String, value: RenderValue)] = []
    public var slot: String?
    /// A Log's lines (a plot's points are drawn by the page's script).
    public var logLines: [String]?
    public var kids: [RenderNode] = []
    /// Something in the node could not be read as expected.
    public var unreadable = false

    public init(id: Int) { self.id = id }
}

public enum RenderValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    /// A float (the JSON carries it so that the page reads the same double).
    case number(Double)
    /// A table, a function: nothing the page would print as the script meant.
    case other
}
