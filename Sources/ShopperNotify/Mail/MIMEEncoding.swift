import Foundation

/// The encodings a mail message needs (RFC 5322, RFC 2045–2047), in one place.
///
/// Header values are text from anywhere — an input file's name as it arrived may hold CR, LF or
/// `Bcc: …` — so a value is written raw only when it is printable ASCII; anything else becomes
/// RFC 2047 encoded-words, in which a CR or LF is base64 and can never reach the header block.
enum MIMEEncoding {
    /// Lines of a body part, as RFC 2045 allows: at most 76 characters.
    static let bodyLineLength = 76
    /// Header lines are folded to this length where the value allows (RFC 5322's "SHOULD").
    static let headerLineLength = 78

    static let crlf: [UInt8] = [13, 10]

    /// `Name: value` as one or more CRLF-terminated lines, encoded and folded.
    static func textHeader(_ name: String, _ value: String) -> String {
        let prefix = name + ": "
        if isPlain(value), let folded = foldAtSpaces(prefix: prefix, value) { return folded }
        return prefix + encodedWords(value, firstLineRoom: headerLineLength - 2 - prefix.count).joined(separator: "\r\n ") + "\r\n"
    }

    /// A header whose value is already safe ASCII (validated addresses, Message-ID, a date),
    /// folded after commas when long. Any control character left in it is dropped, so this can
    /// never add a line either.
    static func structuredHeader(_ name: String, _ items: [String]) -> String {
        let clean = items.map { String($0.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init)) }
        var lines: [String] = []
        var line = name + ":"
        for (index, item) in clean.enumerated() {
            let piece = " " + item + (index < clean.count - 1 ? "," : "")
            if line.count + piece.count > headerLineLength && line != name + ":" {
                lines.append(line)
                line = piece
            } else {
                line += piece
            }
        }
        lines.append(line)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Printable ASCII, no `=?` (which a reader would take for the start of an encoded-word).
    static func isPlain(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !value.contains("=?")
            && !value.hasPrefix(" ") && !value.hasSuffix(" ") && !value.contains("  ")
    }

    /// Folds a plain value at its spaces so lines stay within 78 characters; nil when a word is
    /// too long for a line of its own (the caller encodes instead).
    static func foldAtSpaces(prefix: String, _ value: String) -> String? {
        let words = value.split(separator: " ", omittingEmptySubsequences: false)
        var lines: [String] = []
        var line = prefix + words[0]
        for word in words.dropFirst() {
            if line.count + 1 + word.count > headerLineLength {
                lines.append(line)
                line = " " + word
            } else {
                line += " " + word
            }
        }
        lines.append(line)
        guard lines.allSatisfy({ $0.count <= headerLineLength }) else { return nil }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `=?utf-8?B?…?=` words of at most 75 characters, each an integral number of characters
    /// (never a UTF-8 sequence cut in two), the first fitting in `firstLineRoom`.
    static func encodedWords(_ value: String, firstLineRoom: Int) -> [String] {
        let overhead = "=?utf-8?B??=".count
        var words: [String] = []
        var pending: [UInt8] = []
        var room = min(75, max(firstLineRoom, overhead + 8))
        func capacity(_ room: Int) -> Int { (room - overhead) / 4 * 3 }
        for scalar in value.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if pending.count + bytes.count > capacity(room), !pending.isEmpty {
                words.append("=?utf-8?B?" + Data(pending).base64EncodedString() + "?=")
                pending = []
                room = 75
            }
            pending += bytes
        }
        words.append("=?utf-8?B?" + Data(pending).base64EncodedString() + "?=")
        return words
    }

    /// Text in canonical form (CRLF line ends, RFC 2046 §4.1.1), UTF-8.
    static func canonicalText(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + text.utf8.count / 40)
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == 10 && previous != 13 { out.append(13) }
            if previous == 13 && byte != 10 { out.append(10) }
            out.append(byte)
            previous = byte
        }
        if previous == 13 { out.append(10) }
        return out
    }

    /// Base64 in lines of 76 characters, each ending in CRLF.
    static func base64Lines(_ bytes: [UInt8]) -> [UInt8] {
        let encoded = Array(Data(bytes).base64EncodedString().utf8)
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count + encoded.count / bodyLineLength * 2 + 2)
        var index = 0
        while index < encoded.count {
            let end = min(index + bodyLineLength, encoded.count)
            out += encoded[index..<end]
            out += crlf
            index = end
        }
        return out
    }

    /// An attachment's file name reduced to characters that need no quoting or encoding.
    static func safeFileName(_ name: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+")
        let cleaned = String(name.map { allowed.contains($0) ? $0 : "_" }.prefix(100))
        return cleaned.isEmpty || cleaned.hasPrefix(".") ? "file" + cleaned : cleaned
    }

    /// RFC 5322 date-time in UTC: `Sun, 01 Mar 2026 12:00:00 +0000` (no locale involved).
    static func date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
