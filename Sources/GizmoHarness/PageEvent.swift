/// A DOM event a person's action fires, and the JSON-safe fields gizmo.js
/// sends for it (docs/protocol.md, "JSON-safe fields"): the event's
/// primitive properties, as `for ... in` lists them in Chromium, then the
/// target's `value` and `checked`.
struct PageEvent {
    enum Kind {
        /// click, mousedown, mouseup, dblclick (a click is a PointerEvent in Chromium).
        case mouse(buttons: Int, detail: Int, pointer: Bool)
        /// keydown, keyup, keypress.
        case key(key: String, code: String, keyCode: Int, charCode: Int)
        /// The `input` of a text field (an InputEvent).
        case textInput(data: String?, inputType: String)
        /// change, and the `input` of a box, a select or a slider (plain Events).
        case plain
    }

    let type: String
    let kind: Kind
    var bubbles = true
    var cancelable = true

    /// The fields gizmo.js's `safeEvent` makes, at the listener on `current` for an event aimed at `target`.
    func fields(target: PageNode, current: PageNode, timeStamp: Double) -> PageJSON {
        var out: [(String, PageJSON)] = [("isTrusted", .bool(true))]
        switch kind {
        case .mouse(let buttons, let detail, let pointer):
            if pointer {
                out += [("pointerId", .int(1)), ("width", .int(1)), ("height", .int(1)), ("pressure", .int(0)),
                        ("tiltX", .int(0)), ("tiltY", .int(0)), ("azimuthAngle", .int(0)),
                        ("altitudeAngle", .double(Double.pi / 2)), ("tangentialPressure", .int(0)), ("twist", .int(0)),
                        ("pointerType", .string("mouse")), ("isPrimary", .bool(false))]
            }
            out += [("screenX", .int(0)), ("screenY", .int(0)), ("clientX", .int(0)), ("clientY", .int(0)),
                    ("ctrlKey", .bool(false)), ("shiftKey", .bool(false)), ("altKey", .bool(false)), ("metaKey", .bool(false)),
                    ("button", .int(0)), ("buttons", .int(buttons)), ("pageX", .int(0)), ("pageY", .int(0)),
                    ("x", .int(0)), ("y", .int(0)), ("offsetX", .int(0)), ("offsetY", .int(0)),
                    ("movementX", .int(0)), ("movementY", .int(0)), ("layerX", .int(0)), ("layerY", .int(0)),
                    ("detail", .int(detail)), ("which", .int(1))]
        case .key(let key, let code, let keyCode, let charCode):
            out += [("key", .string(key)), ("code", .string(code)), ("location", .int(0)),
                    ("ctrlKey", .bool(false)), ("shiftKey", .bool(false)), ("altKey", .bool(false)), ("metaKey", .bool(false)),
                    ("repeat", .bool(false)), ("isComposing", .bool(false)), ("charCode", .int(charCode)),
                    ("keyCode", .int(keyCode)), ("detail", .int(0)), ("which", .int(keyCode))]
        case .textInput(let data, let inputType):
            if let data { out.append(("data", .string(data))) }
            out += [("isComposing", .bool(false)), ("inputType", .string(inputType)), ("detail", .int(0)), ("which", .int(0))]
        case .plain:
            break
        }
        out += [("type", .string(type)), ("eventPhase", .int(current === target ? 2 : 3)),
                ("bubbles", .bool(bubbles)), ("cancelable", .bool(cancelable)), ("defaultPrevented", .bool(false)),
                ("composed", .bool(!isPlain)), ("timeStamp", .double(timeStamp)), ("returnValue", .bool(true)),
                ("cancelBubble", .bool(false)), ("NONE", .int(0)), ("CAPTURING_PHASE", .int(1)),
                ("AT_TARGET", .int(2)), ("BUBBLING_PHASE", .int(3))]
        if let value = PageEvent.targetValue(target) { out.append(("value", value)) }
        if target.tag == "input" { out.append(("checked", .bool(target.isChecked ?? false))) }
        return .object(out)
    }

    private var isPlain: Bool { if case .plain = kind { true } else { false } }

    /// `target.value` where the element has one (`"value" in target`).
    static func targetValue(_ target: PageNode) -> PageJSON? {
        switch target.tag {
        case "input", "select", "textarea", "button", "option", "output", "data", "param":
            return .string(target.formValue ?? target.attribute("value") ?? "")
        case "li": return .int(Int(target.attribute("value") ?? "") ?? 0)
        case "progress", "meter": return .double(Double(target.attribute("value") ?? "") ?? 0)
        default: return nil
        }
    }

    // MARK: Events a person's action fires

    static func mouse(_ type: String, buttons: Int = 0) -> PageEvent {
        PageEvent(type: type, kind: .mouse(buttons: buttons, detail: 1, pointer: type == "click"))
    }

    static func key(_ type: String, _ key: String) -> PageEvent {
        let (code, keyCode) = keyCodes(key)
        if type == "keypress" {
            let char = key == "Enter" ? 13 : Int(key.unicodeScalars.first?.value ?? 0)
            return PageEvent(type: type, kind: .key(key: key, code: code, keyCode: char, charCode: char))
        }
        return PageEvent(type: type, kind: .key(key: key, code: code, keyCode: keyCode, charCode: 0))
    }

    static func textInput(data: String?, inputType: String) -> PageEvent {
        PageEvent(type: "input", kind: .textInput(data: data, inputType: inputType), cancelable: false)
    }

    /// `input` (of a box, select or slider) and `change`.
    static func plain(_ type: String) -> PageEvent {
        PageEvent(type: type, kind: .plain, cancelable: false)
    }

    /// `code` and `keyCode` of a key a person presses on a US keyboard.
    static func keyCodes(_ key: String) -> (String, Int) {
        switch key {
        case "Enter": return ("Enter", 13)
        case "Backspace": return ("Backspace", 8)
        case " ": return ("Space", 32)
        default: break
        }
        guard key.count == 1, let scalar = key.unicodeScalars.first, scalar.isASCII else { return ("", 229) }
        let c = Character(scalar)
        if c.isLetter { return ("Key" + c.uppercased(), Int(c.uppercased().unicodeScalars.first!.value)) }
        if c.isNumber { return ("Digit\(c)", Int(scalar.value)) }
        let punctuation: [Character: (String, Int)] = [
            "-": ("Minus", 189), "=": ("Equal", 187), ",": ("Comma", 188), ".": ("Period", 190), "/": ("Slash", 191),
            ";": ("Semicolon", 186), "'": ("Quote", 222), "[": ("BracketLeft", 219), "]": ("BracketRight", 221),
            "\\": ("Backslash", 220), "`": ("Backquote", 192),
        ]
        return punctuation[c] ?? ("", Int(scalar.value))
    }
}
