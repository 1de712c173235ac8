import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// The one HTML escaper, and the templates that leave every value to it.
struct HTMLEscapingTests {
    static let vectors = HostileMarkup.vectors(refreshURL: "http://127.0.0.1:9/refresh")

    static let references: [(reference: [UInt8], character: UInt8)] = [
        ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&"),
    ].map { (Array($0.0.utf8), UInt8(ascii: $0.1)) }

    /// The text a browser reads back from `escaped`: the five references turned back into
    /// characters. Works on bytes, as the escaper does (Swift's `String` comparisons would see a
    /// reference followed by a combining mark as a different character).
    static func unescaped(_ escaped: String) -> String? {
        let bytes = Array(escaped.utf8)
        var text: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "&") else {
                text.append(bytes[index])
                index += 1
                continue
            }
            // An `&` that starts none of the escaper's references: not escaped output.
            guard let match = references.first(where: { bytes[index...].starts(with: $0.reference) }) else {
                return nil
            }
            text.append(match.character)
            index += match.reference.count
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Whether `escaped` holds any of `<`, `>`, `"`, `'` as a scalar of its own.
    static func hasRawMarkup(_ escaped: String) -> Bool {
        escaped.utf8.contains {
            [UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'")].contains($0)
        }
    }

    @Test(arguments: vectors)
    func noMarkupCharacterSurvivesWhateverCombinesWithIt(vector: String) {
        let escaped = HTMLEscaping.escape(vector)
        #expect(!Self.hasRawMarkup(escaped), "\(escaped.debugDescription)")
        #expect(Self.unescaped(escaped) == vector, "\(escaped.debugDescription)")
    }

    @Test func everyNeighbourOfEveryMarkupCharacterIsHandled() {
        // Characters that join a cluster with what comes before or after them: prepend, combining
        // marks, a spacing mark, joiners, a variation selector, an emoji modifier, CR before LF.
        let neighbours = [
            "\u{0600}", "\u{0301}", "\u{093F}", "\u{200D}", "\u{200C}", "\u{FE0F}", "\u{1F3FD}", "\u{0D4E}", "\r",
            "\u{1100}", "\u{1F1E6}", "",
        ]
        for markup in ["&", "<", ">", "\"", "'"] {
            for before in neighbours {
                for after in neighbours + ["\n"] {
                    let text = before + markup + after
                    let escaped = HTMLEscaping.escape(text)
                    #expect(!Self.hasRawMarkup(escaped), "\(escaped.debugDescription)")
                    #expect(Self.unescaped(escaped) == text, "\(escaped.debugDescription)")
                }
            }
        }
    }

    @Test func textWithoutMarkupIsKeptAsItIs() {
        for text in ["", "photo.jpg", "Your invoice (März) · 2 of 2", "\u{0600}\u{0301}é👍🏽🇪🇸", "a\r\nb"] {
            #expect(HTMLEscaping.escape(text) == text)
            #expect(Array(HTMLEscaping.escape(text).utf8) == Array(text.utf8))
        }
        #expect(
            HTMLEscaping.escape(#"<a href="x">Tom & 'Jerry'</a>"#)
                == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
    }

    @Test func templatesRenderEveryStringEscapedAtAnyDepth() throws {
        let templates = try HTMLTemplates([
            (
                "page",
                #"<p title="{{{title}}}">{{{title}}}</p><ul>{{#items}}<li>{{{name}}} {{{count}}}{{#tags}}<i>{{{.}}}</i>{{/tags}}</li>{{/items}}</ul>{{{style}}}{{#missing}}x{{/missing}}{{{optional}}}"#
            )
        ])
        let hostile = Self.vectors[4]
        let optional: String? = Self.vectors[2]
        let html = templates.render(
            "page",
            [
                "title": hostile,
                "items": [["name": Self.vectors[5], "count": 3, "tags": [Self.vectors[8], "plain"]]],
                "style": TrustedHTML("<style>p{color:red}</style>"),
                "optional": optional as Any,
            ])
        let e = HTMLEscaping.escape
        let expected =
            "<p title=\"\(e(hostile))\">\(e(hostile))</p><ul><li>\(e(Self.vectors[5])) 3<i>\(e(Self.vectors[8]))</i>"
            + "<i>plain</i></li></ul><style>p{color:red}</style>\(e(optional!))"
        // Compared as bytes: a combining mark must not make two different outputs look equal.
        #expect(Array(html.utf8) == Array(expected.utf8), "\(html.debugDescription)")
        #expect(!Self.hasRawMarkup(e(hostile) + e(Self.vectors[5]) + e(Self.vectors[8]) + e(optional!)))
    }

    @Test(arguments: [
        "<p>{{title}}</p>", "<p>{{ title }}</p>", "<p>{{&title}}</p>", "{{=<% %>=}}<p><%title%></p>",
        "{{%CONTENT_TYPE: TEXT}}", #"<a href={{{url}}}>"#, "<p>{{#a}}{{.}}{{/a}}</p>",
    ])
    func templatesThatWouldLeaveAValueToTheEngineAreRefused(text: String) {
        #expect(throws: HTMLTemplates.Refusal.self) { try HTMLTemplates([("page", text)]) }
    }

    @Test func sectionsPartialsCommentsAndQuotedValuesAreAccepted() throws {
        let templates = try HTMLTemplates([
            ("page", #"{{! a comment }}<ul>{{#items}}{{> item}}{{/items}}{{^items}}<li>none</li>{{/items}}</ul>"#),
            ("item", #"<li class="{{{kind}}}" data-x='{{{kind}}}'>{{{ name }}}</li>"#),
        ])
        #expect(
            templates.render("page", ["items": [["kind": "a\"b", "name": "<n>"]]])
                == #"<ul><li class="a&quot;b" data-x='a&quot;b'>&lt;n&gt;</li></ul>"#)
        #expect(templates.render("page", ["items": [[String: Any]]()]) == "<ul><li>none</li></ul>")
    }
}
