import Foundation
import Testing
import ShopperTestSupport

/// `systemd/shopperd-mlflow.conf`, the drop-in that opens the hardened unit to an MLflow server,
/// checked with systemd's own tools on a copy of the unit plus the drop-in, installed side by side
/// as systemd would find them (`shopperd.service.d/mlflow.conf`). What the mirror really opens
/// (socket families, addresses) is checked against this drop-in by tests/mlflow, under strace,
/// against a real server.
@Suite struct MLflowDropInTests {
    static func unitWithDropIn(extra: String = "") throws -> TemporaryDirectory {
        let directory = try UnitFileTests.unitForVerification()
        let dropIn = try String(contentsOfFile: UnitFileTests.systemdDirectory + "/shopperd-mlflow.conf", encoding: .utf8)
        guard mkdir(directory.file("shopperd.service.d"), 0o755) == 0 else { throw TestFailure("mkdir: errno \(errno)") }
        try FileOps.write(directory.file("shopperd.service.d/mlflow.conf"), dropIn + extra)
        return directory
    }

    static func exposure(_ unit: String) async throws -> (score: Double, lines: [Substring]) {
        let result = try await Command.run("/usr/bin/systemd-analyze", ["security", "--offline=true", "--no-pager", unit])
        let lines = result.output.split(separator: "\n")
        let overall = try #require(lines.first { $0.contains("Overall exposure level for shopperd.service") })
        let score = try #require(overall.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) })
        return (score, lines)
    }

    @Test func verifyPrintsNothingForTheUnitWithTheDropIn() async throws {
        let directory = try Self.unitWithDropIn()
        let result = try await Command.run("/usr/bin/systemd-analyze", ["verify", directory.file("shopperd.service")])
        #expect(result.status == 0)
        #expect(result.output.isEmpty, "systemd-analyze verify complained:\n\(result.output)")
    }

    @Test func verifyReadsTheDropIn() async throws {
        // The check above is only worth something if the drop-in is read: a bad key in it is reported.
        let directory = try Self.unitWithDropIn(extra: "PrivateNetwrk=no\n")
        let result = try await Command.run("/usr/bin/systemd-analyze", ["verify", directory.file("shopperd.service")])
        #expect(result.output.contains("PrivateNetwrk"))
    }

    @Test func theDropInOpensOnlyTheNetworkAndStaysRatedOK() async throws {
        let plain = try UnitFileTests.unitForVerification()
        let opened = try Self.unitWithDropIn()
        let before = try await Self.exposure(plain.file("shopperd.service"))
        let after = try await Self.exposure(opened.file("shopperd.service"))
        // What the drop-in changes, and nothing else: the host's network, Internet sockets, and an
        // IP allow list (IPAddressDeny=any of the unit still applies to everything else).
        let changed = Set(after.lines.filter { $0.hasPrefix("✗") }.map { $0.split(separator: " ")[1] })
            .subtracting(before.lines.filter { $0.hasPrefix("✗") }.map { $0.split(separator: " ")[1] })
        #expect(changed == ["PrivateNetwork=", "RestrictAddressFamilies=~AF_(INET|INET6)", "IPAddressDeny="], "\(changed)")
        #expect(after.score > before.score && after.score <= 1.0, "exposure \(before.score) → \(after.score)")
    }
}
