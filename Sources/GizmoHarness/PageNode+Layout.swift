/// How an element is laid out, as far as its text and visibility depend on
/// it: the `display` Chromium computes from the element's tag, gizmo.css's
/// classes and inline style, and `visibility`.
///
/// gizmo.css's rules that set `display` are copied in ``classDisplay``: an
/// author rule beats the `hidden` attribute (a `hidden` Stack still shows, as
/// in Chromium), an inline style beats both.
extension PageNode {
    enum Display: Equatable {
        case none, inline, block, inlineBlock, flex, inlineFlex, grid, inlineGrid, table, tableRow, tableCell,
             listItem, contents, other

        init(css: String) {
            switch css.trimmingCharacters(in: .whitespaces).lowercased() {
            case "none": self = .none
            case "inline": self = .inline
            case "block", "flow-root": self = .block
            case "inline-block": self = .inlineBlock
            case "flex": self = .flex
            case "inline-flex": self = .inlineFlex
            case "grid": self = .grid
            case "inline-grid": self = .inlineGrid
            case "table", "inline-table": self = .table
            case "table-row": self = .tableRow
            case "table-cell": self = .tableCell
            case "list-item": self = .listItem
            case "contents": self = .contents
            default: self = .other
            }
        }

        /// A line of its own in `innerText`.
        var isBlockLevel: Bool { [.block, .flex, .grid, .table, .listItem].contains(self) }
        /// Its children are laid out as blocks (flex and grid items).
        var blockifiesChildren: Bool { [.flex, .inlineFlex, .grid, .inlineGrid].contains(self) }

        var blockified: Display {
            switch self {
            case .inline, .inlineBlock, .other: .block
            case .inlineFlex: .flex
            case .inlineGrid: .grid
            default: self
            }
        }
    }

    static let blockTags: Set<String> = [
        "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "dir", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
        "hr", "legend", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "ul", "listing", "xmp",
        "plaintext", "html", "body", "select", "option", "optgroup",
    ]
    static let hiddenTags: Set<String> = [
        "head", "script", "style", "template", "title", "meta", "link", "base", "noscript", "datalist", "param",
        "area", "desc", "defs", "symbol", "clippath", "mask", "lineargradient", "radialgradient", "filter", "marker",
    ]
    static let inlineBlockTags: Set<String> = [
        "button", "input", "textarea", "img", "progress", "meter", "video", "audio", "canvas", "iframe", "embed", "object",
    ]
    /// gizmo.css's `display` of its classes.
    static let classDisplay: [String: Display] = [
        "gz-button": .inlineFlex, "gz-stack": .flex, "gz-shelf": .flex, "gz-labelled": .inlineFlex,
        "gz-range-slider": .flex, "gz-choices": .flex, "gz-choice": .inlineFlex, "gz-progress": .flex,
    ]

    /// The element's `display` before its parent blockifies it.
    var ownDisplay: Display {
        guard let tag else { return .inline }
        if let inline = style["display"] { return Display(css: inline) }
        for cls in classes.reversed() { if let display = PageNode.classDisplay[cls] { return display } }
        if tag == "svg", parent?.hasClass("gz-plot") == true { return .block } // .gz-plot svg
        if hasAttribute("hidden") || PageNode.hiddenTags.contains(tag) { return .none }
        if tag == "svg" { return .inline }
        if tag == "text", ancestors.contains(where: { $0.tag == "svg" }) { return .block } // each SVG text its own line, as Chromium's innerText
        if tag == "title", parent?.isInSVG == true { return .none }
        if PageNode.blockTags.contains(tag) { return .block }
        if PageNode.inlineBlockTags.contains(tag) { return .inlineBlock }
        switch tag {
        case "li": return .listItem
        case "table": return .table
        case "tr": return .tableRow
        case "td", "th": return .tableCell
        case "tbody", "thead", "tfoot", "caption", "colgroup", "col": return .other
        default: return .inline
        }
    }

    private var isInSVG: Bool { tag == "svg" || ancestors.contains { $0.tag == "svg" } }

    /// The `display` Chromium computes: flex and grid items are blockified.
    var display: Display {
        let own = ownDisplay
        guard own != .none, own != .contents, let parent, parent.isElement else { return own }
        // Blockifying keeps a flex or grid container one: the parent's own display says whether it blockifies.
        return parent.ownDisplay.blockifiesChildren ? own.blockified : own
    }

    /// `visibility`, inherited: hidden or collapse hides the element's own
    /// text, while a descendant may show itself again.
    var isVisibilityHidden: Bool {
        for node in sequence(first: self, next: { $0.parent }) where node.isElement {
            if let value = node.style["visibility"]?.lowercased() {
                return value == "hidden" || value == "collapse"
            }
        }
        return false
    }

    /// Not `display: none` itself or under such an element (up to `root`).
    func isRendered(under root: PageNode) -> Bool {
        var node: PageNode? = self
        while let n = node {
            if n.isElement, n.ownDisplay == .none { return false }
            if n === root { return true }
            node = n.parent
        }
        return false // not in the page
    }

    /// Whether newlines in its text break lines (`white-space` pre, pre-wrap,
    /// pre-line, inherited: `pre`, `.gz-text`, `.gz-log`).
    var preservesNewlines: Bool {
        for node in sequence(first: self, next: { $0.parent }) where node.isElement {
            if let value = node.style["white-space"]?.lowercased() {
                return value.hasPrefix("pre") || value == "break-spaces"
            }
            if node.hasClass("gz-text") || node.hasClass("gz-log") || node.hasClass("gz-tray-msg") { return true }
            if ["pre", "textarea", "listing", "xmp", "plaintext"].contains(node.tag ?? "") { return true }
        }
        return false
    }
}
