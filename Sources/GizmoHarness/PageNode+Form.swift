/// The state a person edits in form controls, read and written as a DOM
/// does: a property beats the attribute once set, an option's selectedness,
/// a range input's sanitized value.
extension PageNode {
    static let formControls: Set<String> = ["button", "input", "select", "textarea", "optgroup", "option", "fieldset"]

    /// An input's type, lower case; "text" when missing or unknown.
    var inputType: String {
        let known: Set<String> = [
            "button", "checkbox", "color", "date", "datetime-local", "email", "file", "hidden", "image", "month",
            "number", "password", "radio", "range", "reset", "search", "submit", "tel", "text", "time", "url", "week",
        ]
        let type = (attribute("type") ?? "text").lowercased().trimmingCharacters(in: .whitespaces)
        return known.contains(type) ? type : "text"
    }

    var isCheckable: Bool { tag == "input" && ["checkbox", "radio"].contains(inputType) }

    /// Takes typed text: a text area, or an input whose type is text-like.
    var takesText: Bool {
        if tag == "textarea" { return true }
        guard tag == "input" else { return false }
        return !["button", "checkbox", "color", "file", "hidden", "image", "radio", "range", "reset", "submit"].contains(inputType)
    }

    /// The `value` property of an input, select, text area, option or button; nil for other elements.
    var formValue: String? {
        switch tag {
        case "input":
            if isCheckable { return attribute("value") ?? "on" }
            let raw = dirtyValue ?? attribute("value") ?? ""
            switch inputType {
            case "range": return JavaScriptNumber.text(rangeValue(raw))
            case "number": return Double(raw.trimmingCharacters(in: .whitespaces)).map { _ in raw } ?? ""
            default: return String(raw.filter { !$0.isNewline })
            }
        case "textarea": return dirtyValue ?? textContent
        case "select": return selectedOption?.formValue ?? ""
        case "option": return attribute("value") ?? PageNode.collapse(textContent)
        case "button": return attribute("value") ?? ""
        default: return nil
        }
    }

    /// A checkbox's or radio button's checkedness; nil for other elements.
    var isChecked: Bool? {
        guard isCheckable else { return nil }
        return dirtyChecked ?? hasAttribute("checked")
    }

    /// Checks a box or radio button; checking a radio button unchecks the others of its name under `root`.
    func setChecked(_ checked: Bool, under root: PageNode) {
        dirtyChecked = checked
        guard checked, inputType == "radio", let name = attribute("name"), !name.isEmpty else { return }
        for other in root.elements where other !== self && other.tag == "input" && other.inputType == "radio"
            && other.attribute("name") == name {
            other.dirtyChecked = false
        }
    }

    // MARK: Select

    var options: [PageNode] { elements.filter { $0.tag == "option" } }

    var isSelected: Bool { dirtySelected ?? hasAttribute("selected") }

    /// The option a single select shows: the last selected one; else, unless
    /// a script or person unselected them all, the first one not disabled.
    var selectedOption: PageNode? {
        let options = self.options
        if let chosen = options.last(where: \.isSelected) { return chosen }
        if options.contains(where: { $0.dirtySelected != nil }) { return nil }
        return options.first { !$0.hasAttribute("disabled") }
    }

    /// Selects `option` (nil: none), as setting `selectedIndex` does.
    func select(_ option: PageNode?) {
        for each in options { each.dirtySelected = each === option }
    }

    // MARK: Range

    /// A range input's value, as the browser sanitizes it: within min..max, on a step.
    func rangeValue(_ raw: String) -> Double {
        let minimum = Double(attribute("min") ?? "") ?? 0
        var maximum = Double(attribute("max") ?? "") ?? 100
        if maximum < minimum { maximum = minimum }
        var value = Double(raw.trimmingCharacters(in: .whitespaces)) ?? (minimum + (maximum - minimum) / 2)
        if !value.isFinite { value = minimum + (maximum - minimum) / 2 }
        value = Swift.min(Swift.max(value, minimum), maximum)
        let stepText = (attribute("step") ?? "1").lowercased()
        guard stepText != "any" else { return value }
        let step = Double(stepText).flatMap { $0 > 0 && $0.isFinite ? $0 : nil } ?? 1
        let base = attribute("min").flatMap(Double.init) ?? attribute("value").flatMap(Double.init) ?? 0
        var stepped = base + ((value - base) / step).rounded(.toNearestOrAwayFromZero) * step
        if stepped > maximum { stepped -= step }
        if stepped < minimum { stepped += step }
        // 0.1 steps land on 0.30000000000000004: keep the digits the step has.
        let digits = Swift.max(PageNode.decimals(stepText), PageNode.decimals(attribute("min") ?? "0"))
        let scale = pow(10, Double(Swift.min(digits, 15)))
        return (stepped * scale).rounded() / scale
    }

    private static func decimals(_ text: String) -> Int {
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text[text.index(after: dot)...].prefix { $0.isNumber }.count
    }

    // MARK: Enabled

    /// Disabled as a browser says: a form control with `disabled`, an option
    /// in a disabled group, or a control inside a disabled fieldset (not in its first legend).
    var isDisabled: Bool {
        guard let tag else { return false }
        if PageNode.formControls.contains(tag), hasAttribute("disabled") { return true }
        if tag == "option", parent?.tag == "optgroup", parent?.hasAttribute("disabled") == true { return true }
        var child: PageNode = self
        for ancestor in ancestors {
            if ancestor.tag == "fieldset", ancestor.hasAttribute("disabled") {
                let legend = ancestor.children.first { $0.tag == "legend" }
                if legend == nil || legend !== child { return true }
            }
            child = ancestor
        }
        return false
    }
}

import Foundation
