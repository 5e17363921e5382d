// shopperd-mlflow-fixture: puts real registry entries and jobs into a store, for the MLflow mirror's
// tests (Tests/ShopperTrackingTests and tests/mlflow). It does with the library what `shopperd
// train`, `shopperd models promote|rollback` and the daemon's batch jobs do, until those commands
// exist on main: the models are trained by ShopperML's Trainer on the store's labelled rows, the
// drift reports come from ShopperDrift's DriftDetector, and everything is written through
// ShopperStore's own API.
//
//   shopperd-mlflow-fixture train --state DIR --through V [--from V] [--trees N] [--seed S] [--code-version X]
//   shopperd-mlflow-fixture promote --state DIR --version V [--alias champion|challenger] [--reason TEXT]
//   shopperd-mlflow-fixture rollback --state DIR [--alias A] [--reason TEXT]
//   shopperd-mlflow-fixture remove-alias --state DIR --alias A [--reason TEXT]
//   shopperd-mlflow-fixture job --state DIR --id ID --batch V --model M [--decision D]
//
// Each prints one line of JSON describing what it wrote; exit status 1 with a message on error.
import Foundation
import ShopperCore
import ShopperDrift
import ShopperML
import ShopperStore

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

struct Arguments {
    var command: String
    var options: [String: String]

    init(_ argv: [String]) throws {
        guard argv.count >= 2 else { throw FixtureError(description: "usage: shopperd-mlflow-fixture COMMAND --option value…") }
        command = argv[1]
        options = [:]
        var i = 2
        while i < argv.count {
            let name = argv[i]
            guard name.hasPrefix("--"), i + 1 < argv.count else { throw FixtureError(description: "expected --option value at \(name)") }
            options[String(name.dropFirst(2))] = argv[i + 1]
            i += 2
        }
    }

    func string(_ name: String, default value: String? = nil) throws -> String {
        guard let found = options[name] ?? value else { throw FixtureError(description: "--\(name) is required") }
        return found
    }

    func int(_ name: String, default value: Int? = nil) throws -> Int {
        guard let text = options[name] else {
            guard let value else { throw FixtureError(description: "--\(name) is required") }
            return value
        }
        guard let number = Int(text) else { throw FixtureError(description: "--\(name) must be an integer") }
        return number
    }

    func alias() throws -> ModelAlias {
        guard let alias = ModelAlias(rawValue: try string("alias", default: "champion")) else {
            throw FixtureError(description: "--alias is champion or challenger")
        }
        return alias
    }
}

func json(_ object: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

func encoded(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    return try encoder.encode(value)
}

/// Trains on the labelled rows of versions from…through and registers the model.
func train(_ arguments: Arguments, store: ShopperStore) async throws -> String {
    let through = try arguments.int("through")
    let from = try arguments.int("from", default: 1)
    let seed = UInt64(try arguments.int("seed", default: 42))
    let codeVersion = try arguments.string("code-version", default: "0.1.0-fixture")
    let sessions = try store.labelledSessions(fromVersion: from, throughVersion: through).map(\.session)
    let features = FeatureSet.inputs
    // Small but real: a short grid and few trees, so a debug build trains in seconds.
    let configuration = TrainingConfiguration(
        treeCount: try arguments.int("trees", default: 24), seed: seed, classWeight: .balanced, targetRecall: 0.8,
        grid: TuningGrid(maxDepth: [nil], minSamplesLeaf: [5, 20], maxFeatures: [.sqrt]), holdoutFraction: 0.2,
        permutationRepeats: 2)
    let model = try await Trainer(configuration: configuration, workers: 2).train(
        features.matrix(for: sessions), labels: try FeatureSet.labels(for: sessions),
        provenance: Provenance(storeVersion: through, codeVersion: codeVersion, trainedAt: Date()))
    let metadata = model.metadata
    let draft = ModelDraft(
        params: try encoded(model.parameters),
        metrics: try encoded(ModelMetadata(provenance: metadata.provenance, thresholdChoice: metadata.thresholdChoice,
                                           holdout: metadata.holdout, outOfBag: metadata.outOfBag, tuning: metadata.tuning)),
        importances: try encoded(metadata.importances),
        trainingStoreVersion: through, trainingFromVersion: from == 1 ? nil : from, trainingRowCount: sessions.count,
        seed: seed, codeVersion: codeVersion, modelFile: try ModelFile.encode(model))
    let record = try store.registerModel(draft)
    return try json(["model_version": record.version, "training_rows": sessions.count, "sha256": record.modelSHA256])
}

/// Checks batch V against model M's training rows and records the job, as the daemon does.
func job(_ arguments: Arguments, store: ShopperStore) throws -> String {
    let id = try arguments.string("id")
    let batch = try arguments.int("batch")
    let modelVersion = try arguments.int("model")
    let decision = try arguments.string("decision", default: "score")
    let model = try store.model(version: modelVersion)
    let reference = DriftReference(sessions: try store.labelledSessions(
        fromVersion: model.trainingFromVersion ?? 1, throughVersion: model.trainingStoreVersion).map(\.session))
    let current = try store.sessions(fromVersion: batch, throughVersion: batch).map(\.session)
    let report = try DriftDetector().check(current, against: reference)
    let driftJSON = try encoded(report)
    let outbox: [String: Any] = [
        "job": id, "batch_version": batch, "model_version": modelVersion, "rows": current.count, "decision": decision,
        "critical_drift": report.criticalDrift,
    ]
    let record = JobRecord(
        id: id, inputName: Array("batch-\(id).csv".utf8), outboxStem: "batch-\(id)", outcome: .scored, decision: decision,
        batchVersion: batch, modelVersion: modelVersion, rowCount: current.count, driftReport: driftJSON,
        report: try JSONSerialization.data(withJSONObject: outbox, options: [.sortedKeys]), processedAt: Date())
    try store.transaction { try $0.recordJob(record) }
    return try json(["job": id, "critical_drift": report.criticalDrift, "reference_rows": report.referenceRows,
                     "current_rows": report.currentRows])
}

func change(_ change: AliasChange) throws -> String {
    try json(["alias": change.alias.rawValue, "action": change.action.rawValue,
              "from_version": change.fromVersion as Any? ?? NSNull(), "to_version": change.toVersion as Any? ?? NSNull()])
}

func main() async -> Int32 {
    do {
        let arguments = try Arguments(CommandLine.arguments)
        let store = try ShopperStore.open(directory: URL(fileURLWithPath: try arguments.string("state"), isDirectory: true))
        let reason = try arguments.string("reason", default: "fixture")
        let output: String
        switch arguments.command {
        case "train": output = try await train(arguments, store: store)
        case "job": output = try job(arguments, store: store)
        case "promote":
            output = try change(try store.promote(version: try arguments.int("version"), to: try arguments.alias(), reason: reason))
        case "rollback": output = try change(try store.rollback(try arguments.alias(), reason: reason))
        case "remove-alias": output = try change(try store.removeAlias(try arguments.alias(), reason: reason))
        default: throw FixtureError(description: "unknown command \(arguments.command)")
        }
        print(output)
        return 0
    } catch {
        FileHandle.standardError.write(Data("shopperd-mlflow-fixture: \(error)\n".utf8))
        return 1
    }
}

exit(await main())
