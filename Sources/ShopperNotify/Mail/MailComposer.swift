import Foundation
import ShopperCore
import ShopperDrift

/// Turns notices into mail: one message per notice, or one daily digest for many.
package enum MailComposer {
    /// The mail for one notice. Its Message-ID and MIME boundaries come from the notice's id and
    /// time, so composing the same notice again gives the same bytes.
    package static func message(for notice: Notice, settings: MailSettings) -> MailMessage {
        let content = NoticeContent(notice)
        var attachments: [MailMessage.Attachment] = []
        let stem = notice.stem.map(MIMEEncoding.safeFileName) ?? "batch-\(notice.id)"
        if let html = notice.driftReportHTML {
            attachments.append(MailMessage.Attachment(fileName: stem + ".drift.html", contentType: "text/html; charset=utf-8", data: Array(html.utf8)))
        }
        if let report = notice.batch, let json = try? JSONPolicy.encode(report) {
            attachments.append(MailMessage.Attachment(fileName: stem + ".report.json", contentType: "application/json", data: Array(json) + [0x0A]))
        } else if let rejection = notice.rejection, let json = try? JSONPolicy.encode(rejection) {
            attachments.append(MailMessage.Attachment(fileName: stem + ".rejected.json", contentType: "application/json", data: Array(json) + [0x0A]))
        }
        return MailMessage(
            from: settings.from, to: settings.to,
            subject: subject(settings, content.summary),
            date: notice.occurredAt,
            messageID: messageID(id: notice.id, date: notice.occurredAt, host: notice.host),
            extraHeaders: [
                .init(name: "X-Shopperd-Event", value: notice.kind.rawValue),
                .init(name: "X-Shopperd-Alert", value: notice.isAlert ? "yes" : "no"),
                .init(name: "X-Shopperd-Host", value: notice.host),
            ],
            text: MailBody.text(content, host: notice.host),
            html: MailBody.html(content, host: notice.host),
            attachments: attachments,
            boundaryTag: "shopperd-\(notice.id)")
    }

    /// One message for many notices (the daily digest): the subject counts batches and alerts, the
    /// body lists every notice's summary, alerts first, then each alert's facts.
    package static func digest(_ notices: [Notice], settings: MailSettings, id: Int64, date: Date) -> MailMessage {
        let host = notices.first?.host ?? "localhost"
        let batches = notices.filter { $0.kind == .batch || $0.kind == .rejected || $0.kind == .duplicate }.count
        let alerts = notices.filter(\.isAlert).count
        let summary = "daily digest · \(batches) batch\(batches == 1 ? "" : "es") · \(alerts) alert\(alerts == 1 ? "" : "s")"
        return MailMessage(
            from: settings.from, to: settings.to,
            subject: subject(settings, summary),
            date: date,
            messageID: messageID(id: id, date: date, host: host, kind: "digest"),
            extraHeaders: [
                .init(name: "X-Shopperd-Event", value: "digest"),
                .init(name: "X-Shopperd-Alert", value: alerts > 0 ? "yes" : "no"),
                .init(name: "X-Shopperd-Host", value: host),
            ],
            text: MailBody.digestText(notices, summary: summary, host: host),
            html: MailBody.digestHTML(notices, summary: summary, host: host),
            boundaryTag: "shopperd-digest-\(id)")
    }

    static func subject(_ settings: MailSettings, _ summary: String) -> String {
        settings.subjectPrefix.isEmpty ? summary : settings.subjectPrefix + " " + summary
    }

    /// `<shopperd-ID.TIMESTAMP@host>` (`shopperd-digest-ID…` for a digest): the same for every send
    /// of one notice, so the recipient's mail system can tell a repeat. The host is cut at its first
    /// character that is not a letter, digit, dot or hyphen.
    package static func messageID(id: Int64, date: Date, host: String, kind: String = "") -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
        // Up to the first other character: a hostile or odd name cannot put words into the id.
        var domain = String(host.prefix(while: allowed.contains).prefix(200))
        domain = domain.trimmingCharacters(in: CharacterSet(charactersIn: ".-"))
        if domain.isEmpty { domain = "localhost" }
        let stamp = Int64(date.timeIntervalSince1970.rounded(.down))
        return "<shopperd-\(kind.isEmpty ? "" : kind + "-")\(id).\(stamp)@\(domain)>"
    }
}
