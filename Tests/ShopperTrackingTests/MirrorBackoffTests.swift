import Foundation
import Testing
@testable import ShopperTracking

extension ShopperTrackingSuite {
    /// The background loop's pacing while the server is down.
    @Suite struct MirrorBackoffTests {
        /// The daemon nudges the mirror after every batch. While the server is down, those nudges
        /// must not cut the backoff short: a stream of batches would otherwise make the mirror try
        /// the dead server once per batch instead of 1 s, 2 s, 4 s… apart.
        @Test func nudgesDoNotCutABackoffShort() async throws {
            let fixture = try await TrackingFixture.standard()
            let server = InMemoryMLflow()
            server.isDown = true
            let settings = try MLflowSettings(trackingURI: "http://127.0.0.1:5000", pollInterval: .seconds(30),
                                              retryBase: .milliseconds(400), retryCap: .seconds(10))
            let mirror = MLflowMirror(store: fixture.store, settings: settings, transport: server)
            var events = mirror.events.makeAsyncIterator()
            let loop = Task { await mirror.run() }
            defer { loop.cancel() }
            guard case .fallingBehind? = await events.next() else {
                Issue.record("expected falling behind")
                return
            }
            // 1.3 s of batches, one every 20 ms: passes are due at +0.4 s and +1.2 s only (a pass
            // stops at its first refused request, so each pass is one request).
            let clock = ContinuousClock()
            let end = clock.now + .milliseconds(1_300)
            while clock.now < end {
                await mirror.nudge()
                try await Task.sleep(for: .milliseconds(20))
            }
            let attempts = server.requests.count
            #expect(attempts >= 2 && attempts <= 4, "\(attempts) attempts in 1.3 s of nudges with a 400 ms backoff base")

            // The nudges are not lost: once the server is back, the pass after the backoff sends everything.
            server.isDown = false
            guard case .caughtUp(let status)? = await events.next() else {
                Issue.record("expected caught up")
                return
            }
            #expect(status.pending.total == 0)
            loop.cancel()
            await loop.value
        }
    }
}
