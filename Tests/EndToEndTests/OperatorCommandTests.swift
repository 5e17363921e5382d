import Foundation
import ShopperStore
import Testing
import ShopperTestSupport

extension DaemonEndToEndTests {
    /// Operator commands on the real binary: reading never creates state, a promotion that changes
    /// nothing records nothing, an installed `demo` finds its data.
    @Suite struct OperatorCommandTests {
        /// Every command that only reads, given a mistyped `--state`: exit 66 naming the path, and
        /// no directory or store left behind (before: an empty store, and `status` then said
        /// "0 versions").
        @Test func readOnlyCommandsWithAMistypedStateCreateNothing() async throws {
            let scratch = try TemporaryDirectory("shopperd-e2e")
            let batch = try scratch.write("batch.csv", DaemonBatches.stationary(part: 0))
            let typo = scratch.file("stat")  // meant ./state
            let commands: [[String]] = [
                ["versions"], ["show", "--layer", "bronze"], ["mlflow", "status"], ["status"], ["history"], ["performance"],
                ["models", "list"], ["models", "show", "1"], ["models", "history"],
                ["models", "export", "1", "--out", scratch.file("model.json")],
                ["drift", "--reference", "1", "--current", "2"], ["score", batch], ["serve", "--listen", "127.0.0.1:0"],
            ]
            for command in commands {
                let outcome = try await DaemonProcess.run(command + ["--state", typo])
                #expect(outcome.status == 66, "\(command): \(outcome.stdout) \(outcome.stderr)")
                #expect(outcome.stderr.contains("no store at \(typo)/\(ShopperStore.fileName): nothing was created"),
                        "\(command): \(outcome.stderr)")
                #expect(!FileManager.default.fileExists(atPath: typo), "\(command) created \(typo)")
            }
        }

        @Test func promotingTheChampionAgainChangesAndRecordsNothing() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let before = try await workspace.aliasHistory()
            let again = try await DaemonProcess.run(["models", "promote", "1", "--state", workspace.state])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("champion is already version 1: nothing changed"), "\(again.stdout)")
            #expect(!again.stdout.contains("1 → 1"))
            let json = try await DaemonProcess.run(["models", "promote", "champion", "--state", workspace.state, "--format", "json"])
            #expect(json.status == 0)
            #expect(json.stdout.contains(#""changed" : false"#), "\(json.stdout)")
            #expect(try await workspace.aliasHistory().count == before.count)
        }

        /// Installed as docs/systemd.md says (PREFIX/bin/shopperd, the data in
        /// PREFIX/share/shopperd/), `shopperd demo` run from anywhere finds the data set.
        @Test func anInstalledDemoFindsItsDataNextToTheBinary() async throws {
            let prefix = try TemporaryDirectory("shopperd-e2e")
            try FileManager.default.createDirectory(atPath: prefix.file("bin"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: prefix.file("share/shopperd"), withIntermediateDirectories: true)
            let binary = prefix.file("bin/shopperd")
            try FileManager.default.copyItem(atPath: ShopperdBinary.url.path, toPath: binary)
            let elsewhere = try TemporaryDirectory("shopperd-e2e")  // not the package directory
            // A non-empty --work stops the demo right after it has found and read the data.
            try FileManager.default.createDirectory(atPath: elsewhere.file("work"), withIntermediateDirectories: true)
            _ = try elsewhere.write("work/taken", "")

            let missing = try ShopperdBinary.run(["demo", "--work", elsewhere.file("work")], executable: binary, in: elsewhere.url)
            #expect(missing.status == 66, "\(missing.stderr)")
            #expect(missing.stderr.contains("\(prefix.file("share/shopperd"))/online_shoppers_intention.csv"), "\(missing.stderr)")
            #expect(missing.stderr.contains("install it with the binary"), "\(missing.stderr)")

            try FileManager.default.copyItem(atPath: IngestEndToEndTests.bundled,
                                             toPath: prefix.file("share/shopperd/online_shoppers_intention.csv"))
            let found = try ShopperdBinary.run(["demo", "--work", elsewhere.file("work")], executable: binary, in: elsewhere.url)
            #expect(found.stderr.contains("is not empty"), "the data was found and read, then the demo stopped at --work: \(found.stderr)")
            #expect(!found.stderr.contains("not found"), "\(found.stderr)")
        }
    }
}
