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
        out.append(UInt8(ascii: "\""))
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0x00..<0x20, 0x7F:
                let hex = String(byte, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
