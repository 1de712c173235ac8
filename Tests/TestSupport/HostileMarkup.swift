public import Foundation

/// Values that break out of HTML escaping done one `Character` (grapheme cluster) at a time: a
/// prepended character (U+0600) joins the `<` after it into one cluster, a combining mark (U+0301)
/// joins the `>`, `"` or `'` before it, and a cluster equal to none of `< > & " '` goes out as it is.
///
/// When one of them runs, it sets the page's title to ``ranTitle``; the refresh sends the browser to
/// `refreshURL`, which a test points at a loopback listener of its own. None contains `/`, except the
/// script (which needs `</script`), so the others can also be file names.
public enum HostileMarkup {
    /// U+0600 ARABIC NUMBER SIGN: grapheme-cluster "prepend", joined to the character after it.
    public static let prepend = "\u{0600}"
    /// U+0301 COMBINING ACUTE ACCENT: joined to the character before it.
    public static let combining = "\u{0301}"
    /// What the vectors' scripts set `document.title` to.
    public static let ranTitle = "666"

    /// The nine vectors, in the order: `<` shielded; `>` shielded; both; a `"` leaving an attribute;
    /// a `"` and `>` leaving the tag, then an element; a script element; a refresh to `refreshURL`;
    /// an element with a `style` overlaying the page; `'` and `&` shielded.
    ///
    /// - Parameter refreshURL: written with `\` for `/` (browsers read `http:\\host:port\path` as
    ///   `http://host:port/path`), so the refresh vector is a valid file name.
    public static func vectors(refreshURL: String) -> [String] {
        let p = prepend
        let c = combining
        let run = "document.title=\(ranTitle)"
        let refresh = refreshURL.replacingOccurrences(of: "/", with: "\\")
        return [
            "\(p)<img src=x onerror=\(run)>",
            "<img src=x onerror=\(run)>\(c)",
            "\(p)<img src=x onerror=\(run)>\(c)",
            "\"\(c) onload=\(run) autofocus tabindex=0 onfocus=\(run) x=\"\(c)",
            "\"\(c)>\(c)\(p)<img src=x onerror=\(run)>\(c)",
            "\(p)<script x\(p)>\(run)//\(p)</script x\(p)>",
            "\(p)<meta http-equiv=refresh content=0;url=\(refresh)>\(c)",
            "\(p)<b style=position:fixed;inset:0;background:red>\(c)overlay",
            "'\(c) onmouseover=\(run) x='\(c) \(p)&lt;\(c) \(p)&\(c)",
        ]
    }

    /// How a browser serialises `text` as an element's content (`outerHTML`): `&`, `<`, `>` and
    /// U+00A0 as references, everything else as it is. Works on scalars: Swift's `String` matching
    /// (and Foundation's on Linux) goes by `Character`, and would miss a `<` joined to a U+0600.
    public static func serializedText(_ text: String) -> String {
        var serialized = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": serialized.unicodeScalars.append(contentsOf: "&amp;".unicodeScalars)
            case "<": serialized.unicodeScalars.append(contentsOf: "&lt;".unicodeScalars)
            case ">": serialized.unicodeScalars.append(contentsOf: "&gt;".unicodeScalars)
            case "\u{00A0}": serialized.unicodeScalars.append(contentsOf: "&nbsp;".unicodeScalars)
            default: serialized.unicodeScalars.append(scalar)
            }
        }
        return serialized
    }

    /// How many times `needle` occurs in `text`, comparing UTF-8 bytes (not `Character`s, which a
    /// combining mark at either end of `needle` would make differ).
    public static func occurrences(of needle: String, in text: String) -> Int {
        let haystack = Data(text.utf8)
        let pattern = Data(needle.utf8)
        var count = 0
        var start = haystack.startIndex
        while let found = haystack.range(of: pattern, in: start..<haystack.endIndex) {
            count += 1
            start = found.upperBound
        }
        return count
    }

    /// Whether `text` contains `needle`, comparing UTF-8 bytes.
    public static func contains(_ text: String, _ needle: String) -> Bool {
        Data(text.utf8).range(of: Data(needle.utf8)) != nil
    }

    /// Patterns of markup none of the vectors may leave in a page's DOM: an event-handler attribute,
    /// an element they would make, a refresh.
    public static let injectedMarkup = [
        #"\son[a-z]+=""#, #"<img src="x""#, #"<meta http-equiv="refresh""#, #"<b style="#, #"<script x"#,
        #"\sautofocus=""#, #"\stabindex=""#,
    ]

    /// The patterns of ``injectedMarkup`` found in `dom`.
    public static func injections(in dom: String) -> [String] {
        injectedMarkup.filter { dom.range(of: $0, options: .regularExpression) != nil }
    }
}
