/// Text made safe to place in HTML, in an element's content or in a quoted attribute value.
///
/// The five characters that can end text or an attribute in HTML (`&`, `<`, `>`, `"`, `'`) are
/// all ASCII, and in UTF-8 an ASCII byte only ever stands for that character. Escaping byte by byte
/// therefore replaces every one of them, whatever comes before or after it. Escaping by
/// `Character` would not: a prepended character (U+0600 before `<`) or a combining mark (U+0301
/// after `>` or `"`) makes a grapheme cluster that equals none of the five, and the markup
/// character inside it would go out as it is.
public enum HTMLEscaping {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references; every other
    /// character is kept as it is.
    public static func escape(_ text: String) -> String {
        let utf8 = text.utf8
        // Most values (ids, counts, plain names) have nothing to replace: they are returned as they are.
        guard let first = utf8.firstIndex(where: needsEscaping) else { return text }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(utf8.count + 32)
        escaped.append(contentsOf: utf8[..<first])
        for byte in utf8[first...] {
            switch byte {
            case UInt8(ascii: "&"): escaped.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): escaped.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): escaped.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): escaped.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): escaped.append(contentsOf: "&#39;".utf8)
            default: escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    static func needsEscaping(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"): true
        default: false
        }
    }
}
