import Foundation
import ShopperStore
import Testing

/// `ServingActivity`, the count of scoring requests `shopperd serve` keeps in the state directory,
/// and `ServingLoad`, the daemon's reading of it. Two mappings of one file in one process stand
/// for the two processes here; `ServeEndToEndTests` has the real server keep the count.
@Suite struct ServingActivityTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("serving-activity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aServerCountsAndAReaderSeesItThroughTheFile() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(ServingActivity.forReading(in: directory) == nil, "no server yet: nothing to read")
        let server = try ServingActivity.forServing(in: directory)
        let path = directory.appendingPathComponent(ServingActivity.fileName).path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(attributes[.size] as? NSNumber == 8)
        let reader = try #require(ServingActivity.forReading(in: directory))
        #expect(reader.answered == 0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<10_000 { server.add() }
        }
        #expect(reader.answered == 40_000)
        // A restarted server goes on from the count it finds.
        let restarted = try ServingActivity.forServing(in: directory)
        restarted.add(5)
        #expect(reader.answered == 40_005)
        #expect(server.answered == 40_005)
    }

    @Test func aShortFileIsNotReadAndAServerMakesItWhole() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(ServingActivity.fileName).path
        #expect(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3])))
        #expect(ServingActivity.forReading(in: directory) == nil)
        let server = try ServingActivity.forServing(in: directory)
        server.add()
        #expect(try #require(ServingActivity.forReading(in: directory)).answered == server.answered)
    }

    @Test func aStateDirectoryThatCannotHoldTheCountIsAnErrorNamingThePath() {
        let missing = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)")
        #expect {
            _ = try ServingActivity.forServing(in: missing)
        } throws: { error in
            String(describing: error).contains(missing.path)
        }
    }

    /// Readings here may be seconds apart on a loaded machine: the file is looked for every 100 ms
    /// and no reading is stale within a minute, so the rates below depend on no sleep's length.
    static func load(_ directory: URL) -> ServingLoad {
        ServingLoad(directory: directory, window: .milliseconds(50), recheck: .milliseconds(100), staleAfter: .seconds(60))
    }

    @Test func theLoadIsTheRateOverAWindow() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let load = Self.load(directory)
        #expect(load.rate() == 0 && !load.isBusy(threshold: 1), "no server: never busy")
        let server = try ServingActivity.forServing(in: directory)
        // The file is looked for again only after `recheck`.
        try await Task.sleep(for: .milliseconds(150))
        let windowStart = ContinuousClock.now
        #expect(load.rate() == 0, "found now; no window measured yet")
        server.add(1_000)
        try await Task.sleep(for: .milliseconds(60))
        let busy = load.rate()
        let windowLongest = ContinuousClock.now - windowStart
        // 1,000 requests in one window of at least 50 ms and at most `windowLongest`.
        let seconds = Double(windowLongest.components.seconds) + Double(windowLongest.components.attoseconds) * 1e-18
        #expect(busy <= 1_000 / 0.05, "\(busy)")
        #expect(busy >= 1_000 / seconds * 0.999, "\(busy) over at most \(windowLongest)")
        // Quiet for a window: not busy.
        try await Task.sleep(for: .milliseconds(60))
        #expect(load.rate() == 0)
        #expect(!load.isBusy(threshold: 1))
    }

    @Test func aReadingLongAfterTheLastStartsANewWindow() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServingActivity.forServing(in: directory)
        let load = ServingLoad(directory: directory, window: .milliseconds(10), recheck: .seconds(60), staleAfter: .milliseconds(100))
        #expect(load.rate() == 0)  // found: the first window starts
        server.add(1_000)
        try await Task.sleep(for: .milliseconds(300))
        // The 1,000 requests are older than `staleAfter`: they say nothing of now.
        #expect(load.rate() == 0)
    }

    @Test func aCountFileMadeAgainAfterItWasRemovedIsFollowed() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try ServingActivity.forServing(in: directory)
        let load = Self.load(directory)
        #expect(load.rate() == 0)  // found; the first window starts
        try FileManager.default.removeItem(at: directory.appendingPathComponent(ServingActivity.fileName))
        #expect(!first.isCurrent(in: directory))
        let second = try ServingActivity.forServing(in: directory)
        #expect(second.isCurrent(in: directory) && second.answered == 0)
        // After `recheck` the load notices the old mapping is gone, then maps the new file.
        try await Task.sleep(for: .milliseconds(150))
        #expect(load.rate() == 0, "the old file was dropped")
        #expect(load.rate() == 0, "the new file is found")
        second.add(1_000)
        try await Task.sleep(for: .milliseconds(60))
        #expect(load.rate() > 0, "the count of the new file is read")
        first.add(1_000_000)  // the removed file's count: read no more
        try await Task.sleep(for: .milliseconds(60))
        #expect(load.rate() == 0)
    }
}
