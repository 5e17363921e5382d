import ArgumentParser
import Foundation
import ShopperCore
import ShopperIO
import ShopperML
import ShopperPipeline
import ShopperStore

/// Exit statuses the model commands add to `CLIExit` (sysexits.h values, like the others).
extension CLIExit {
    /// An output file (`--out`) could not be created or written.
    static let cannotCreate = ExitCode(73)
    /// Training was cancelled before it finished: nothing was saved, run it again.
    static let temporaryFailure = ExitCode(75)
}

/// `3`, `champion` or `challenger` on the command line.
extension ModelReference: ExpressibleByArgument {
    package init?(argument: String) {
        self.init(parsing: argument)
    }
}

/// `--class-weight balanced|none`.
extension ClassWeight: ExpressibleByArgument {}

/// `--alias champion|challenger`.
extension ModelAlias: ExpressibleByArgument {}

/// What `train`, `models` and `score` share: opening a store that must already exist, turning any
/// failure into a message on stderr and an exit status, and JSON output.
enum RegistryCLI {
    /// Opens the store in `state` without creating it (``ShopperStore/OpenMode/existing``): a
    /// typo in `--state` says so, exit 66, rather than leave an empty store behind.
    static func openExistingStore(_ state: StateOptions) throws -> ShopperStore {
        try state.openStore(.existing)
    }

    /// Reports `error` on stderr and gives its exit status:
    /// 64 something asked for does not exist (model version, alias, store version) or a bad option;
    /// 65 data that cannot be used (no labelled rows, one class only, an invalid batch, features a
    /// model does not read, an unreadable registry entry or model file);
    /// 66 an input file cannot be read; 73 an output file cannot be written; 74 the store failed;
    /// 75 training was cancelled.
    static func fail(_ error: any Error) -> ExitCode {
        switch error {
        case let exit as ExitCode:
            return exit  // already reported
        case let error as StoreError:
            return Terminal.fail(error)
        case let error as ForestError:
            Terminal.error(error.description)
            switch error {
            case .invalidParameters: return CLIExit.notFound
            case .invalidTrainingData, .missingLabels, .featureMismatch, .invalidModelFile, .unsupportedModelVersion:
                return CLIExit.dataRejected
            case .cancelled: return CLIExit.temporaryFailure
            }
        case let error as CatalogError:
            Terminal.error(error.description)
            return CLIExit.dataRejected
        case let error as BatchError:
            Terminal.error(error.report(maxIssues: 50))
            if case .unreadable = error { return CLIExit.noInput }
            return CLIExit.dataRejected
        case let error as FileSystemError:
            Terminal.error("cannot write the output: \(error)")
            return CLIExit.cannotCreate
        default:
            Terminal.error("\(error)")
            return ExitCode.failure
        }
    }

    /// JSON as every `--format json` prints it (`JSONPolicy`), with snake_case keys for the
    /// forest's report types too (`rocAUC` → `roc_auc`), so all keys read alike.
    static func json(_ value: some Encodable) throws -> String {
        try JSONPolicy.text(value, keys: .snakeCase)
    }

    /// Writes `bytes` to `path` atomically (temporary name, fsync, rename): a reader never sees
    /// half a file, and a failed write leaves an existing file as it was.
    static func writeAtomically(_ bytes: some Collection<UInt8>, to path: String) throws(FileSystemError) {
        let url = URL(fileURLWithPath: path)
        try AtomicFile.write(bytes, to: url.deletingLastPathComponent().path, name: url.lastPathComponent)
    }
}
