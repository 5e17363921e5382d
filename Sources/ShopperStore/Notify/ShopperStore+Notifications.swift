import Foundation
import GRDB

/// The notification queue (migration `v6 notification queue`).
///
/// Events are written where their cause is: a batch's event in the batch's own transaction (with
/// its job), an alias change by an operator in the alias change's transaction. Channels (the
/// e-mail recipients, each webhook) are delivered to by the daemon's courier, each in event order,
/// and record their progress per event. A channel owes every event after the one that was last
/// when the channel was first configured.
extension StoreTransaction {
    /// Records an event; returns its id.
    @discardableResult
    package func recordNotificationEvent(_ draft: NotificationEventDraft) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO notification_events (kind, job_id, alerts, message, created_at) VALUES (?, ?, ?, ?, ?)
            """, arguments: [draft.kind.rawValue, draft.jobID, draft.alerts.joined(separator: ","), draft.message,
                             draft.createdAt.timeIntervalSince1970])
        return db.lastInsertedRowID
    }
}

extension ShopperStore {
    /// Records an event in a transaction of its own (a stuck batch, a fatal error, a test).
    @discardableResult
    package func recordNotificationEvent(_ draft: NotificationEventDraft) throws(StoreError) -> Int64 {
        try transaction { tx in try tx.recordNotificationEvent(draft) }
    }

    /// Makes sure each channel is known; a channel seen for the first time owes only the events
    /// recorded from now on.
    package func registerNotificationChannels(_ channels: [String], at date: Date = Date()) throws(StoreError) {
        try write { db in
            let last = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM notification_events") ?? 0
            for channel in channels {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO notification_channels (channel, first_event_id, added_at) VALUES (?, ?, ?)
                    """, arguments: [channel, last, date.timeIntervalSince1970])
            }
        }
    }

    /// The events `channel` owes and has neither delivered, skipped nor given up, oldest first,
    /// each with its delivery so far (nil: never tried).
    package func notificationBacklog(channel: String, limit: Int = 1_000) throws(StoreError) -> [(event: NotificationEvent, delivery: NotificationDelivery?)] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT e.id, e.kind, e.job_id, e.alerts, e.message, e.created_at,
                       d.state, d.attempts, d.next_attempt_at, d.last_error, d.updated_at
                FROM notification_events e
                JOIN notification_channels c ON c.channel = ?
                LEFT JOIN notification_deliveries d ON d.channel = c.channel AND d.event_id = e.id
                WHERE e.id > c.first_event_id AND (d.state IS NULL OR d.state = 'retrying')
                ORDER BY e.id LIMIT ?
                """, arguments: [channel, limit])
            return rows.map { row in
                let event = Self.event(row)
                let state: String? = row["state"]
                return (event, state == nil ? nil : Self.delivery(row, channel: channel, eventID: event.id))
            }
        }
    }

    /// Records where deliveries stand (one transaction for all).
    package func recordDeliveries(_ deliveries: [NotificationDelivery]) throws(StoreError) {
        guard !deliveries.isEmpty else { return }
        try write { db in
            for d in deliveries {
                try db.execute(sql: """
                    INSERT INTO notification_deliveries (channel, event_id, state, attempts, next_attempt_at, last_error, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (channel, event_id) DO UPDATE SET state = excluded.state, attempts = excluded.attempts,
                        next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error, updated_at = excluded.updated_at
                    """, arguments: [d.channel, d.eventID, d.state.rawValue, d.attempts, d.nextAttemptAt?.timeIntervalSince1970,
                                     d.lastError, d.updatedAt.timeIntervalSince1970])
            }
        }
    }

    /// The events with these ids (for the messages about them).
    package func notificationEvents(ids: [Int64]) throws(StoreError) -> [NotificationEvent] {
        guard !ids.isEmpty else { return [] }
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, kind, job_id, alerts, message, created_at FROM notification_events
                WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ","))) ORDER BY id
                """, arguments: StatementArguments(ids)).map(Self.event)
        }
    }

    /// The latest events (newest last), for `shopperd notify status`.
    package func recentNotificationEvents(limit: Int) throws(StoreError) -> [NotificationEvent] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM (SELECT id, kind, job_id, alerts, message, created_at FROM notification_events
                ORDER BY id DESC LIMIT ?) ORDER BY id
                """, arguments: [limit]).map(Self.event)
        }
    }

    /// How many events were ever recorded.
    package func notificationEventCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification_events") ?? 0 }
    }

    /// Every channel's deliveries of one state (e.g. the given-up ones), oldest event first.
    package func notificationDeliveries(state: NotificationDelivery.State, channel: String? = nil) throws(StoreError) -> [NotificationDelivery] {
        try read { db in
            var sql = """
                SELECT channel, event_id, state, attempts, next_attempt_at, last_error, updated_at
                FROM notification_deliveries WHERE state = ?
                """
            var arguments: [(any DatabaseValueConvertible)?] = [state.rawValue]
            if let channel {
                sql += " AND channel = ?"
                arguments.append(channel)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY event_id, channel", arguments: StatementArguments(arguments)).map { row in
                Self.delivery(row, channel: row["channel"], eventID: row["event_id"])
            }
        }
    }

    /// Every known channel's queue.
    package func notificationStatus() throws(StoreError) -> [NotificationChannelStatus] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.channel, c.added_at,
                    (SELECT COUNT(*) FROM notification_events e
                        LEFT JOIN notification_deliveries d ON d.channel = c.channel AND d.event_id = e.id
                        WHERE e.id > c.first_event_id AND (d.state IS NULL OR d.state = 'retrying')) AS pending,
                    (SELECT MIN(e.created_at) FROM notification_events e
                        LEFT JOIN notification_deliveries d ON d.channel = c.channel AND d.event_id = e.id
                        WHERE e.id > c.first_event_id AND (d.state IS NULL OR d.state = 'retrying')) AS oldest_pending,
                    (SELECT COUNT(*) FROM notification_deliveries d WHERE d.channel = c.channel AND d.state = 'retrying') AS retrying,
                    (SELECT COUNT(*) FROM notification_deliveries d WHERE d.channel = c.channel AND d.state = 'sent') AS sent,
                    (SELECT COUNT(*) FROM notification_deliveries d WHERE d.channel = c.channel AND d.state = 'skipped') AS skipped,
                    (SELECT COUNT(*) FROM notification_deliveries d WHERE d.channel = c.channel AND d.state = 'failed') AS failed,
                    (SELECT MAX(d.updated_at) FROM notification_deliveries d WHERE d.channel = c.channel AND d.state = 'sent') AS last_sent,
                    (SELECT d.last_error FROM notification_deliveries d WHERE d.channel = c.channel AND d.last_error IS NOT NULL
                        AND d.state IN ('retrying', 'failed') ORDER BY d.updated_at DESC LIMIT 1) AS last_error
                FROM notification_channels c ORDER BY c.channel
                """).map { row in
                let oldest: Double? = row["oldest_pending"]
                let lastSent: Double? = row["last_sent"]
                return NotificationChannelStatus(
                    channel: row["channel"], pending: row["pending"], retrying: row["retrying"], sent: row["sent"],
                    skipped: row["skipped"], failed: row["failed"], oldestPendingAt: oldest.map { Date(timeIntervalSince1970: $0) },
                    lastError: row["last_error"], lastSentAt: lastSent.map { Date(timeIntervalSince1970: $0) },
                    addedAt: Date(timeIntervalSince1970: row["added_at"]))
            }
        }
    }

    /// Puts given-up deliveries (of one channel, or all) back in the queue; returns how many.
    @discardableResult
    package func requeueFailedNotifications(channel: String? = nil) throws(StoreError) -> Int {
        try write { db in
            if let channel {
                try db.execute(sql: "DELETE FROM notification_deliveries WHERE state = 'failed' AND channel = ?", arguments: [channel])
            } else {
                try db.execute(sql: "DELETE FROM notification_deliveries WHERE state = 'failed'")
            }
            return db.changesCount
        }
    }

    /// A `notification_deliveries` row (its columns `state`, `attempts`, `next_attempt_at`,
    /// `last_error`, `updated_at`). The CHECK constraint admits only the four states.
    private static func delivery(_ row: Row, channel: String, eventID: Int64) -> NotificationDelivery {
        let next: Double? = row["next_attempt_at"]
        return NotificationDelivery(
            channel: channel, eventID: eventID, state: NotificationDelivery.State(rawValue: row["state"]) ?? .failed,
            attempts: row["attempts"], nextAttemptAt: next.map { Date(timeIntervalSince1970: $0) },
            lastError: row["last_error"], updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }

    private static func event(_ row: Row) -> NotificationEvent {
        let alerts: String = row["alerts"]
        return NotificationEvent(
            id: row["id"], kind: NotificationKind(rawValue: row["kind"]) ?? .batch, jobID: row["job_id"],
            alerts: alerts.split(separator: ",").map(String.init), message: row["message"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}
