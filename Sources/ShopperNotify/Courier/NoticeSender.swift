import Foundation

/// Sends notices through one channel now: the courier's hand-over, and `shopperd notify test`.
package struct NoticeSender: Sendable {
    package var timeout: Duration

    package init(timeout: Duration) {
        self.timeout = timeout
    }

    /// One notice as one message, or several (`digestID` set) as one digest.
    package func send(_ notices: [Notice], digestID: Int64?, date: Date, via channel: NotificationChannel) async throws(DeliveryError) {
        guard let first = notices.first else { return }
        switch channel.destination {
        case .email(let mail, let command):
            let message = digestID.map { MailComposer.digest(notices, settings: mail, id: $0, date: date) }
                ?? MailComposer.message(for: first, settings: mail)
            try await SendmailTransport(command: command, timeout: timeout).send(message)
        case .webhook(let name, let format, let url):
            for notice in notices {
                let key = "shopperd-\(notice.host)-\(notice.id)-\(Int64(notice.occurredAt.timeIntervalSince1970 * 1_000))"
                try await WebhookTransport(name: name, timeout: timeout).post(WebhookPayload.body(for: notice, format: format), to: url,
                                                                              idempotencyKey: key)
            }
        }
    }
}
