// Benchmarks, run in release: `swift run -c release shopperd-bench <suite> [options]`.
// Each suite lives in its own file and prints the figures README quotes.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let suites: [String: @Sendable ([String]) async throws -> Void] = [
    "forest": forestSuite,
    "ingest": ingestSuite,
    "drift": { try await DriftBench.speed($0) },
    "drift-calibration": { try await DriftBench.calibration($0) },
    "daemon": daemonSuite,
    "load": loadSuite,
]

guard let name = arguments.first, let suite = suites[name] else {
    let known = suites.keys.sorted().joined(separator: ", ")
    FileHandle.standardError.write("usage: shopperd-bench <suite> [options]; suites: \(known)\n".data(using: .utf8)!)
    exit(2)
}
try await suite(Array(arguments.dropFirst()))
