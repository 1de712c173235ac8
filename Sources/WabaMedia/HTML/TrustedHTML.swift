package import Mustache

/// Markup written by the program itself (a style sheet, icons), inserted by ``HTMLTemplates`` as it is.
/// Never made from anything a user, a file or a request supplied.
package struct TrustedHTML: MustacheCustomRenderable, Sendable {
    package let html: String

    package init(_ html: String) { self.html = html }

    package var renderText: String { html }
    package var isNull: Bool { false }
}
