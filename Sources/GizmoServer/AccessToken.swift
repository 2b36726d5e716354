/// The secret a server beyond loopback asks of every request, as Jupyter
/// Server does: printed in the link, then kept by the browser in a cookie.
public struct AccessToken: Sendable, Equatable {
    public let value: String

    /// Characters a token may hold: URL-safe and cookie-safe as they are, so
    /// the printed link and the cookie carry it unencoded.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    static let maxLength = 256

    /// A token given by the operator (`GIZMO_TOKEN`).
    /// - Throws: `Invalid` when it is longer than 256 characters or holds
    ///   other characters than letters, digits and `-._~`.
    public init(_ value: String) throws(Invalid) {
        guard !value.isEmpty, value.utf8.count <= Self.maxLength, value.utf8.allSatisfy(Self.isTokenCharacter) else {
            throw Invalid()
        }
        self.value = value
    }

    private init(unchecked value: String) {
        self.value = value
    }

    public struct Invalid: Error, Equatable {
        public var message: String {
            "gizmolua: GIZMO_TOKEN may hold only letters, digits and -._~ (at most \(AccessToken.maxLength)); "
                + "make one with: openssl rand -hex 32"
        }
    }

    /// 32 bytes from the system's CSPRNG (`SystemRandomNumberGenerator`:
    /// getrandom(2) on Linux, arc4random on macOS), as 64 hex digits.
    public static func generate() -> AccessToken {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<32).map { _ in
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            return String(byte, radix: 16).leftPadded(to: 2)
        }
        return AccessToken(unchecked: hex.joined())
    }

    /// Whether `candidate` is this token, in time that does not depend on
    /// where the first difference is (a timing attack learns nothing).
    func matches(_ candidate: some StringProtocol) -> Bool {
        let expected = Array(value.utf8)
        var difference: UInt8 = candidate.utf8.count == expected.count ? 0 : 1
        // Every byte is compared, whatever differs first; only a length
        // (which tells nothing about the token's bytes) ends the loop early.
        for (byte, wanted) in zip(candidate.utf8, expected) {
            difference |= byte ^ wanted
        }
        return difference == 0
    }

    /// The cookie that keeps the token in the browser. Cookies are per
    /// host, not per port, so the port is in the name: two servers on one
    /// machine do not overwrite each other's.
    static func cookieName(port: Int) -> String {
        "gizmolua-token-\(port)"
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
