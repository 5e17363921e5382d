import Foundation

/// What a notification is about (`notification_events.kind`). The raw values are stored and shown
/// by `shopperd notify status`: never rename one.
package enum NotificationKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A batch was scored or stored (its job's report says how).
    case batch
    /// An input was rejected (its job's report is the rejection).
    case rejected
    /// An input's content was already stored.
    case duplicate
    /// A batch has run past the stuck limit.
    case stuck
    /// The daemon stopped on an error it cannot recover from.
    case fatal
    /// An operator moved an alias (`shopperd models promote` / `rollback`, `train --promote`).
    case modelChange = "model-change"
    /// `shopperd notify test`.
    case test
}

/// One event owed to the notification channels: written in the same transaction as what it
/// reports (a batch's job, an alias change), so a crash can never keep the outcome and lose its
/// notification, or the reverse.
package struct NotificationEvent: Sendable, Hashable {
    /// `notification_events.id`: increasing in the order the events happened.
    package var id: Int64
    package var kind: NotificationKind
    /// The job whose report this is about (batch, rejected, duplicate).
    package var jobID: String?
    /// Why an administrator on "alerts only" hears of it: drift, promotion, rejection,
    /// retrain-skipped, … Empty: routine (sent only to channels that want every batch).
    package var alerts: [String]
    /// One line for the events without a job report (stuck, fatal, model-change, test).
    package var message: String?
    package var createdAt: Date

    package var isAlert: Bool { !alerts.isEmpty }

    package init(id: Int64, kind: NotificationKind, jobID: String?, alerts: [String], message: String?, createdAt: Date) {
        self.id = id
        self.kind = kind
        self.jobID = jobID
        self.alerts = alerts
        self.message = message
        self.createdAt = createdAt
    }
}

/// An event to record (its id is given by the store).
package struct NotificationEventDraft: Sendable, Hashable {
    package var kind: NotificationKind
    package var jobID: String?
    package var alerts: [String]
    package var message: String?
    package var createdAt: Date

    package init(kind: NotificationKind, jobID: String? = nil, alerts: [String] = [], message: String? = nil, createdAt: Date = Date()) {
        self.kind = kind
        self.jobID = jobID
        self.alerts = alerts
        self.message = message
        self.createdAt = createdAt
    }
}

/// Where one channel stands with one event (a row of `notification_deliveries`). An event a
/// channel owes and has no row for is pending with no attempt yet.
package struct NotificationDelivery: Sendable, Hashable {
    package enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// Failed at least once with a transient error; tried again at `nextAttemptAt`.
        case retrying
        /// Handed to the mail system / accepted by the webhook (2xx). Never sent again.
        case sent
        /// The channel does not want it (a routine batch on an alerts-only channel), or a
        /// digest carried it.
        case skipped
        /// Given up: a permanent error, or transient ones past the give-up age.
        /// `shopperd notify retry` puts it back in the queue.
        case failed
    }

    package var channel: String
    package var eventID: Int64
    package var state: State
    package var attempts: Int
    package var nextAttemptAt: Date?
    package var lastError: String?
    package var updatedAt: Date

    package init(channel: String, eventID: Int64, state: State, attempts: Int, nextAttemptAt: Date?, lastError: String?, updatedAt: Date) {
        self.channel = channel
        self.eventID = eventID
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.updatedAt = updatedAt
    }
}

/// The queue of one channel, for `shopperd notify status`.
package struct NotificationChannelStatus: Sendable, Hashable {
    package var channel: String
    /// Events owed and not yet delivered or given up (retrying ones included).
    package var pending: Int
    package var retrying: Int
    package var sent: Int
    package var skipped: Int
    package var failed: Int
    package var oldestPendingAt: Date?
    /// The latest error (of a retrying or failed delivery), if any.
    package var lastError: String?
    package var lastSentAt: Date?
    package var addedAt: Date
}
