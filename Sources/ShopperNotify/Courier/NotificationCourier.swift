import Foundation
import ShopperStore

/// Delivers the store's notification queue to each configured channel, in event order, each event
/// once: a crash between the hand-over and its record sends that one event again on the next start
/// (at least once; never lost). Webhooks carry an `Idempotency-Key` and mails a stable
/// `Message-ID`, so a receiver can recognise the repeat.
///
/// A transient failure (the MTA or the webhook down, a timeout, HTTP 429/5xx) holds the channel
/// at that event and retries on `NotificationSettings.retrySchedule`; the other channels go on.
/// A permanent one (an unknown recipient, HTTP 404, a missing sendmail) gives that event up at
/// once, as does a transient one older than `giveUpAfter`: no failure is retried forever.
package actor NotificationCourier {
    package let store: ShopperStore
    package let settings: NotificationSettings
    package nonisolated let events: AsyncStream<CourierEvent>
    private let eventSink: AsyncStream<CourierEvent>.Continuation
    /// A nudge came while no pass was waiting: the next wait returns at once.
    private var nudged = false
    private var wakeUp: CheckedContinuation<Void, Never>?
    private var passInProgress: Task<Date?, Never>?
    private let loader: NoticeLoader
    private let now: @Sendable () -> Date
    private let calendar: Calendar

    package init(store: ShopperStore, settings: NotificationSettings, host: String, outbox: String?,
                 calendar: Calendar = .current, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.settings = settings
        self.loader = NoticeLoader(store: store, host: host, outbox: outbox)
        self.now = now
        self.calendar = calendar
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1_000))
    }

    /// Registers the configured channels: one seen for the first time owes only what happens from now.
    package nonisolated func prepare() throws(StoreError) {
        try store.registerNotificationChannels(settings.channels.map(\.name), at: now())
    }

    /// Delivers until the calling task is cancelled: a pass, then a wait for `nudge()`, the next
    /// due retry or digest, or the poll interval.
    package func run() async {
        while !Task.isCancelled {
            let next = await deliverDue()
            if Task.isCancelled { break }
            var delay = settings.pollInterval
            if let next { delay = min(delay, .milliseconds(max(10, Int64(next.timeIntervalSince(now()) * 1_000)))) }
            await waitForNudge(upTo: delay)
        }
        eventSink.finish()
    }

    /// Ends `events` (for `run --once`, after its one pass).
    package nonisolated func finishEvents() {
        eventSink.finish()
    }

    /// Asks for a pass now (after a batch's commit). Cheap; never waits.
    package nonisolated func nudge() {
        Task { await self.wake(nudged: true) }
    }

    /// One pass over every channel; returns the earliest time a channel has something due again.
    /// Passes never overlap (the background loop and a last pass before a fatal exit would
    /// otherwise both send the event in flight): a call during a pass waits for that pass.
    @discardableResult
    package func deliverDue() async -> Date? {
        if let running = passInProgress { return await running.value }
        let pass = Task { await self.passOverChannels() }
        passInProgress = pass
        let next = await pass.value
        passInProgress = nil
        return next
    }

    private func passOverChannels() async -> Date? {
        var earliest: Date?
        for channel in settings.channels {
            if Task.isCancelled { break }
            if let next = await pass(channel) { earliest = min(earliest ?? next, next) }
        }
        return earliest
    }

    /// Waits until `nudge()`, `delay` passes, or the task is cancelled.
    private func waitForNudge(upTo delay: Duration) async {
        if nudged {
            nudged = false
            return
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.wake(nudged: false)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if Task.isCancelled { continuation.resume() } else { wakeUp = continuation }
            }
        } onCancel: {
            Task { await self.wake(nudged: false) }
        }
        timer.cancel()
        nudged = false
    }

    private func wake(nudged: Bool) {
        if nudged { self.nudged = true }
        wakeUp?.resume()
        wakeUp = nil
    }

    // MARK: - One channel

    private func pass(_ channel: NotificationChannel) async -> Date? {
        let backlog: [(event: NotificationEvent, delivery: NotificationDelivery?)]
        do { backlog = try store.notificationBacklog(channel: channel.name, limit: 500) } catch {
            eventSink.yield(.storeUnavailable(error: error.description))
            return now().addingTimeInterval(30)
        }
        if case .dailyDigest(let hour) = channel.policy { return await digest(backlog, channel: channel, hour: hour) }
        var skipped: [NotificationDelivery] = []
        defer { record(skipped) }
        for (event, delivery) in backlog {
            if Task.isCancelled { return nil }
            if channel.policy == .alerts, !event.isAlert, delivery == nil {
                skipped.append(NotificationDelivery(channel: channel.name, eventID: event.id, state: .skipped, attempts: 0,
                                                    nextAttemptAt: nil, lastError: nil, updatedAt: now()))
                continue
            }
            if let due = delivery?.nextAttemptAt, due > now() { return due }
            record(skipped)
            skipped = []
            if let retryAt = await attempt([event], head: event, previous: delivery, channel: channel) { return retryAt }
        }
        return nil
    }

    /// A digest channel: at its hour, everything that happened before it goes out as one message.
    private func digest(_ backlog: [(event: NotificationEvent, delivery: NotificationDelivery?)], channel: NotificationChannel, hour: Int) async -> Date? {
        let cutoff = Self.latest(hour: hour, before: now(), calendar: calendar)
        let nextCutoff = calendar.date(byAdding: .day, value: 1, to: cutoff) ?? cutoff.addingTimeInterval(86_400)
        let due = backlog.filter { $0.event.createdAt < cutoff }
        guard let head = due.first else { return backlog.isEmpty ? nil : nextCutoff }
        if let retryAt = head.delivery?.nextAttemptAt, retryAt > now() { return retryAt }
        if let retryAt = await attempt(due.map(\.event), head: head.event, previous: head.delivery, channel: channel) { return retryAt }
        return backlog.count > due.count ? nextCutoff : nil
    }

    /// The most recent `hour`:00 local time at or before `date`.
    static func latest(hour: Int, before date: Date, calendar: Calendar) -> Date {
        let today = calendar.date(bySettingHour: hour, minute: 0, second: 0, of: date) ?? date
        return today <= date ? today : (calendar.date(byAdding: .day, value: -1, to: today) ?? today.addingTimeInterval(-86_400))
    }

    /// Sends `events` (one, or a digest's) and records the outcome on each. Returns when to try
    /// again after a transient failure (the channel waits until then), nil otherwise.
    private func attempt(_ events: [NotificationEvent], head: NotificationEvent, previous: NotificationDelivery?,
                         channel: NotificationChannel) async -> Date? {
        let attempts = (previous?.attempts ?? 0) + 1
        let digest = events.count > 1 || channel.policy.isDigest
        let result: Result<Void, DeliveryError>
        do {
            let notices = try events.map { event throws(StoreError) in
                try loader.notice(for: event, driftPage: !digest && channel.isEmail)
            }
            result = await send(notices, digestID: digest ? head.id : nil, via: channel)
        } catch {
            eventSink.yield(.storeUnavailable(error: error.description))
            return now().addingTimeInterval(30)
        }
        let stamp = now()
        switch result {
        case .success:
            record(events.map { NotificationDelivery(channel: channel.name, eventID: $0.id, state: .sent, attempts: attempts,
                                                     nextAttemptAt: nil, lastError: nil, updatedAt: stamp) })
            eventSink.yield(.sent(channel: channel.name, eventIDs: events.map(\.id),
                                  kind: digest ? "digest" : head.kind.rawValue))
            return nil
        case .failure(let error):
            let expired = stamp.timeIntervalSince(head.createdAt) > settings.giveUpAfter.timeInterval
            if case .transient = error, !expired {
                let retryAt = stamp.addingTimeInterval(settings.retryDelay(afterAttempts: attempts).timeInterval)
                record([NotificationDelivery(channel: channel.name, eventID: head.id, state: .retrying, attempts: attempts,
                                             nextAttemptAt: retryAt, lastError: error.description, updatedAt: stamp)])
                eventSink.yield(.retrying(channel: channel.name, eventID: head.id, attempt: attempts, error: error.description,
                                          retryAt: retryAt))
                return retryAt
            }
            let reason = expired && !error.isPermanent
                ? "\(error.description) (still failing after \(Int(settings.giveUpAfter.timeInterval / 3_600)) h: given up)"
                : error.description
            record(events.map { NotificationDelivery(channel: channel.name, eventID: $0.id, state: .failed, attempts: attempts,
                                                     nextAttemptAt: nil, lastError: reason, updatedAt: stamp) })
            eventSink.yield(.failed(channel: channel.name, eventID: head.id, attempt: attempts, error: reason))
            return nil
        }
    }

    private func send(_ notices: [Notice], digestID: Int64?, via channel: NotificationChannel) async -> Result<Void, DeliveryError> {
        do throws(DeliveryError) {
            try await NoticeSender(timeout: settings.timeout).send(notices, digestID: digestID, date: now(), via: channel)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    private func record(_ deliveries: [NotificationDelivery]) {
        guard !deliveries.isEmpty else { return }
        do { try store.recordDeliveries(deliveries) } catch {
            eventSink.yield(.storeUnavailable(error: error.description))
        }
    }
}

extension SendPolicy {
    var isDigest: Bool {
        if case .dailyDigest = self { return true }
        return false
    }
}

extension DeliveryError {
    var isPermanent: Bool {
        if case .permanent = self { return true }
        return false
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
