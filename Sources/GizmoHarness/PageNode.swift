/// One node of a ``SimulatedPage``'s document: an element or a run of text.
///
/// Only what a person can see or change is modelled: attributes, classes,
/// inline style, the form state a person edits (an input's value, a box's
/// checkedness, an option's selectedness), and the listeners gizmo.js adds.
final class PageNode {
    /// The element's name in lower case; nil for a text node.
    let tag: String?
    /// A text node's text.
    var data: String
    private(set) var children: [PageNode] = []
    private(set) weak var parent: PageNode?
    /// Attributes by name (lower case), in the order they were first set.
    private(set) var attributes: [(name: String, value: String)] = []
    /// Inline style properties (`style.setProperty`), by CSS name.
    private(set) var style: [String: String] = [:]
    /// The component whose element this is (`data-gz-id`), set when gizmo.js builds it.
    var componentID: Int?
    /// DOM event name -> callback id, as gizmo.js's `listen` adds them.
    var listeners: [String: Int] = [:]
    /// An input's or textarea's value once set as a property or edited (the
    /// "dirty" value: the attribute no longer changes it).
    var dirtyValue: String?
    /// A checkbox's or radio's checkedness once clicked or set as a property.
    var dirtyChecked: Bool?
    /// An option's selectedness once chosen or set through its select.
    var dirtySelected: Bool?
    /// What a Log or plot keeps in the page (docs/protocol.md, LIVE).
    var live: LiveData?
    /// A handle for elements that are not components (``SimulatedPage/find(_:)``).
    let serial: Int

    private static let serials = Atomic<Int>(0)

    init(tag: String) {
        self.tag = tag.lowercased()
        data = ""
        serial = PageNode.serials.add(1, ordering: .relaxed).newValue
    }

    init(text: String) {
        tag = nil
        data = text
        serial = PageNode.serials.add(1, ordering: .relaxed).newValue
    }

    var isElement: Bool { tag != nil }

    // MARK: Tree

    func append(_ child: PageNode) {
        child.remove()
        child.parent = self
        children.append(child)
    }

    func replaceChildren(_ nodes: [PageNode]) {
        for child in children { child.parent = nil }
        children = []
        for node in nodes { append(node) }
    }

    func remove() {
        guard let parent else { return }
        parent.children.removeAll { $0 === self }
        self.parent = nil
    }

    /// Removes the first `count` children at once (a Log drops its oldest lines).
    func removeFirstChildren(_ count: Int) {
        let gone = min(max(count, 0), children.count)
        for child in children[..<gone] { child.parent = nil }
        children.removeFirst(gone)
    }

    /// Whether `self` is `other` or holds it.
    func contains(_ other: PageNode) -> Bool {
        var node: PageNode? = other
        while let n = node {
            if n === self { return true }
            node = n.parent
        }
        return false
    }

    var ancestors: some Sequence<PageNode> {
        sequence(first: self) { $0.parent }.dropFirst()
    }

    /// This element and every element under it, in document order (iterative: a
    /// hostile page may nest deep).
    var elements: [PageNode] {
        var out: [PageNode] = []
        var stack: [PageNode] = [self]
        while let node = stack.popLast() {
            guard node.isElement else { continue }
            out.append(node)
            stack.append(contentsOf: node.children.reversed())
        }
        return out
    }

    /// `textContent`: every text node's text, in order.
    var textContent: String {
        if !isElement { return data }
        var out = ""
        var stack: [PageNode] = [self]
        while let node = stack.popLast() {
            if node.isElement { stack.append(contentsOf: node.children.reversed()) } else { out += node.data }
        }
        return out
    }

    func setTextContent(_ text: String) {
        replaceChildren(text.isEmpty ? [] : [PageNode(text: text)])
    }

    // MARK: Attributes

    func attribute(_ name: String) -> String? {
        let name = name.lowercased()
        return attributes.first { $0.name == name }?.value
    }

    func hasAttribute(_ name: String) -> Bool { attribute(name) != nil }

    func setAttribute(_ name: String, _ value: String) {
        let name = name.lowercased()
        if let i = attributes.firstIndex(where: { $0.name == name }) {
            attributes[i].value = value
        } else {
            attributes.append((name, value))
        }
        if name == "style" { style = PageNode.parseStyle(value) }
    }

    func removeAttribute(_ name: String) {
        let name = name.lowercased()
        attributes.removeAll { $0.name == name }
        if name == "style" { style = [:] }
    }

    var classes: [String] {
        (attribute("class") ?? "").split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }

    func hasClass(_ name: String) -> Bool { classes.contains(name) }

    func addClass(_ name: String) {
        guard !name.isEmpty, !hasClass(name) else { return }
        setAttribute("class", (classes + [name]).joined(separator: " "))
    }

    func removeClass(_ name: String) {
        guard hasClass(name) else { return }
        setAttribute("class", classes.filter { $0 != name }.joined(separator: " "))
    }

    // MARK: Inline style

    func setStyle(_ name: String, _ value: String?) {
        let name = name.lowercased()
        if let value { style[name] = value } else { style[name] = nil }
        let text = style.keys.sorted().map { "\($0): \(style[$0]!);" }.joined(separator: " ")
        if let i = attributes.firstIndex(where: { $0.name == "style" }) {
            attributes[i].value = text
        } else {
            attributes.append(("style", text))
        }
    }

    /// `a: b; c: d` as the properties it sets (values with `;` inside quotes are rare in gizmos and cut there).
    static func parseStyle(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for declaration in text.split(separator: ";") {
            guard let colon = declaration.firstIndex(of: ":") else { continue }
            let name = declaration[..<colon].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            var value = declaration[declaration.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            if value.lowercased().hasSuffix("!important") { value = String(value.dropLast(10)).trimmingCharacters(in: .whitespaces) }
            if !name.isEmpty { out[name] = value }
        }
        return out
    }
}

import Foundation
import Synchronization
