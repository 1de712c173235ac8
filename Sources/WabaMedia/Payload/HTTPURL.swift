/// An `http` or `https` URL taken apart the way a client connects to it, every part checked.
///
/// Each URL that reaches a connection (the API's base URL, a URL to check, a manifest row, a
/// redirect's `Location`, a media URL to send) goes through here first. Foundation's `URL` accepts
/// `https://host:99999/`, `http://` and `http://%00`, and the HTTP client traps on a port over
/// 65535 or fails with a raw error on an empty host; here each is a ``Problem`` with words for the user.
public struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`, lower case.
    public let scheme: String
    /// The host: a name, an IPv4 address, or an IPv6 address without its brackets.
    public let host: String
    /// The port given, or the scheme's default.
    public let port: Int
    /// The URL as given.
    public let text: String

    public var description: String { text }
    public var isHTTPS: Bool { scheme == "https" }

    /// Why a string is not a URL a client can connect to.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case notHTTP
        case controlCharacters
        case noHost
        case invalidHost(String)
        case invalidPort(String)

        public var description: String {
            switch self {
            case .notHTTP: "it is not an http:// or https:// URL"
            case .controlCharacters: "it contains spaces or control characters"
            case .noHost: "it has no host"
            case .invalidHost(let host): "its host '\(host)' is not a host name or an IP address"
            case .invalidPort(let port): "its port '\(port)' is not a number from 1 to 65535"
            }
        }

        /// What to do about it.
        public var hint: String {
            switch self {
            case .notHTTP: "give a full URL such as https://example.com/photo.jpg"
            case .controlCharacters: "percent-encode them (a space is %20)"
            case .noHost, .invalidHost: "give a full URL such as https://example.com/photo.jpg"
            case .invalidPort: "give a port from 1 to 65535, or none for the scheme's default (443 for https)"
            }
        }
    }

    /// The highest TCP port.
    public static let maxPort = 65_535

    public init(_ text: String) throws(Problem) {
        let scheme: String
        if Self.hasPrefixIgnoringCase(text, "https://") {
            scheme = "https"
        } else if Self.hasPrefixIgnoringCase(text, "http://") {
            scheme = "http"
        } else {
            throw .notHTTP
        }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x21 || (0x7F...0x9F).contains($0.value) }) else {
            throw .controlCharacters
        }
        let afterScheme = text.dropFirst(scheme.count + 3)
        var authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // Credentials before an `@` are not part of where the client connects.
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }

        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidHost(String(authority)) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw .invalidHost(String(authority)) }
                portText = rest.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw .invalidHost(String(host))
            }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
            guard !host.isEmpty else { throw .noHost }
            // Letters, digits, `-`, `_` and dots, or an internationalised name; never `%`, which
            // would be decoded into anything (`%00`) by the resolver.
            let allowed = host.unicodeScalars.allSatisfy { scalar in
                scalar.value >= 0x80 || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                    || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "." || scalar == "_"
            }
            guard allowed, !host.hasPrefix("."), !host.contains("..") else { throw .invalidHost(String(host)) }
        }

        var port = scheme == "https" ? 443 : 80
        if let portText, !portText.isEmpty {
            // Digits only, and at most five of them, so a huge number is refused before it is converted.
            guard portText.count <= 5, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
                let number = Int(portText), (1...Self.maxPort).contains(number)
            else { throw .invalidPort(String(portText)) }
            port = number
        }
        self.scheme = scheme
        self.host = String(host)
        self.port = port
        self.text = text
    }

    /// Whether `text` starts with the lower-case ASCII `prefix`, in any case.
    private static func hasPrefixIgnoringCase(_ text: String, _ prefix: StaticString) -> Bool {
        var bytes = text.utf8.makeIterator()
        return prefix.withUTF8Buffer { expected in
            expected.allSatisfy { wanted in
                guard let byte = bytes.next() else { return false }
                let isLetter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(wanted)
                return byte == wanted || (isLetter && byte == wanted - 0x20)
            }
        }
    }

    /// Whether `text` parses.
    public static func isValid(_ text: String) -> Bool {
        (try? HTTPURL(text)) != nil
    }
}
