import Foundation
import Testing

extension DaemonEndToEndTests {
    /// `shopperd status --inbox` counts as waiting exactly what the daemon would take: the inbox's
    /// one naming rule, not a rule of its own.
    @Suite struct StatusInboxTests {
        struct Status: Decodable {
            struct Inbox: Decodable, Equatable {
                var waiting: Int
                var claimed: Int
            }
            var inbox: Inbox?
        }

        @Test func uploadsInProgressAndHiddenNamesAreNotCountedAsWaiting() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            // Finished batches the daemon would claim…
            try workspace.write("Administrative\n", as: "ready.csv")
            try workspace.write("Administrative\n", as: "notes.txt")
            // …and what it leaves alone: uploads still in progress and hidden names.
            for name in ["upload.csv.tmp", "download.csv.part", ".incoming-x.csv", ".unreadable--1--y.csv"] {
                try workspace.write("Administrative\n", as: name)
            }
            let claimed = workspace.inbox + "/.shopperd/claimed"
            try FileManager.default.createDirectory(atPath: claimed, withIntermediateDirectories: true)
            try Data("Administrative\n".utf8).write(to: URL(fileURLWithPath: claimed + "/00000000000000000001.data"))
            try Data("a.csv".utf8).write(to: URL(fileURLWithPath: claimed + "/00000000000000000001.name"))

            let outcome = try await DaemonProcess.run(["status", "--state", workspace.state, "--inbox", workspace.inbox, "--format", "json"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let status = try JSONDecoder().decode(Status.self, from: Data(outcome.stdout.utf8))
            #expect(status.inbox == .init(waiting: 2, claimed: 1), "\(outcome.stdout)")
        }
    }
}
