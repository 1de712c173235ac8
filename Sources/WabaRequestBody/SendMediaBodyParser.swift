/// Parses a send-media JSON body as it arrives, without holding it: the small fields are
/// collected, and `media_data` is either collected (a URL) or decoded from base64 straight
/// into a file.
///
/// Accepts what a JSON parser accepts for this shape: any key order, whitespace, every string
/// escape (`\/` and `\u` included, so a body made by any JSON encoder works); values are strings,
/// booleans, numbers or null. Nested objects and arrays are refused, as no field takes one.
public struct SendMediaBodyParser {
    public enum FieldValue: Sendable, Equatable {
        case string(String)
        /// `true`, `false`, `null` or a number, as written.
        case literal(String)
    }

    public enum MediaData: Sendable, Equatable {
        case url(String)
        /// Decoded bytes were written to the file opened for them.
        case base64(decodedBytes: Int)
    }

    private enum State {
        case objectStart, keyOrEnd, key, colon, value, literal, commaOrEnd, end
        case string
    }

    private enum StringTarget { case key, value, media }

    private enum MediaMode {
        case undecided([UInt8])
        case url([UInt8])
        case base64(Base64StreamDecoder)
    }

    static let maxFieldBytes = 64 * 1024
    static let maxURLBytes = 16 * 1024

    public private(set) var fields: [String: FieldValue] = [:]
    public private(set) var media: MediaData?
    /// Bytes of body seen so far.
    public private(set) var offset = 0

    private var state = State.objectStart
    private var target = StringTarget.key
    private var currentKey = ""
    private var buffer: [UInt8] = []
    private var literal: [UInt8] = []
    private var escape: [UInt8]?  // the characters after a backslash, while an escape is read
    private var highSurrogate: UInt16?
    private var mediaMode: MediaMode?
    private let openMediaFile: () throws -> Int32

    /// Bytes of base64 media decoded so far, so that a caller can hold an upload to a limit while it arrives.
    public var decodedMediaBytes: Int {
        switch (mediaMode, media) {
        case (.base64(let decoder), _): decoder.decodedCount
        case (_, .base64(let count)): count
        default: 0
        }
    }

    /// A field read so far, when it is a string.
    public func stringField(_ key: String) -> String? {
        if case .string(let text) = fields[key] { return text }
        return nil
    }

    /// - Parameter openMediaFile: opens the file base64 media is decoded into; called at most once.
    public init(openMediaFile: @escaping () throws -> Int32) {
        self.openMediaFile = openMediaFile
    }

