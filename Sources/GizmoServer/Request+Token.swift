import Hummingbird

extension Request {
    /// The values of `?token=` in the query (decoded).
    var queryTokens: [Substring] {
        uri.queryParameters[values: "token"]
    }

    /// The token of `Authorization: token T` or `Authorization: Bearer T`
    /// (the scheme in any case), for programs.
    var authorizationToken: Substring? {
        for value in headers[values: .authorization] {
            let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            let scheme = parts[0].lowercased()
            if scheme == "token" || scheme == "bearer" {
                return parts[1].drop(while: { $0 == " " })
            }
        }
        return nil
    }

    /// The value of the cookie named `name`, if the browser sent one.
    func cookieValue(named name: String) -> String? {
        cookies[name]?.value
    }
}
