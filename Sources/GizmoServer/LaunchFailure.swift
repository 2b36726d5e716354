import Hummingbird

/// Why a session the entry launched did not start: its script did not
/// compile, or its main code raised an error before it showed anything.
///
/// The entry redirects as soon as the session is admitted, and the script's
/// main code runs while the redirect travels; so the child page, not the
/// entry, tells a failure (docs/architecture.md, "Launching a session").
/// The registry keeps each failure for its child page a while
/// (``SessionRegistry/takeLaunchFailure(_:)``).
struct LaunchFailure: Sendable {
    enum Kind: Sendable {
        /// The script did not compile or could not be read.
        case cannotStart
        /// Its main code raised an error.
        case failedToStart
    }

    let kind: Kind
    /// The script's name, as the entry page lists it.
    let scriptName: String
    /// The script's error, as Lua gave it.
    let error: String
    /// The script's module, and its entry page relative to the entry
    /// (`./?module=M`), for the way back.
    let module: String
    let moduleLink: String
    let when: ContinuousClock.Instant

    init(_ kind: Kind, scriptName: String, error: String, module: String, moduleLink: String) {
        self.kind = kind
        self.scriptName = scriptName
        self.error = error
        self.module = module
        self.moduleLink = moduleLink
        self.when = .now
    }

    /// The page the entry showed for it before (a 500): the script's error
    /// and a link back to its module, from the child page's address.
    var response: Response {
        let title = kind == .cannotStart ? "\(scriptName) cannot start" : "\(scriptName) failed to start"
        let message = kind == .cannotStart ? "The script could not be read or compiled."
            : "The script raised an error before it showed anything."
        let back = HTMLText.escape(ChildPage.fromChildPage(moduleLink))
        return ErrorPage.response(.internalServerError, title: title, message: message,
                                  more: "<pre>\(HTMLText.escape(error))</pre><p><a href=\"\(back)\">Back to \(HTMLText.escape(module))</a></p>")
    }
}