    /// Parses the next bytes of the body, in any split.
    /// - Throws: ``SendMediaBodyError``.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws {
        var index = 0
        while index < bytes.count {
            if state == .string {
                index = try consumeString(bytes, from: index)
                continue
            }
            let byte = bytes[index]
            try step(byte)
            index += 1
        }
        offset += bytes.count
    }

    /// Ends the body: throws when it stopped before the JSON object was complete or the base64 media
    /// does not end in whole quads.
    /// - Throws: ``SendMediaBodyError``.
    public mutating func finish() throws {
        if state == .literal { try endLiteral() }
        guard state == .end else { throw fail("the body ends before the JSON object is complete") }
        guard let mode = mediaMode else { return }
        switch mode {
        case .url(let bytes): media = .url(String(decoding: bytes, as: UTF8.self))
        case .base64(var decoder):
            do { try decoder.finish() } catch let error as Base64DecodingError { throw SendMediaBodyError(error) }
            media = .base64(decodedBytes: decoder.decodedCount)
        case .undecided: break
        }
    }

    // MARK: - Structure

    private mutating func step(_ byte: UInt8) throws {
        let isSpace = byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
        switch state {
        case .objectStart:
            if isSpace { return }
            guard byte == UInt8(ascii: "{") else { throw fail("the body is not a JSON object") }
            state = .keyOrEnd
        case .keyOrEnd, .key:
            if isSpace { return }
            if byte == UInt8(ascii: "}") && state == .keyOrEnd {
                state = .end
                return
            }
            guard byte == UInt8(ascii: "\"") else { throw fail("expected a field name") }
            startString(.key)
        case .colon:
            if isSpace { return }
            guard byte == UInt8(ascii: ":") else { throw fail("expected ':' after \"\(currentKey)\"") }
            state = .value
        case .value:
            if isSpace { return }
            if currentKey == "media_data" && mediaMode != nil || fields[currentKey] != nil {
                throw fail("the field \(currentKey) appears twice")
            }
            if byte == UInt8(ascii: "\"") {
                startString(currentKey == "media_data" ? .media : .value)
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                throw fail("\(currentKey) must be a string or a boolean, not an object or array")
            } else {
                literal = [byte]
                state = .literal
            }
        case .literal:
            if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || isSpace {
                try endLiteral()
                try step(byte)
            } else {
                literal.append(byte)
                if literal.count > 64 { throw fail("the value of \(currentKey) is not valid JSON") }
            }
        case .commaOrEnd:
            if isSpace { return }
            if byte == UInt8(ascii: ",") {
                state = .key
            } else if byte == UInt8(ascii: "}") {
                state = .end
            } else {
                throw fail("expected ',' or '}' after \"\(currentKey)\"")
            }
        case .end:
            if isSpace { return }
            throw fail("data after the end of the JSON object")
        case .string:
            preconditionFailure("strings are consumed by consumeString")
        }
    }

    private mutating func endLiteral() throws {
        let text = String(decoding: literal, as: UTF8.self)
        let valid = text == "true" || text == "false" || text == "null" || Double(text) != nil
        guard valid else { throw fail("the value of \(currentKey) is not valid JSON: \(text.prefix(20))") }
        try store(.literal(text))
        state = .commaOrEnd
    }

    private mutating func store(_ value: FieldValue) throws {
        guard fields[currentKey] == nil, !(currentKey == "media_data" && mediaMode != nil) else {
            throw fail("the field \(currentKey) appears twice")
        }
        fields[currentKey] = value
    }

    // MARK: - Strings

    private mutating func startString(_ target: StringTarget) {
        self.target = target
        buffer.removeAll(keepingCapacity: true)
        escape = nil
        highSurrogate = nil
        if target == .media { mediaMode = .undecided([]) }
        state = .string
    }

    /// Consumes string content from `index`; returns where it stopped.
    private mutating func consumeString(_ bytes: UnsafeRawBufferPointer, from start: Int) throws -> Int {
        var index = start
        while index < bytes.count {
            if escape != nil {
                try escapeByte(bytes[index])
                index += 1
                continue
            }
            // The longest run of plain characters, handed over at once.
            var end = index
            while end < bytes.count {
                let byte = bytes[end]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                end += 1
            }
            if end > index {
                try emit(UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
                index = end
            }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") {
                guard highSurrogate == nil else { throw fail("a lone UTF-16 surrogate in a \\u escape") }
                try endString()
                return index
            } else if byte == UInt8(ascii: "\\") {
                escape = []
            } else {
                throw fail(
                    "a raw control character (0x\(String(byte, radix: 16))) inside a string; JSON needs it escaped")
            }
        }
        return index
    }

    private mutating func escapeByte(_ byte: UInt8) throws {
        guard var sequence = escape else { return }
        if sequence.isEmpty {
            let simple: UInt8? =
                switch byte {
                case UInt8(ascii: "\""): UInt8(ascii: "\"")
                case UInt8(ascii: "\\"): UInt8(ascii: "\\")
                case UInt8(ascii: "/"): UInt8(ascii: "/")
                case UInt8(ascii: "b"): 0x08
                case UInt8(ascii: "f"): 0x0C
                case UInt8(ascii: "n"): 0x0A
                case UInt8(ascii: "r"): 0x0D
                case UInt8(ascii: "t"): 0x09
                default: nil
                }
            if let simple {
                guard highSurrogate == nil else { throw fail("a lone UTF-16 surrogate in a \\u escape") }
                escape = nil
                try emitBytes([simple])
                return
            }
            guard byte == UInt8(ascii: "u") else {
                throw fail("an invalid escape '\\\(Character(Unicode.Scalar(byte)))' in a string")
            }
            escape = [byte]
            return
        }
        sequence.append(byte)
        guard sequence.count == 5 else {
            escape = sequence
            return
        }
        escape = nil
        guard let unit = UInt16(String(decoding: sequence.dropFirst(), as: UTF8.self), radix: 16) else {
            throw fail("an invalid \\u escape in a string")
        }
        if let high = highSurrogate {
            guard (0xDC00...0xDFFF).contains(unit) else { throw fail("a lone UTF-16 surrogate in a \\u escape") }
            highSurrogate = nil
            let value = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(unit) - 0xDC00)
            try emitBytes(Array(String(Character(Unicode.Scalar(value)!)).utf8))
        } else if (0xD800...0xDBFF).contains(unit) {
            highSurrogate = unit
        } else if (0xDC00...0xDFFF).contains(unit) {
            throw fail("a lone UTF-16 surrogate in a \\u escape")
        } else {
            try emitBytes(Array(String(Character(Unicode.Scalar(unit)!)).utf8))
        }
    }

    private mutating func emitBytes(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try emit($0) }
    }

    private mutating func emit(_ bytes: UnsafeRawBufferPointer) throws {
        switch target {
        case .key, .value:
            let limit = target == .key ? 256 : Self.maxFieldBytes
            guard buffer.count + bytes.count <= limit else {
                throw fail(
                    target == .key ? "a field name is too long" : "the field \(currentKey) is over \(limit) bytes")
            }
            buffer.append(contentsOf: bytes)
        case .media:
            switch mediaMode {
            case .undecided(var head):
                head.append(contentsOf: bytes)
                if head.count >= 8 {
                    try decideMedia(head)
                } else {
                    mediaMode = .undecided(head)
                }
            case .url(var url):
                guard url.count + bytes.count <= Self.maxURLBytes else {
                    throw fail("the media_data URL is over \(Self.maxURLBytes) bytes")
                }
                url.append(contentsOf: bytes)
                mediaMode = .url(url)
            case .base64(var decoder):
                mediaMode = nil  // keeps the decoder's buffer uniquely referenced while it decodes
                defer { mediaMode = .base64(decoder) }
                do { try decoder.decode(bytes) } catch let error as Base64DecodingError {
                    throw SendMediaBodyError(error)
                }
            case nil:
                break
            }
        }
    }

    /// A URL starts with a scheme; base64 never contains ':'.
    private mutating func decideMedia(_ head: [UInt8]) throws {
        let prefix = String(decoding: head.prefix(8), as: UTF8.self).lowercased()
        if prefix.hasPrefix("http://") || prefix.hasPrefix("https://") || head.contains(UInt8(ascii: ":")) {
            mediaMode = .url(head)
        } else {
            var decoder = Base64StreamDecoder(writingTo: try openMediaFile())
            do {
                try head.withUnsafeBytes { try decoder.decode($0) }
            } catch let error as Base64DecodingError { throw SendMediaBodyError(error) }
            mediaMode = .base64(decoder)
        }
    }

    private mutating func endString() throws {
        switch target {
        case .key:
            currentKey = String(decoding: buffer, as: UTF8.self)
            state = .colon
            return
        case .value:
            try store(.string(String(decoding: buffer, as: UTF8.self)))
        case .media:
            if case .undecided(let head) = mediaMode {
                if head.isEmpty {
                    mediaMode = .url([])
                } else {
                    try decideMedia(head)
                }
            }
        }
        state = .commaOrEnd
    }

    private func fail(_ message: String) -> SendMediaBodyError {
        SendMediaBodyError(.malformed, "the body is not a valid request: \(message)")
    }
}
