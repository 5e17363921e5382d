/// The name of a file dropped into the inbox, kept as the exact bytes the kernel gave us.
///
/// Inbox names are not ours to choose: they may hold newlines, spaces, leading dashes or bytes that
/// are not UTF-8. We never lose the original bytes (they go into the spool's sidecar and the
/// store), show them escaped, and derive a safe stem for the outbox from them.
public struct InputName: Sendable, Hashable, Codable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// Whether the daemon should wait for this name to be renamed before taking it: editors and
    /// uploaders write under a dot-name or a `.tmp`/`.part` suffix, then rename.
    public var isIncomplete: Bool {
        bytes.first == UInt8(ascii: ".") || hasSuffix(".tmp") || hasSuffix(".part")
    }

    /// The name as text, with every byte that is not printable UTF-8 escaped (`\n`, `\xff`), so a
    /// log line or a JSON report can show it without being broken by it.
    public var description: String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return bytes.map { byte in
                (0x20..<0x7f).contains(byte) && byte != UInt8(ascii: "\\")
                    ? String(UnicodeScalar(byte)) : "\\x" + hex(byte)
            }.joined()
        }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\x" + hex(UInt8(scalar.value))
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A file-name stem that is safe to create in the outbox and to pass to a shell-less hook:
    /// the name without its `.csv` extension, with anything but letters, digits, `.`, `_`, `-`
    /// and `+` replaced by `_`, never starting with `.` or `-`, at most 120 bytes.
    /// `sessions-0423.csv` → `sessions-0423`.
    public var outboxStem: String {
        var stemBytes = bytes
        if hasSuffix(".csv") || hasSuffix(".CSV") { stemBytes.removeLast(4) }
        var out = String(stemBytes.prefix(120).map { byte -> Character in
            let c = Character(UnicodeScalar(byte))
            let safe = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            return safe ? c : "_"
        })
        if out.isEmpty { out = "batch" }
        if out.first == "." || out.first == "-" { out = "_" + out }
        return out
    }

    private func hasSuffix(_ suffix: String) -> Bool {
        let s = Array(suffix.utf8)
        return bytes.count >= s.count && Array(bytes.suffix(s.count)) == s
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
}
