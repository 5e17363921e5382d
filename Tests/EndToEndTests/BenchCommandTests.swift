import Foundation
import Testing
import ShopperTestSupport

/// `shopperd-bench`'s command line (swift-argument-parser): help for every suite, and a message,
/// not a crash with a backtrace, for a missing data file or a bad option. (Before: `--help` and a
/// missing file ended in "Fatal error: Error raised at top level" and a backtrace.)
@Suite struct BenchCommandTests {
    static let bench = ShopperdBinary.url.deletingLastPathComponent().appendingPathComponent("shopperd-bench").path

    @Test func helpListsEverySuiteAndEachSuiteHasItsOwn() throws {
        let help = try ShopperdBinary.run(["--help"], executable: Self.bench)
        #expect(help.status == 0, "\(help.stderr)")
        for suite in ["forest", "ingest", "drift", "drift-calibration", "daemon", "load"] {
            #expect(help.stdout.contains("  \(suite) "), "\(suite) missing from \(help.stdout)")
            let own = try ShopperdBinary.run([suite, "--help"], executable: Self.bench)
            #expect(own.status == 0 && own.stdout.contains("--data <FILE>"), "\(suite): \(own.stdout) \(own.stderr)")
        }
    }

    @Test func aMissingDataFileOrABadOptionIsAMessage() throws {
        let scratch = try TemporaryDirectory("shopperd-e2e")
        for suite in ["forest", "ingest", "drift", "drift-calibration", "daemon", "load"] {
            let missing = try ShopperdBinary.run([suite, "--data", scratch.file("nope.csv")], executable: Self.bench, in: scratch.url)
            #expect(missing.status == 64, "\(suite): \(missing.stderr)")
            #expect(missing.stderr.contains("no readable data file at \(scratch.file("nope.csv"))"), "\(suite): \(missing.stderr)")
            #expect(!missing.stderr.contains("Fatal error") && !missing.stderr.contains("backtrace"), "\(suite): \(missing.stderr)")
        }
        let bad = try ShopperdBinary.run(["ingest", "--rows", "lots", "--data", IngestEndToEndTests.bundled], executable: Self.bench)
        #expect(bad.status == 64 && bad.stderr.contains("--rows"), "\(bad.stderr)")
        let unknown = try ShopperdBinary.run(["warp"], executable: Self.bench)
        #expect(unknown.status == 64 && !unknown.stderr.contains("Fatal error"), "\(unknown.stderr)")
    }
}
