import Foundation

/// Which of a channel's events it is sent.
package enum SendPolicy: Sendable, Equatable, CustomStringConvertible {
    /// One message per batch, alerts or not.
    case everyBatch
    /// Only events with an alert (drift, promotion, rejection, retrain skipped or failed, a stuck
    /// batch, a fatal error, an operator's model change).
    case alerts
    /// One message a day, at this local hour (0–23), listing everything since the last one.
    case dailyDigest(hour: Int)

    package var description: String {
        switch self {
        case .everyBatch: "every-batch"
        case .alerts: "alerts"
        case .dailyDigest(let hour): "daily-digest at \(hour):00"
        }
    }
}

/// One place notifications go: the e-mail recipients, or one webhook.
package struct NotificationChannel: Sendable, Equatable {
    package enum Destination: Sendable, Equatable {
        /// Through the system's sendmail (`command`, message on stdin).
        case email(MailSettings, command: [String])
        /// A JSON POST. The URL is a secret (a Slack or Teams URL carries its own key): it is never
        /// logged, stored or shown; the channel is named by `name`.
        case webhook(name: String, format: WebhookFormat, url: URL)
    }

    package var destination: Destination
    package var policy: SendPolicy

    package init(destination: Destination, policy: SendPolicy) {
        self.destination = destination
        self.policy = policy
    }

    var isEmail: Bool {
        if case .email = destination { return true }
        return false
    }

    /// The channel's key in the store and in messages: `email`, or `webhook:NAME`.
    package var name: String {
        switch destination {
        case .email: "email"
        case .webhook(let name, _, _): "webhook:" + name
        }
    }
}

/// The notification settings of `shopperd run` (keys `notify.*`, see docs/notify.md).
package struct NotificationSettings: Sendable, Equatable {
    package var channels: [NotificationChannel] = []
    /// How long one sendmail run or one webhook POST may take.
    package var timeout: Duration = .seconds(30)
    /// Waits between attempts after a transient failure; the last one repeats.
    package var retrySchedule: [Duration] = [.seconds(10), .seconds(60), .seconds(300), .seconds(900), .seconds(3_600)]
    /// A notification still failing this long after its event is given up (`failed`;
    /// `shopperd notify retry` puts it back).
    package var giveUpAfter: Duration = .seconds(3 * 86_400)
    /// How often the queue is looked at when nothing wakes the courier.
    package var pollInterval: Duration = .seconds(30)

    package init() {}

    package var isEmpty: Bool { channels.isEmpty }

    /// The wait before attempt `attempts + 1`, after `attempts` failed ones.
    package func retryDelay(afterAttempts attempts: Int) -> Duration {
        guard let last = retrySchedule.last else { return .seconds(60) }
        let index = attempts - 1
        return index >= 0 && index < retrySchedule.count ? retrySchedule[index] : last
    }
}
