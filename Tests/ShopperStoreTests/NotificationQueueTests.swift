import Foundation
import Testing
@testable import ShopperStore

/// The notification queue: events written in their cause's transaction, owed per channel from
/// when the channel was first configured, and each channel's progress.
@Suite struct NotificationQueueTests {
    static func draft(_ kind: NotificationKind = .batch, alerts: [String] = [], at seconds: Double = 1_700_000_000) -> NotificationEventDraft {
        NotificationEventDraft(kind: kind, alerts: alerts, message: "m", createdAt: Date(timeIntervalSince1970: seconds))
    }

    static func delivery(_ channel: String, _ id: Int64, _ state: NotificationDelivery.State, attempts: Int = 1,
                         next: Date? = nil, error: String? = nil) -> NotificationDelivery {
        NotificationDelivery(channel: channel, eventID: id, state: state, attempts: attempts, nextAttemptAt: next, lastError: error,
                             updatedAt: Date(timeIntervalSince1970: 1_700_000_100))
    }

    @Test func aChannelOwesOnlyTheEventsAfterItWasConfigured() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        let before = try store.recordNotificationEvent(Self.draft(alerts: ["drift"]))
        try store.registerNotificationChannels(["email", "webhook:ops"])
        let first = try store.recordNotificationEvent(Self.draft())
        let second = try store.recordNotificationEvent(Self.draft(.stuck, alerts: ["stuck"]))
        #expect(before < first && first < second)
        #expect(try store.notificationBacklog(channel: "email").map(\.event.id) == [first, second])
        // Registering again changes nothing; a new channel owes nothing of the past.
        try store.registerNotificationChannels(["email", "webhook:late"])
        #expect(try store.notificationBacklog(channel: "email").map(\.event.id) == [first, second])
        #expect(try store.notificationBacklog(channel: "webhook:late").isEmpty)
        #expect(try store.notificationBacklog(channel: "unknown").isEmpty)
        let event = try #require(try store.notificationBacklog(channel: "webhook:ops").last?.event)
        #expect(event.kind == .stuck && event.alerts == ["stuck"] && event.isAlert && event.message == "m")
        #expect(event.createdAt == Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func anEventIsRolledBackWithItsTransaction() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        try store.registerNotificationChannels(["email"])
        struct Boom: Error {}
        #expect(throws: StoreError.self) {
            try store.transaction { tx in
                try tx.recordNotificationEvent(Self.draft(alerts: ["drift"]))
                throw Boom()
            }
        }
        #expect(try store.notificationBacklog(channel: "email").isEmpty)
        #expect(try store.recentNotificationEvents(limit: 10).isEmpty)
    }

    @Test func deliveriesMoveEventsOutOfTheBacklogAndRetryPutsGivenUpOnesBack() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        try store.registerNotificationChannels(["email", "webhook:ops"])
        let ids = try (0..<4).map { n in try store.recordNotificationEvent(Self.draft(at: 1_700_000_000 + Double(n))) }
        let retryAt = Date(timeIntervalSince1970: 1_700_000_500)
        try store.recordDeliveries([
            Self.delivery("email", ids[0], .sent),
            Self.delivery("email", ids[1], .skipped, attempts: 0),
            Self.delivery("email", ids[2], .failed, attempts: 3, error: "sendmail exited with status 67"),
            Self.delivery("email", ids[3], .retrying, attempts: 2, next: retryAt, error: "sendmail exited with status 75"),
        ])
        let backlog = try store.notificationBacklog(channel: "email")
        #expect(backlog.map(\.event.id) == [ids[3]])
        #expect(backlog.first?.delivery?.state == .retrying && backlog.first?.delivery?.attempts == 2)
        #expect(backlog.first?.delivery?.nextAttemptAt == retryAt)
        // The other channel is untouched by email's progress.
        #expect(try store.notificationBacklog(channel: "webhook:ops").map(\.event.id) == ids)

        let status = try #require(try store.notificationStatus().first { $0.channel == "email" })
        #expect(status.pending == 1 && status.retrying == 1 && status.sent == 1 && status.skipped == 1 && status.failed == 1)
        #expect(status.oldestPendingAt == Date(timeIntervalSince1970: 1_700_000_003))
        #expect(status.lastError?.contains("status") == true)
        #expect(try store.notificationDeliveries(state: .failed).map(\.eventID) == [ids[2]])

        // An update of a delivery replaces it (upsert), and `retry` requeues the given-up one.
        try store.recordDeliveries([Self.delivery("email", ids[3], .sent, attempts: 3)])
        #expect(try store.requeueFailedNotifications(channel: "webhook:ops") == 0)
        #expect(try store.requeueFailedNotifications() == 1)
        #expect(try store.notificationBacklog(channel: "email").map(\.event.id) == [ids[2]])
        #expect(try store.notificationBacklog(channel: "email").first?.delivery == nil)
    }

    @Test func anOperatorsChampionChangeIsAnAlertEvent() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        for n in 1...2 { try store.registerModel(RegistryTests.draft(n)) }
        try store.promote(version: 1, reason: "first")
        try store.promote(version: 2, reason: "second")
        try store.promote(version: 1, to: .challenger, reason: "not the champion: no event")
        try store.rollback(reason: "v2 misbehaves")
        let events = try store.recentNotificationEvents(limit: 10)
        #expect(events.map(\.kind) == [.modelChange, .modelChange, .modelChange])
        #expect(events.map(\.alerts) == [["promotion"], ["promotion"], ["rollback"]])
        #expect(events.last?.message == "champion rollback: v2 → v1 (v2 misbehaves)")
    }
}
