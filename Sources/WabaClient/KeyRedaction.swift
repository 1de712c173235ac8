/// Removes the API key from text a server sent back (its error message, a body quoted in an error),
/// before that text reaches a terminal, a log or a journal.
///
/// Only whole occurrences are replaced: the key where neither neighbour is a key character (an ASCII
/// letter or digit, `-` or `_`). A short key (`ch`) is then taken out of `key ch is invalid` without
/// turning `check` into `[API key]eck`. wamedia's own text is never passed through here: it never
/// contains the key in the first place.
struct KeyRedaction: Sendable {
    static let placeholder = "[API key]"

    private let key: [UInt8]

    init(key: String) {
        self.key = Array(key.utf8)
    }

    /// `text` with every whole occurrence of the key replaced by ``placeholder``.
    func apply(to text: String) -> String {
        let bytes = Array(text.utf8)
        guard !key.isEmpty, bytes.count >= key.count else { return text }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        var replaced = false
        while index < bytes.count {
            let end = index + key.count
            // The key is visible ASCII, which never occurs inside a multi-byte UTF-8 sequence, so a
            // byte match is a match of whole characters.
            if end <= bytes.count, bytes[index..<end].elementsEqual(key),
                index == 0 || !Self.isKeyCharacter(bytes[index - 1]),
                end == bytes.count || !Self.isKeyCharacter(bytes[end])
            {
                result += Self.placeholder.utf8
                index = end
                replaced = true
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return replaced ? String(decoding: result, as: UTF8.self) : text
    }

    /// What API keys are made of: ASCII letters and digits, `-` and `_`.
    static func isKeyCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
