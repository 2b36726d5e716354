/// The child page: index.html with gizmo.css and gizmo.js inlined, so a page
/// is one request and works under any prefix.
enum ChildPage {
    private static let parts: (head: String, tail: String) = {
        let template = String(decoding: PackageResources.index_html, as: UTF8.self)
            .replacingOccurrences(of: "/*GIZMO_CSS*/", with: String(decoding: PackageResources.gizmo_css, as: UTF8.self))
            .replacingOccurrences(of: "/*GIZMO_JS*/", with: String(decoding: PackageResources.gizmo_js, as: UTF8.self))
        // The title goes in last, so that no title text can become a marker.
        guard let range = template.range(of: "{{TITLE}}") else {
            preconditionFailure("index.html has no {{TITLE}} marker")
        }
        return (String(template[..<range.lowerBound]), String(template[range.upperBound...]))
    }()

    static func html(title: String) -> String {
        parts.head + HTMLText.escape(title) + parts.tail
    }
}
