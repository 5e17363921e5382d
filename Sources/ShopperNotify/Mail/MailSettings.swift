/// Who mail comes from and goes to.
package struct MailSettings: Sendable, Equatable {
    /// The envelope and header sender (`sendmail -t` takes it from the `From:` header).
    package var from: String
    package var to: [String]
    /// Put before every subject.
    package var subjectPrefix: String

    package init(from: String, to: [String], subjectPrefix: String = "[shopperd]") {
        self.from = from
        self.to = to
        self.subjectPrefix = subjectPrefix
    }

    /// A setting that cannot make a safe message.
    package struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        package var description: String
    }

    /// Refuses what would make a broken or hostile header: an address that is not a plain
    /// `local@domain` addr-spec (a CR or LF in it, a display name, a second address), no
    /// recipient, a prefix with control characters. The message names the bad value.
    package func validate() throws(Invalid) {
        try Self.checkAddress(from, setting: "notify.email.from")
        guard !to.isEmpty else { throw Invalid(description: "notify.email.to: no recipient; give at least one address") }
        for address in to { try Self.checkAddress(address, setting: "notify.email.to") }
        if subjectPrefix.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw Invalid(description: "notify.email.subject_prefix: \(Self.shown(subjectPrefix)) holds a control character")
        }
    }

    static func checkAddress(_ address: String, setting: String) throws(Invalid) {
        guard isAddrSpec(address) else {
            throw Invalid(description: "\(setting): \(shown(address)) is not an email address of the form local@domain "
                + "(ASCII letters, digits and !#$%&'*+-/=?^_`{|}~. before the @, a host name after it; no spaces, line breaks or display name)")
        }
    }

    /// RFC 5322's addr-spec in its dot-atom form: `local@domain`, the local part atext characters
    /// and single dots, the domain letters, digits and hyphens in dot-separated labels. (Quoted
    /// local parts and address literals are refused: nobody needs them to reach an administrator.)
    package static func isAddrSpec(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, address.utf8.count <= 254 else { return false }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
        let local = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard parts[0].utf8.count <= 64, local.allSatisfy({ !$0.isEmpty && $0.allSatisfy(atext.contains) }) else { return false }
        let labelCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.allSatisfy(labelCharacters.contains) && !label.hasPrefix("-") && !label.hasSuffix("-")
        }
    }

    /// A value as shown in an error: control characters escaped, so the message stays one line.
    static func shown(_ value: String) -> String {
        "\"" + value.unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }.joined() + "\""
    }
}
