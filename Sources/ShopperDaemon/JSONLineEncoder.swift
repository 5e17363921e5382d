/// Encodes journal fields as one JSON object on one line, for the stderr sink.
///
/// Hand-written rather than `JSONEncoder` for three guarantees: keys keep the journal entry's
/// order, the output never contains a raw newline (control characters are escaped, so a batch
/// named `a\nb.csv` cannot split the line), and values that are not UTF-8 become an array of
/// byte values, exactly as `journalctl -o json` renders binary fields.
enum JSONLineEncoder {
    /// `{"KEY":"value",...}\n` as UTF-8 bytes.
    static func encode(_ fields: [JournalField]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(Array(field.name.utf8), to: &out)
            out.append(UInt8(ascii: ":"))
            if String(validating: field.value, as: UTF8.self) != nil {
                appendString(field.value, to: &out)
            } else {
                out.append(UInt8(ascii: "["))
                out.append(contentsOf: field.value.map { String($0) }.joined(separator: ",").utf8)
                out.append(UInt8(ascii: "]"))
            }
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// Appends `utf8` (known valid) as a JSON string literal.
    private static func appendString(_ utf8: [UInt8], to out: inout [UInt8]) {
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
