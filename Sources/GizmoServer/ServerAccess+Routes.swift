import Hummingbird

extension ServerAccess {
    /// Puts the Host check, then the token check (when a token is required),
    /// in front of every route added to `router` after this call, and of its
    /// "not found" answer.
    func addChecks<Context: RequestContext>(to router: Router<Context>, port: ListeningPort) {
        router.add(middleware: HostCheck<Context>(allowList: hosts))
        if let requiredToken {
            router.add(middleware: TokenCheck<Context>(token: requiredToken, port: port))
        }
    }
}
