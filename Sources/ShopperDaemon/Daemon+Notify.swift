import Foundation
import ShopperInbox
import ShopperIO
import ShopperNotify
import ShopperStore

/// The daemon's side of notifications: the courier, and the events only the daemon sees (a stuck
/// batch, a fatal error). A batch's own event is recorded by the pipeline, in the batch's transaction.
extension Daemon {
    /// The courier for the configured channels (nil: none), its channels registered.
    static func courier(_ settings: DaemonSettings, store: ShopperStore) throws -> NotificationCourier? {
        guard !settings.notify.isEmpty else { return nil }
        let courier = NotificationCourier(store: store, settings: settings.notify, host: HostName.current, outbox: settings.outbox)
        try courier.prepare()
        return courier
    }

    /// A batch ran past the stuck limit: recorded (the store's busy timeout bounds the wait) and
    /// sent in a task of its own, never on the health monitor's path.
    static func notifyStuck(batch: InboxFileName, running: Duration, limit: Duration, store: ShopperStore,
                            courier: NotificationCourier) {
        Task.detached {
            let message = "batch \(batch) has run \(running.components.seconds) s, past the stuck limit of \(limit.components.seconds) s; "
                + "systemd will restart shopperd when the watchdog expires"
            _ = try? store.recordNotificationEvent(NotificationEventDraft(kind: .stuck, alerts: ["stuck"], message: message))
            courier.nudge()
        }
    }

    /// The loop failed: record a fatal event and try once, for at most 10 s, to send it before the
    /// process exits. If the store itself is what failed, the event cannot be recorded: the journal
    /// still has `service-failed`.
    static func notifyFatal(_ error: any Error, store: ShopperStore, courier: NotificationCourier?) async {
        guard let courier else { return }
        let message = "shopperd stopped on an error: \(error)"
        guard (try? store.recordNotificationEvent(NotificationEventDraft(kind: .fatal, alerts: ["fatal"], message: message))) != nil else {
            return
        }
        await withTaskGroup(of: Void.self) { group in
            // Twice: a pass already in flight (the background loop's) began before the event.
            group.addTask {
                await courier.deliverDue()
                await courier.deliverDue()
            }
            group.addTask { try? await Task.sleep(for: .seconds(10)) }
            await group.next()
            group.cancelAll()
        }
    }

    /// `run --once`: one delivery pass before exiting; what fails stays queued for the next run.
    static func deliverOnce(_ courier: NotificationCourier, events: EventLog) async {
        let stream = courier.events
        let pass = Task { await courier.deliverDue() }
        _ = await pass.value
        courier.finishEvents()
        for await event in stream { events.log(journalEvent(event)) }
    }

    /// The journal event of what the courier did.
    static func journalEvent(_ event: CourierEvent) -> DaemonEvent {
        switch event {
        case let .sent(channel, ids, kind):
            .notificationSent(channel: channel, eventIDs: ids, kind: kind)
        case let .retrying(channel, id, attempt, error, retryAt):
            .notificationFailed(channel: channel, eventID: id, attempt: attempt, error: error,
                                retryIn: .milliseconds(Int64(max(0, retryAt.timeIntervalSinceNow) * 1_000)))
        case let .failed(channel, id, attempt, error):
            .notificationFailed(channel: channel, eventID: id, attempt: attempt, error: error, retryIn: nil)
        case let .storeUnavailable(error):
            .notificationFailed(channel: "*", eventID: nil, attempt: 0, error: "the notification queue cannot be read: \(error)",
                                retryIn: .seconds(30))
        }
    }
}
