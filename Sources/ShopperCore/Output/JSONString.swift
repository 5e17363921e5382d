extension JSONPolicy {
    /// `text` as a JSON string literal: the one escaper for JSON written by hand (journal lines,
    /// `show --format json` rows, settings). Quotes and backslashes are escaped, `\n` `\r` `\t` by
    /// name, every other control character and DEL as `\u00XX`; everything else is kept as UTF-8.
    /// A literal never holds a raw line break, so a one-line document stays one line.
    package static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 2)
        appendQuoted(text.utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `utf8` (valid UTF-8) as a JSON string literal, escaped as `quoted` does.
    package static func appendQuoted(_ utf8: some Sequence<UInt8>, to out: inout [UInt8]) {
        let done: Void? = utf8.withContiguousStorageIfAvailable { appendQuoted(bytes: $0, to: &out) }
        if done != nil { return }
        Array(utf8).withUnsafeBufferPointer { appendQuoted(bytes: $0, to: &out) }
    }

    /// `appendQuoted` for a String, without going through a generic sequence (the scoring
    /// answers' ids and names).
    package static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendQuoted(bytes: $0, to: &out) }
    }

    /// The one escaper: runs of bytes that need no escape are copied whole.
    package static func appendQuoted(bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
            runStart = i + 1
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            default:
                let hex = String(byte, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            }
        }
        if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        out.append(UInt8(ascii: "\""))
    }
}
