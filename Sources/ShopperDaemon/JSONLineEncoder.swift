import ShopperCore

/// Encodes journal fields as one JSON object on one line, for the stderr sink.
///
/// Hand-written rather than `JSONEncoder` for three guarantees: keys keep the journal entry's
/// order, the output never contains a raw newline (`JSONPolicy.appendQuoted` escapes control
/// characters, so a batch named `a\nb.csv` cannot split the line), and values that are not UTF-8
/// become an array of byte values, exactly as `journalctl -o json` renders binary fields.
enum JSONLineEncoder {
    /// `{"KEY":"value",...}\n` as UTF-8 bytes.
    static func encode(_ fields: [JournalField]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONPolicy.appendQuoted(field.name.utf8, to: &out)
            out.append(UInt8(ascii: ":"))
            if String(validating: field.value, as: UTF8.self) != nil {
                JSONPolicy.appendQuoted(field.value, to: &out)
            } else {
                out.append(UInt8(ascii: "["))
                out.append(contentsOf: field.value.map { String($0) }.joined(separator: ",").utf8)
                out.append(UInt8(ascii: "]"))
            }
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }
}
