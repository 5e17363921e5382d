/// A journal `MESSAGE_ID`: 128 bits written as 32 lowercase hex digits.
///
/// Each event type has one, fixed forever (changing it breaks operators' filters and the
/// catalog); generate new ones with `systemd-id128 new`, never reuse one.
package struct JournalMessageID: Hashable, Sendable, CustomStringConvertible {
    /// The 32 lowercase hex digits, as `journalctl MESSAGE_ID=` expects them.
    package let hex: String

    /// Validates `hex` (32 hex digits, no dashes); `nil` otherwise.
    package init?(_ hex: String) {
        let lower = hex.lowercased()
        guard lower.utf8.count == 32, lower.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        self.hex = lower
    }

    package var description: String { hex }
}
