/// Why the configuration was refused. Each message names the key, where its value came from and
/// what it accepts; `shopperd run` exits 78 (EX_CONFIG) with it.
package enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownKey(String, source: SettingSource)
    case invalidValue(key: String, value: SettingValue, expected: String)
    case duplicateKey(String, file: String)
    case malformedOverride(String)
    case unreadableFile(String, reason: String)
    /// The MLflow credentials cannot be read or are incomplete (the message names no secret).
    case credentials(String)
    /// A notification secret (a webhook URL) cannot be read or is not valid (the message names no secret).
    case secret(String)
    /// A reload changed settings that only a restart can change.
    case needsRestart(keys: [String])

    package var description: String {
        switch self {
        case let .unknownKey(key, source):
            "unknown setting \"\(key)\" in \(source); `shopperd run --help` lists the settings"
        case let .invalidValue(key, value, expected):
            "setting \"\(key)\" = \(value.shown) from \(value.source) is invalid: expected \(expected)"
        case let .duplicateKey(key, file):
            "setting \"\(key)\" is given twice in the configuration file \(file) (nested and dotted); keep one"
        case let .malformedOverride(text):
            "--set takes KEY=VALUE (got \"\(text)\")"
        case let .unreadableFile(path, reason):
            "cannot read the configuration file \(path): \(reason)"
        case let .credentials(message):
            "MLflow credentials: \(message)"
        case let .secret(message):
            "notifications: \(message)"
        case let .needsRestart(keys):
            "\(keys.joined(separator: ", ")) changed, which takes a restart (systemctl restart shopperd); "
                + "put the old value back to reload the rest"
        }
    }
}
