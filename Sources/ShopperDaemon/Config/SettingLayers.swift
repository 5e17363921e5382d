import ShopperCore
import Foundation
import ShopperIO

/// The three places a setting can come from, merged into one value per key: the command line
/// wins, then the environment, then the configuration file. Nothing is converted here; every
/// value keeps its source for ``SettingsReader`` to check and to name in a refusal.
struct SettingLayers {
    /// Every key's values, the winning one first (command line, environment, file).
    private(set) var values: [String: [SettingValue]] = [:]
    /// The process environment, for what is read from it besides settings (MLflow's credentials).
    let environment: [String: String]

    /// - Parameters:
    ///   - commandLine: keys given on the command line, each with the option that gave it.
    ///   - environment: the process environment; `SHOPPERD_<KEY>` for every key, and MLflow's own
    ///     `MLFLOW_TRACKING_URI`. An empty variable counts as unset (`Environment=SHOPPERD_X=`).
    ///   - file: the configuration file's settings, if there is one.
    init(commandLine: [String: SettingValue], environment: [String: String], file: [String: SettingValue]) {
        self.environment = environment
        for (key, value) in file { values[key, default: []].insert(value, at: 0) }
        if let uri = environment["MLFLOW_TRACKING_URI"], !uri.isEmpty {
            values["mlflow.tracking-uri", default: []].insert(
                SettingValue(.text(uri), from: .environment(variable: "MLFLOW_TRACKING_URI")), at: 0)
        }
        for key in DaemonConfiguration.knownKeys {
            let name = DaemonConfiguration.environmentName(for: key)
            if let text = environment[name], !text.isEmpty {
                values[key, default: []].insert(SettingValue(.text(text), from: .environment(variable: name)), at: 0)
            }
        }
        for (key, value) in commandLine { values[key, default: []].insert(value, at: 0) }
    }

    /// The value in force for `key`.
    subscript(key: String) -> SettingValue? { values[key]?.first }

    /// All of `key`'s values, the one in force first. Each is checked, not only the winner: a
    /// wrong value in the file must not wait, hidden by `--set`, until the day the override goes.
    func all(_ key: String) -> [SettingValue] { values[key] ?? [] }

    /// Reads a JSON configuration file into settings: nested objects (`{"drift": {"alpha": 0.01}}`)
    /// or dotted keys (`{"drift.alpha": 0.01}`). Unknown keys, a key given twice, and anything but
    /// an object at the top are refused; the values' types are checked later, key by key.
    static func fileSettings(_ path: String) throws(ConfigurationError) -> [String: SettingValue] {
        let data = try read(path)
        let root: JSONValue
        do { root = try JSONValue.parse(data) } catch {
            throw .unreadableFile(path, reason: "not valid JSON: \(error.localizedDescription)")
        }
        guard case .object(let members) = root else {
            throw .unreadableFile(path, reason: "the top level must be a JSON object, not \(root.typeName)")
        }
        var settings: [String: SettingValue] = [:]
        func walk(_ members: [String: JSONValue], prefix: String) throws(ConfigurationError) {
            for (name, value) in members.sorted(by: { $0.key < $1.key }) {
                let key = prefix.isEmpty ? name : prefix + "." + name
                if DaemonConfiguration.knownKeys.contains(key) {
                    guard settings[key] == nil else { throw .duplicateKey(key, file: path) }
                    settings[key] = SettingValue(.json(value), from: .file(path: path))
                } else if case .object(let nested) = value {
                    try walk(nested, prefix: key)
                } else {
                    throw .unknownKey(key, source: .file(path: path))
                }
            }
        }
        try walk(members, prefix: "")
        return settings
    }

    /// The file's bytes, or the system's reason why not ("No such file or directory", "Permission
    /// denied"), which Foundation's own message hides.
    private static func read(_ path: String) throws(ConfigurationError) -> Data {
        do {
            return Data(try WholeFile.read(path: path))
        } catch {
            switch error {
            case .system(let failure): throw .unreadableFile(path, reason: ErrnoText.message(failure.code))
            case .notRegularFile: throw .unreadableFile(path, reason: "not a regular file")
            case .tooLarge: throw .unreadableFile(path, reason: "too large")  // no limit is asked for
            }
        }
    }
}
