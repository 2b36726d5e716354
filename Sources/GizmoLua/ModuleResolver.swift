import Foundation

/// Finds the file for `require("name")` inside a script's folder and
/// nowhere else: names are dotted identifiers, and a path that resolves
/// (through links) outside the folder is refused.
struct ModuleResolver {
    var directory: URL

    func source(of name: String) -> Result<(String, String), ScriptError> {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !parts.isEmpty && parts.allSatisfy { part in
            guard let first = part.first, first == "_" || first.isLetter else { return false }
            return part.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        }
        guard valid else {
            return .failure(ScriptError(message: "require: '\(name)' is not a module name (use names like 'util' or 'lib.plot')"))
        }
        let file = directory.appendingPathComponent(parts.joined(separator: "/") + ".lua")
        guard file.isInside(directory) else {
            return .failure(ScriptError(message: "require: module '\(name)' is outside the script's folder"))
        }
        guard let data = FileManager.default.contents(atPath: file.resolvingSymlinksInPath().path) else {
            return .failure(ScriptError(message: "require: module '\(name)' not found (no file \(file.path))"))
        }
        return .success((file.path, String(decoding: data, as: UTF8.self)))
    }
}
