import ArgumentParser
import Foundation
import ShopperCore
import ShopperStore

/// `--format text|json` for reports (versions, models, performance…).
enum ReportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}

/// `--format csv|json` for tables of rows (show, score…).
enum TableFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case csv
    case json
}

/// `--on-invalid reject|quarantine-rows`.
extension InvalidRowPolicy: ExpressibleByArgument {}

/// Exit statuses shared by the commands (sysexits.h values, so scripts can tell causes apart).
enum CLIExit {
    /// A batch was rejected (invalid data).
    static let dataRejected = ExitCode(65)
    /// An input file could not be read.
    static let noInput = ExitCode(66)
    /// A version, model or alias asked for does not exist.
    static let notFound = ExitCode(64)
    /// The store could not be opened, read or written.
    static let storeFailure = ExitCode(74)
}

/// Writing to the terminal: results to stdout, errors and warnings to stderr.
enum Terminal {
    /// Reports a store error on stderr and gives the exit status for it: 64 for something asked
    /// for that does not exist (a usage error), 66 for no store at all, 74 for a store that cannot
    /// be opened or written.
    static func fail(_ error: StoreError) -> ExitCode {
        self.error(error.description)
        switch error {
        case .unknownVersion, .unknownModel, .aliasNotSet, .nothingToRollBack, .aliasAlreadySet, .rolloutRunning: return CLIExit.notFound
        case .noStore: return CLIExit.noInput
        case .cannotOpen, .emptyBatch, .database, .versionMoved, .busy, .diskFull, .readOnly, .corrupt: return CLIExit.storeFailure
        }
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
    }

    /// Buffered stdout for large outputs (a million rows): written in chunks, not line by line.
    struct Output {
        private var buffer: String = ""

        mutating func write(_ text: String) {
            buffer += text
            if buffer.utf8.count >= 1 << 16 { flush() }
        }

        mutating func flush() {
            guard !buffer.isEmpty else { return }
            FileHandle.standardOutput.write(Data(buffer.utf8))
            buffer = ""
        }
    }

    /// JSON as every `--format json` prints it (`JSONPolicy`: ISO 8601 dates, sorted keys).
    static func json(_ value: some Encodable) throws -> String {
        try JSONPolicy.text(value)
    }

    /// A UTC timestamp, ISO 8601 to the second.
    static func timestamp(_ date: Date) -> String {
        JSONPolicy.timestamp(date)
    }
}
