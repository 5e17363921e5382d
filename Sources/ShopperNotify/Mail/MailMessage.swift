import Foundation

/// One mail, ready for `sendmail -t`: headers, a plain-text and an HTML alternative, attachments.
///
/// `rendered()` gives RFC 5322 + MIME bytes with CRLF line ends: `multipart/mixed` holding a
/// `multipart/alternative` (text/plain, text/html) and then the attachments; every body is UTF-8
/// in base64 lines of 76 characters; header text that is not plain ASCII is RFC 2047-encoded.
/// The same message renders to the same bytes (boundaries come from the notice id), so a
/// repeated send is the same mail with the same Message-ID.
package struct MailMessage: Sendable, Equatable {
    package var from: String
    package var to: [String]
    package var subject: String
    package var date: Date
    /// `<shopperd-ID.TIMESTAMP@host>`.
    package var messageID: String
    /// Further headers (`X-Shopperd-Event`, …): their values are encoded like the subject.
    package var extraHeaders: [Header]
    package var text: String
    package var html: String
    package var attachments: [Attachment]
    /// Makes the MIME boundaries unique to this message (and stable across sends).
    package var boundaryTag: String

    package struct Header: Sendable, Equatable {
        package var name: String
        package var value: String
        package init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    package struct Attachment: Sendable, Equatable {
        /// Reduced to `[A-Za-z0-9._+-]` when rendered: it needs no quoting or encoding.
        package var fileName: String
        /// `text/html; charset=utf-8`, `application/json`, …
        package var contentType: String
        package var data: [UInt8]
        package init(fileName: String, contentType: String, data: [UInt8]) {
            self.fileName = fileName
            self.contentType = contentType
            self.data = data
        }
    }

    package init(from: String, to: [String], subject: String, date: Date, messageID: String, extraHeaders: [Header] = [],
                 text: String, html: String, attachments: [Attachment] = [], boundaryTag: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.extraHeaders = extraHeaders
        self.text = text
        self.html = html
        self.attachments = attachments
        self.boundaryTag = boundaryTag
    }

    /// The header block alone (each line CRLF-terminated, no blank line).
    package var renderedHeaders: String {
        var block = MIMEEncoding.structuredHeader("Date", [MIMEEncoding.date(date)])
        block += MIMEEncoding.structuredHeader("From", [from])
        block += MIMEEncoding.structuredHeader("To", to)
        block += MIMEEncoding.textHeader("Subject", subject)
        block += MIMEEncoding.structuredHeader("Message-ID", [messageID])
        block += "MIME-Version: 1.0\r\n"
        block += "Auto-Submitted: auto-generated\r\n"
        for header in extraHeaders where Self.isHeaderName(header.name) {
            block += MIMEEncoding.textHeader(header.name, header.value)
        }
        return block
    }

    /// RFC 5322 + MIME bytes, CRLF line ends.
    package func rendered() -> [UInt8] {
        let tag = MIMEEncoding.safeFileName(boundaryTag)
        // "=_" cannot occur in base64 text, so no body line can be taken for a boundary.
        let mixed = "=_mixed-" + tag
        let alternative = "=_alt-" + tag
        var out = Array(renderedHeaders.utf8)
        out += Array("Content-Type: multipart/mixed; boundary=\"\(mixed)\"\r\n\r\n".utf8)
        out += Array("This is a MIME message: a text and an HTML version, and attachments.\r\n".utf8)
        out += Array("--\(mixed)\r\nContent-Type: multipart/alternative; boundary=\"\(alternative)\"\r\n\r\n".utf8)
        out += part(boundary: alternative, type: "text/plain; charset=utf-8", disposition: nil, body: MIMEEncoding.canonicalText(text))
        out += part(boundary: alternative, type: "text/html; charset=utf-8", disposition: nil, body: MIMEEncoding.canonicalText(html))
        out += Array("--\(alternative)--\r\n".utf8)
        for attachment in attachments {
            let name = MIMEEncoding.safeFileName(attachment.fileName)
            let type = attachment.contentType.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F || $0 == " " }
                ? attachment.contentType : "application/octet-stream"
            out += part(boundary: mixed, type: type + "; name=\"\(name)\"", disposition: "attachment; filename=\"\(name)\"", body: attachment.data)
        }
        out += Array("--\(mixed)--\r\n".utf8)
        return out
    }

    private func part(boundary: String, type: String, disposition: String?, body: [UInt8]) -> [UInt8] {
        var head = "--\(boundary)\r\nContent-Type: \(type)\r\nContent-Transfer-Encoding: base64\r\n"
        if let disposition { head += "Content-Disposition: \(disposition)\r\n" }
        return Array((head + "\r\n").utf8) + MIMEEncoding.base64Lines(body)
    }

    /// A field name as RFC 5322 allows (printable ASCII but colon), so an extra header can never
    /// smuggle a line in through its name.
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
    }
}
