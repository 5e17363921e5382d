/// The name of one entry in the inbox, kept as the exact bytes the kernel gave us.
///
/// Linux file names are byte strings, not text: an operator (or an attacker) can drop a file whose
/// name holds a newline, a leading dash or bytes that are not UTF-8. Converting such a name to
/// `String` and back would silently replace those bytes (U+FFFD) and the daemon would then open a
/// *different* path, or none. So the name travels as raw bytes from `inotify`/`readdir` to
/// `openat`, and only its `description` is ever rendered for humans.
package struct InboxFileName: Hashable, Sendable, CustomStringConvertible {
    /// The name's bytes, without any directory part and without a terminating NUL.
    package let bytes: [UInt8]

    /// A name made of `bytes`, or `nil` when those bytes cannot name a directory entry
    /// (empty, `.`, `..`, or containing `/` or NUL).
    package init?(bytes: some Sequence<UInt8>) {
        let bytes = Array(bytes)
        guard !bytes.isEmpty, bytes != [0x2E], bytes != [0x2E, 0x2E],
              !bytes.contains(0x2F), !bytes.contains(0) else { return nil }
        self.bytes = bytes
    }

    /// A name spelled as text (its UTF-8 bytes); `nil` when it cannot name a directory entry.
    package init?(_ string: String) {
        self.init(bytes: Array(string.utf8))
    }

    /// Whether the daemon must leave this entry alone because it is not a finished batch yet.
    ///
    /// Writers are expected to write under a hidden name (`.sessions.csv`) or a temporary suffix
    /// (`sessions.csv.tmp`, `sessions.csv.part`, as curl and browsers do) and rename when done;
    /// the rename is atomic, so the final name only ever appears complete. The daemon's own
    /// bookkeeping inside the inbox, if any, must use dot-names for the same reason.
    package var isIgnored: Bool {
        bytes.first == 0x2E || bytes.hasSuffix(Self.tmpSuffix) || bytes.hasSuffix(Self.partSuffix)
    }

    /// The name as text when its bytes are valid UTF-8, otherwise `nil` (never a lossy repair).
    package var string: String? {
        String(validating: bytes, as: UTF8.self)
    }

    /// The name without its last extension (`sessions-0423.csv` → `sessions-0423`); a name whose
    /// only dot is its first byte has no extension. The result keeps the raw bytes.
    package var stem: [UInt8] {
        guard let dot = bytes.lastIndex(of: 0x2E), dot > 0 else { return bytes }
        return Array(bytes[..<dot])
    }

    /// A file-name stem that is safe to create in the outbox, to archive under and to pass to a
    /// shell-less hook: ``stem`` for a `.csv` name (the name itself otherwise), with anything but
    /// ASCII letters, digits, `.`, `_`, `-` and `+` replaced by `_`, never starting with `.` or `-`,
    /// at most 120 bytes. `sessions-0423.csv` → `sessions-0423`; `-rf x.csv` → `_-rf_x`.
    package var outboxStem: String {
        let lower = bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        let base = lower.hasSuffix(Array(".csv".utf8)) ? Array(bytes.dropLast(4)) : bytes
        var out = String(decoding: base.prefix(120).map { byte -> UInt8 in
            let safe = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D || byte == 0x2B
            return safe ? byte : 0x5F
        }, as: UTF8.self)
        if out.isEmpty { out = "batch" }
        if out.first == "." || out.first == "-" { out = "_" + out }
        return out
    }

    /// A printable, single-line rendering for messages: valid UTF-8 is kept, control characters
    /// and backslashes are escaped (`\n`, `\t`, `\\`, `\u{7f}`), and bytes that are not UTF-8 are
    /// shown as `\xNN`. Two different names never render the same.
    package var description: String {
        var out = ""
        var index = 0
        while index < bytes.count {
            let length = Self.utf8SequenceLength(bytes, at: index)
            if length == 0 {
                out += "\\x" + Self.hex(bytes[index])
                index += 1
                continue
            }
            let scalarText = String(decoding: bytes[index..<index + length], as: UTF8.self)
            for scalar in scalarText.unicodeScalars {
                switch scalar {
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                case "\r": out += "\\r"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                        || scalar.value == 0x2028 || scalar.value == 0x2029 {
                        out += "\\u{" + String(scalar.value, radix: 16) + "}"
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            index += length
        }
        return out
    }

    /// Calls `body` with the name as a NUL-terminated C string, for `openat`, `fstatat`, `renameat`.
    package func withCString<Result>(_ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        var terminated = bytes
        terminated.append(0)
        return try terminated.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// `directory/name` as bytes, for system calls that take a path.
    package struct Path {
        package let bytes: [UInt8]

        package init(directory: String, name: InboxFileName) {
            bytes = Array(directory.utf8) + [UInt8(ascii: "/")] + name.bytes + [0]
        }

        package func withCString<Result>(_ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
            try bytes.withUnsafeBufferPointer { buffer in
                try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
            }
        }
    }

    private static let tmpSuffix = Array(".tmp".utf8)
    private static let partSuffix = Array(".part".utf8)

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    /// Length of the well-formed UTF-8 sequence starting at `index`, or 0 when the byte there does
    /// not start one (so it must be shown as `\xNN`).
    private static func utf8SequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        return String(validating: bytes[index..<index + length], as: UTF8.self) == nil ? 0 : length
    }
}

extension Array where Element == UInt8 {
    fileprivate func hasSuffix(_ suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
