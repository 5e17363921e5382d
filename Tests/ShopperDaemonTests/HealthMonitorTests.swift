import Testing
@testable import ShopperInbox
@testable import ShopperDaemon

/// The health verdicts and status lines, at exact instants (no sleeping): the logic the watchdog
/// relies on. The ping loop itself is tested on a real process in `NotifyProtocolTests`.
@Suite struct HealthMonitorTests {
    let start = ContinuousClock.now
    let batch = InboxFileName("sessions-0423.csv")!

    func monitor(stuck: Duration = .seconds(300), silence: Duration? = nil) -> HealthMonitor {
        // NOTIFY_SOCKET is unset in the test process, so STATUS= publishing is a no-op here.
        HealthMonitor(policy: HealthPolicy(stuckLimit: stuck, silenceLimit: silence),
                      notifier: SystemdNotifier(), events: nil, now: start)
    }

    @Test func aBatchWithinTheLimitIsHealthyAndOneBeyondItIsStuck() async {
        let monitor = monitor()
        await monitor.started(at: start)
        await monitor.batchStarted(batch, at: start + .seconds(10))
        #expect(await monitor.health(at: start + .seconds(10) + .seconds(300)) == .healthy)
        let later = start + .seconds(10) + .seconds(300) + .milliseconds(1)
        #expect(await monitor.health(at: later) == .stuck(batch: batch, running: .seconds(300) + .milliseconds(1)))
        #expect(await monitor.statusLine(at: later).hasPrefix("STUCK: batch sessions-0423.csv over the 300 s limit"))
    }

    @Test func finishingTheBatchMakesTheDaemonHealthyAgain() async {
        let monitor = monitor(stuck: .seconds(1))
        await monitor.batchStarted(batch, at: start)
        #expect(await monitor.check(at: start + .seconds(2)) != .healthy)
        await monitor.batchFinished(batch, at: start + .seconds(3))
        #expect(await monitor.check(at: start + .seconds(4)) == .healthy)
        #expect(await monitor.batchInFlight == nil)
    }

    @Test func idleIsHealthyForeverWithoutASilenceLimit() async {
        let monitor = monitor()
        await monitor.started(at: start)
        #expect(await monitor.health(at: start + .seconds(86_400)) == .healthy)
    }

    @Test func idleWithoutHeartbeatsPastTheSilenceLimitIsUnhealthy() async {
        let monitor = monitor(silence: .seconds(30))
        await monitor.started(at: start)
        await monitor.heartbeat(at: start + .seconds(20))
        #expect(await monitor.health(at: start + .seconds(50)) == .healthy)
        #expect(await monitor.health(at: start + .seconds(51)) == .silent(for: .seconds(31)))
        await monitor.heartbeat(at: start + .seconds(52))
        #expect(await monitor.health(at: start + .seconds(53)) == .healthy)
    }

    @Test func theStatusLineFollowsBatchesChampionAndDrift() async {
        let monitor = monitor()
        #expect(await monitor.statusLine(at: start) == "starting · no champion yet · 0 batches")
        await monitor.started(at: start)
        await monitor.championChanged(to: "v3", at: start)
        #expect(await monitor.statusLine(at: start) == "idle · champion v3 · 0 batches")
        await monitor.batchStarted(batch, at: start)
        #expect(await monitor.statusLine(at: start) == "processing sessions-0423.csv · champion v3 · 0 batches")
        await monitor.driftDetected(at: ClockTime(hour: 10, minute: 42), now: start)
        await monitor.batchFinished(batch, at: start + .seconds(1))
        #expect(await monitor.statusLine(at: start + .seconds(1)) == "idle · champion v3 · 1 batch · last drift 10:42")
        await monitor.setNote("waiting for labelled data", at: start + .seconds(1))
        await monitor.stoppingBegan(at: start + .seconds(1))
        #expect(await monitor.statusLine(at: start + .seconds(2))
            == "stopping · champion v3 · 1 batch · last drift 10:42 · waiting for labelled data")
    }

    @Test func statusLinesNameHostileBatchNamesOnOneLine() async {
        let monitor = monitor()
        let hostile = InboxFileName(bytes: Array("a\nb ".utf8) + [0xFF])!
        await monitor.batchStarted(hostile, at: start)
        let line = await monitor.statusLine(at: start)
        #expect(line == "processing a\\nb \\xff · no champion yet · 0 batches")
    }
}
