import ShopperCore

/// Where a setting's value came from. Every refusal names it, so the operator edits the right
/// place: a value given with `--set` must not be blamed on the environment or the file.
package enum SettingSource: Sendable, Equatable, CustomStringConvertible {
    /// The command line: `--set KEY=VALUE`, or a named option such as `--inbox`.
    case commandLine(option: String)
    /// An environment variable (`SHOPPERD_DRIFT_ALPHA`, or `MLFLOW_TRACKING_URI`).
    case environment(variable: String)
    /// The JSON configuration file.
    case file(path: String)

    package var description: String {
        switch self {
        case .commandLine(let option): option
        case .environment(let variable): "the environment variable \(variable)"
        case .file(let path): "the configuration file \(path)"
        }
    }
}

/// One setting's value as its source gave it, before any checking: text from the command line or
/// the environment (which have no types), a typed JSON value from the configuration file.
package struct SettingValue: Sendable, Equatable {
    package enum Content: Sendable, Equatable {
        case text(String)
        case json(JSONValue)
    }

    package var content: Content
    package var source: SettingSource

    package init(_ content: Content, from source: SettingSource) {
        self.content = content
        self.source = source
    }

    /// The value as the operator wrote it: text quoted, JSON as JSON with its type named
    /// (`true (a JSON boolean)`), so "50.5" and 50.5 are told apart in a message.
    package var shown: String {
        switch content {
        case .text(let text): "\"\(text)\""
        case .json(let value): "\(value.jsonText) (\(value.typeName))"
        }
    }
}
