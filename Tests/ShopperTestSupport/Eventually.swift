/// Polls `condition` every few milliseconds until it holds or `timeout` passes: the tests wait for
/// asynchronous effects (inotify, journald, a child process) this way, never with fixed sleeps. The
/// default timeout is generous because the machine running the suite may be loaded; a passing
/// condition returns at once.
package func eventually(
    timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(10),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
