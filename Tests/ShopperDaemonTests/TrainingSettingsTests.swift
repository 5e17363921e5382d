import Foundation
import ShopperDaemon
import Testing

/// `training.threads`, `training.background-seconds` and `training.yield-above`: how the daemon's trainings share the CPU.
@Suite struct TrainingSettingsTests {
    static func settings(_ values: [String: String]) throws(ConfigurationError) -> DaemonSettings {
        try DaemonConfiguration.load(commandLine: DaemonConfiguration.commandLine(values), configFile: nil, environment: [:])
    }

    @Test func defaultsAreOneThreadPerCoreInTheBackgroundForTwoMinutes() throws {
        let pipeline = try Self.settings([:]).pipeline
        #expect(pipeline.trainingWorkers == ProcessInfo.processInfo.activeProcessorCount)
        #expect(pipeline.trainingBackground == .seconds(120))
        #expect(pipeline.trainingYieldAbove == 100)
    }

    @Test func theServingRateTrainingsYieldToIsSettableAndZeroMeansNever() throws {
        #expect(try Self.settings(["training.yield-above": "2500"]).pipeline.trainingYieldAbove == 2500)
        #expect(try Self.settings(["training.yield-above": "0"]).pipeline.trainingYieldAbove == nil)
    }

    @Test func threadsAndTheBackgroundLimitAreSettable() throws {
        let pipeline = try Self.settings(["training.threads": "1", "training.background-seconds": "2.5"]).pipeline
        #expect(pipeline.trainingWorkers == 1)
        #expect(pipeline.trainingBackground == .milliseconds(2500))
        #expect(try Self.settings(["training.background-seconds": "0"]).pipeline.trainingBackground == nil)
    }

    @Test func impossibleValuesAreRefusedNamingTheKey() {
        for (key, value) in [("training.threads", "0"), ("training.threads", "two"), ("training.background-seconds", "-1"),
                             ("training.background-seconds", "soon"), ("training.yield-above", "-1"), ("training.yield-above", "busy")] {
            #expect(throws: ConfigurationError.self, "\(key)=\(value)") { try Self.settings([key: value]) }
            do {
                _ = try Self.settings([key: value])
            } catch {
                #expect(String(describing: error).contains(key), "\(error)")
            }
        }
    }
}
