package import Mustache

/// Mustache templates for HTML pages, whose values are escaped by ``HTMLEscaping`` before the
/// template engine sees them.
///
/// swift-mustache escapes `{{value}}` one `Character` at a time, which a prepended character or a
/// combining mark next to `<`, `>` or `"` gets through (see ``HTMLEscaping``). These templates
/// therefore insert values only with `{{{value}}}`, which the engine leaves alone, and
/// ``render(_:_:)`` escapes every string in the values first. A template that uses `{{value}}`,
/// `{{&value}}`, changes its delimiters or places a value in an unquoted attribute is refused when it
/// is registered, so nothing depends on the engine's escaping. Markup the program writes itself
/// (a style sheet, icons) goes in as ``TrustedHTML``.
package struct HTMLTemplates: Sendable {
    private let library: MustacheLibrary

    /// A template that could insert a value without ``HTMLEscaping``, or that does not parse.
    package struct Refusal: Error, CustomStringConvertible {
        package var template: String
        package var reason: String
        package var description: String { "HTML template \(template): \(reason)" }
    }

    /// Parses `templates` (each may include the others as partials, `{{> name}}`).
    package init(_ templates: [(name: String, text: String)]) throws(Refusal) {
        var library = MustacheLibrary()
        for (name, text) in templates {
            if let reason = Self.unsafeTag(in: text) { throw Refusal(template: name, reason: reason) }
            do {
                try library.register(text, named: name)
            } catch {
                throw Refusal(template: name, reason: "does not parse: \(error)")
            }
        }
        self.library = library
    }

    /// The template `name` rendered with `values`, every string among them (at any depth) escaped.
    package func render(_ name: String, _ values: [String: Any]) -> String {
        library.render(Self.escaped(values), withTemplate: name) ?? ""
    }

    /// `value` with every string in it escaped: dictionaries and arrays are walked, numbers and
    /// booleans kept, ``TrustedHTML`` kept as it is, anything else rendered as escaped text.
    static func escaped(_ value: Any) -> Any {
        switch value {
        case let trusted as TrustedHTML: return trusted
        case let text as String: return HTMLEscaping.escape(text)
        case let flag as Bool: return flag
        case let number as any BinaryInteger: return number
        case let number as any BinaryFloatingPoint: return number
        case let dictionary as [String: Any]: return dictionary.mapValues(escaped)
        case let array as [Any]: return array.map(escaped)
        default:
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional {
                // An absent value stays absent (an empty section); a present one is escaped as itself.
                guard let wrapped = mirror.children.first?.value else { return value }
                return escaped(wrapped)
            }
            return HTMLEscaping.escape(String(describing: value))
        }
    }

    /// Why `text` could insert a value unescaped, or nil when every tag is safe: only sections
    /// (`#`, `^`, `/`), partials (`>`), comments (`!`) and `{{{value}}}` are allowed, the last
    /// never directly after `=` (an attribute value without quotes).
    static func unsafeTag(in text: String) -> String? {
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            let before = rest[..<open.lowerBound].last
            let afterOpen = rest[open.upperBound...].drop { $0 == " " || $0 == "\t" }
            let tag = String(rest[open.lowerBound...].prefix(40).prefix { $0 != "\n" })
            switch afterOpen.first {
            case "{":
                if before == "=" { return "\(tag) is an attribute value without quotes: quote it" }
            case "#", "^", "/", ">", "!":
                break
            default:
                return "\(tag) would be escaped by the template engine, which combining characters get "
                    + "through: insert values with {{{ }}} (render(_:_:) escapes them)"
            }
            rest = rest[open.upperBound...].dropFirst(afterOpen.first == "{" ? 1 : 0)
        }
        return nil
    }
}
