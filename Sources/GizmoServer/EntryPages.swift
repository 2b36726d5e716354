import GizmoGrants
import GizmoLua

/// The HTML of the entry pages: the list of modules and scripts, a module's
/// page, and the lists shown with a 404. Every name and doc is escaped here;
/// links are relative, so the pages work under any prefix.
enum EntryPages {
    /// `/`: every module with its description and its scripts.
    static func index(_ listing: Catalog.Listing, query: EntryQuery) -> String {
        var body = "<h1>Gizmos</h1>"
        if listing.modules.isEmpty {
            body += "<p class=\"muted\">No gizmo scripts here yet. Put <code>.lua</code> files in a folder given to <code>gizmolua serve</code>; this page lists them as soon as they exist.</p>"
            body += listing.notes.map { "<p class=\"broken\">\(HTMLText.escape($0))</p>" }.joined()
        }
        for module in listing.modules {
            body += "<section class=\"card\" id=\"module-\(HTMLText.escape(module.name))\">"
            body += "<h2><a href=\"\(HTMLText.escape(query.link(module: module.name)))\">\(HTMLText.escape(module.name))</a></h2>"
            if !module.description.isEmpty {
                body += "<p class=\"muted\">\(HTMLText.escape(module.description.summary))</p>"
            }
            body += scriptList(module, query: query, fullDocs: false)
            body += "</section>"
        }
        body += prefixCard(query)
        return ServerPage.html(title: "gizmolua", body: body)
    }

    /// `/?module=M`: the module's description and each script's doc, and the
    /// error of the module's service, if it has one, and what its scripts
    /// were granted.
    static func module(_ module: GizmoModule, query: EntryQuery, serviceError: String? = nil,
                       grants: Grants = .none) -> String {
        var body = "<nav><a href=\"\(HTMLText.escape(query.link()))\">All gizmos</a></nav>"
        body += "<h1>\(HTMLText.escape(module.name))</h1>"
        if let serviceError {
            body += "<section class=\"card gz-service-error\" role=\"alert\"><h2>The module's service has an error</h2>"
                + "<pre>\(HTMLText.escape(serviceError))</pre>"
                + "<p class=\"muted\">The scripts below still run; fix init.lua and save it to restart the service.</p></section>"
        }
        body += paragraphs(module.description)
        body += "<section class=\"card\">" + scriptList(module, query: query, fullDocs: true) + "</section>"
        body += grantsCard(grants)
        body += prefixCard(query)
        return ServerPage.html(title: module.name, body: body)
    }

    /// What the module's scripts may reach beyond their folders and their
    /// page, so that whoever opens a gizmo sees what it can do.
    private static func grantsCard(_ grants: Grants) -> String {
        var html = "<section class=\"card gz-grants\"><h2>Granted</h2>"
        if grants.isEmpty {
            html += "<p class=\"muted\">Nothing beyond the module's own folder, its data folder and its page: "
                + "no programs, no other files, no network, no signals.</p>"
        } else {
            html += "<ul>" + grants.summary.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul>"
        }
        return html + "</section>"
    }

    /// The modules, as links: what a 404 for an unknown module offers.
    static func moduleLinks(_ listing: Catalog.Listing, query: EntryQuery) -> String {
        guard !listing.modules.isEmpty else { return "<p>This server has no modules.</p>" }
        return "<p>The modules here:</p><ul>" + listing.modules.map {
            "<li><a href=\"\(HTMLText.escape(query.link(module: $0.name)))\">\(HTMLText.escape($0.name))</a></li>"
        }.joined() + "</ul>"
    }

    /// A module's scripts, as launch links: what a 404 for an unknown script offers.
    static func scriptLinks(_ module: GizmoModule, query: EntryQuery) -> String {
        "<p>The scripts of <a href=\"\(HTMLText.escape(query.link(module: module.name)))\">\(HTMLText.escape(module.name))</a>:</p>"
            + scriptList(module, query: query, fullDocs: false)
    }

    private static func scriptList(_ module: GizmoModule, query: EntryQuery, fullDocs: Bool) -> String {
        var html = "<ul class=\"scripts\">"
        for script in module.scripts {
            let name = HTMLText.escape(script.name)
            html += "<li>"
            if let error = script.syntaxError {
                html += "<span class=\"name\">\(name)</span> <span class=\"broken\">broken: does not compile</span>"
                html += "<pre>\(HTMLText.escape(error))</pre>"
            } else {
                let launch = HTMLText.escape(query.link(module: module.name, script: script.name))
                html += "<a class=\"name\" href=\"\(launch)\">\(name)</a>"
            }
            if fullDocs {
                html += paragraphs(script.doc)
            } else if !script.doc.isEmpty {
                html += "<div class=\"muted\">\(HTMLText.escape(script.doc.summary))</div>"
            }
            if fullDocs && !script.isBroken {
                html += "<a class=\"launch\" href=\"\(HTMLText.escape(query.link(module: module.name, script: script.name)))\">Open \(name)</a>"
            }
            html += "</li>"
        }
        return html + "</ul>"
    }

    private static func paragraphs(_ doc: ScriptDoc) -> String {
        doc.paragraphs.map { "<p>\(HTMLText.escape($0))</p>" }.joined()
    }

    /// The `export GIZMO_LINK_PREFIX=...` line for gizmos started in a
    /// terminal. Without `prefix` or `server` in the query, the page fills it
    /// in from its own address, as H5Gizmos' pages do, so it is right behind
    /// any proxy.
    private static func prefixCard(_ query: EntryQuery) -> String {
        let line = "export GIZMO_LINK_PREFIX=\(query.linkPrefix ?? query.hostPrefix)"
        var html = "<footer><p>To reach a gizmo started in a terminal (<code>gizmolua run</code>, or a Python H5Gizmos script) through this server, start it after:</p>"
        if query.linkPrefix != nil {
            html += "<pre id=\"gz-prefix\">\(HTMLText.escape(line))</pre>"
        } else {
            html += "<pre id=\"gz-prefix\" data-auto=\"1\">\(HTMLText.escape(line))</pre>"
            html += "<script>(function(){var e=document.getElementById('gz-prefix');"
            html += "e.textContent='export GIZMO_LINK_PREFIX='+location.origin+location.pathname.replace(/[^/]*$/,'');})();</script>"
        }
        return html + "</footer>"
    }
}
