/// Where an element's content sits, as far as the browser's HTML parser
/// cares: what is open around it that would make the parser nest a start
/// tag differently from gizmo.js's DOM calls (an open `p` that a `div`
/// closes, an `a` inside an `a`, SVG, a `select`).
///
/// A first paint is HTML only where the parser, reading it inline in the
/// page, makes the very elements `build` makes of the NODE
/// (``FirstPaintHTML``); ``entering(_:)`` says no to everything else, and
/// that page renders over its socket as before.
struct ParseContext {
    private var paragraph = false
    private var anchor = false
    private var button = false
    private var listItem = false
    private var definition = false
    private var heading = false // the current node is h1-h6
    private var select = false
    private var optgroup = false
    private var option = false
    /// Inside `svg`: elements are SVG's, and the parser's rules are foreign content's.
    private(set) var foreign = false
    private var integration = false // svg's foreignObject, desc, title: text only here

    /// The context inside an element `name` (lowercase) started here; nil
    /// when the parser would not simply nest it here.
    func entering(_ name: String) -> ParseContext? {
        if integration || option { return nil }
        var inside = self
        if foreign {
            if Self.leavesForeign.contains(name) { return nil }
            inside.integration = ["foreignobject", "desc", "title"].contains(name)
            return inside
        }
        if select {
            switch name {
            case "option": inside.option = true
            case "optgroup" where !optgroup: inside.optgroup = true
            default: return nil
            }
            return inside
        }
        guard Self.html.contains(name) else { return nil }
        if paragraph && Self.closesParagraph.contains(name) { return nil }
        if heading && Self.headings.contains(name) { return nil }
        if (anchor && name == "a") || (button && name == "button") || (listItem && name == "li") { return nil }
        if definition && (name == "dt" || name == "dd") { return nil }
        inside.heading = Self.headings.contains(name)
        switch name {
        case "p": inside.paragraph = true
        case "a": inside.anchor = true
        case "button": inside.button = true
        case "li": inside.listItem = true
        case "ul", "ol": inside.listItem = false
        case "dt", "dd": inside.definition = true
        case "dl": inside.definition = false
        case "select": inside.select = true
        case "svg": inside.foreign = true
        default: break
        }
        return inside
    }

    /// Elements a first paint may hold. Left out: what the parser reads as
    /// raw text or runs (`script`, `style`, `textarea`, `title`, `template`,
    /// `iframe`, `noscript`, ...), what it moves or repairs (tables, `form`,
    /// `nobr`, `font`, `math`), the document's own parts, and names it renames.
    static let html: Set<String> = [
        "a", "abbr", "address", "article", "aside", "audio", "b", "bdi", "bdo", "blockquote", "br", "button",
        "canvas", "cite", "code", "data", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "fieldset",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "input",
        "ins", "kbd", "label", "legend", "li", "main", "mark", "meter", "nav", "ol", "output", "p", "picture", "pre",
        "progress", "q", "s", "samp", "section", "select", "small", "source", "span", "strong", "sub", "summary",
        "sup", "svg", "time", "track", "u", "ul", "var", "video", "wbr",
    ]

    static let void: Set<String> = ["br", "hr", "img", "input", "source", "track", "wbr"]

    static let headings: Set<String> = ["h1", "h2", "h3", "h4", "h5", "h6"]

    /// Start tags that close an open `p` (HTML's "close a p element").
    static let closesParagraph: Set<String> = [
        "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
        "li", "dd", "dt", "listing", "main", "menu", "nav", "ol", "p", "plaintext", "pre", "search", "section",
        "summary", "table", "ul", "xmp",
    ]

    /// Start tags that end SVG content in the parser (and those it would run).
    static let leavesForeign: Set<String> = [
        "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em", "embed", "font",
        "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing", "menu", "meta", "nobr", "ol",
        "p", "pre", "ruby", "s", "small", "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var",
        "script", "style", "math", "svg",
    ]
}
