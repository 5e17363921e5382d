import ShopperIO

/// Finds the MLflow credentials, the first source that has any winning:
/// 1. systemd credentials (`LoadCredential=`/`SetCredentialEncrypted=`) in `$CREDENTIALS_DIRECTORY`:
///    `mlflow-token`, or `mlflow-username` + `mlflow-password`;
/// 2. MLflow's environment variables: `MLFLOW_TRACKING_TOKEN`, or `MLFLOW_TRACKING_USERNAME` +
///    `MLFLOW_TRACKING_PASSWORD`;
/// 3. files named in the settings (`mlflow.token-file`, or `mlflow.username` + `mlflow.password-file`),
///    which must be regular files that neither group nor others can read.
/// None: no credentials (a server without authentication). Half a pair, or a token and a pair in
/// one source, is an error that says what to fix; no error ever contains a secret.
package struct CredentialSources: Sendable {
    package static let tokenCredential = "mlflow-token"
    package static let usernameCredential = "mlflow-username"
    package static let passwordCredential = "mlflow-password"
    package static let tokenVariable = "MLFLOW_TRACKING_TOKEN"
    package static let usernameVariable = "MLFLOW_TRACKING_USERNAME"
    package static let passwordVariable = "MLFLOW_TRACKING_PASSWORD"

    package var environment: [String: String]
    /// The user name for `passwordFile` (not a secret: it may be in the configuration).
    package var username: String?
    package var passwordFile: String?
    package var tokenFile: String?

    package init(environment: [String: String], username: String? = nil, passwordFile: String? = nil, tokenFile: String? = nil) {
        self.environment = environment
        self.username = username.flatMap { $0.isEmpty ? nil : $0 }
        self.passwordFile = passwordFile.flatMap { $0.isEmpty ? nil : $0 }
        self.tokenFile = tokenFile.flatMap { $0.isEmpty ? nil : $0 }
    }

    package func resolve() throws(MLflowError) -> MLflowCredentials? {
        if let found = try fromCredentialsDirectory() { return found }
        if let found = try fromEnvironment() { return found }
        return try fromSettingsFiles()
    }

    func fromCredentialsDirectory() throws(MLflowError) -> MLflowCredentials? {
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else { return nil }
        func read(_ name: String) throws(MLflowError) -> String? {
            let path = directory + "/" + name
            guard SecretFile.exists(path) else { return nil }
            return try Self.secret(at: path, what: "the systemd credential \(name)", checkMode: false)
        }
        return try Self.pick(token: read(Self.tokenCredential), username: read(Self.usernameCredential),
                             password: read(Self.passwordCredential),
                             names: (Self.tokenCredential, Self.usernameCredential, Self.passwordCredential),
                             source: "the systemd credentials in \(directory)")
    }

    func fromEnvironment() throws(MLflowError) -> MLflowCredentials? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return try Self.pick(token: value(Self.tokenVariable), username: value(Self.usernameVariable),
                             password: value(Self.passwordVariable),
                             names: (Self.tokenVariable, Self.usernameVariable, Self.passwordVariable),
                             source: "the environment")
    }

    func fromSettingsFiles() throws(MLflowError) -> MLflowCredentials? {
        let token = try tokenFile.map { path throws(MLflowError) in
            try Self.secret(at: path, what: "the MLflow token file \(path)", checkMode: true)
        }
        let password = try passwordFile.map { path throws(MLflowError) in
            try Self.secret(at: path, what: "the MLflow password file \(path)", checkMode: true)
        }
        return try Self.pick(token: token, username: username, password: password,
                             names: ("mlflow.token-file", "mlflow.username", "mlflow.password-file"),
                             source: "the configured files")
    }

    /// One source's values as credentials: nil when it has none.
    static func pick(token: String?, username: String?, password: String?, names: (token: String, username: String, password: String),
                     source: String) throws(MLflowError) -> MLflowCredentials? {
        switch (token, username, password) {
        case (nil, nil, nil):
            return nil
        case (let token?, nil, nil):
            return MLflowCredentials(.bearer(token: token), source: "\(names.token) in \(source)")
        case (nil, let username?, let password?):
            return MLflowCredentials(.basic(username: username, password: password),
                                     source: "\(names.username)/\(names.password) in \(source)")
        case (nil, nil, _?):
            throw .invalidSetting("in \(source), \(names.password) is given but \(names.username) is not: give both, or neither")
        case (nil, _?, nil):
            throw .invalidSetting("in \(source), \(names.username) is given but \(names.password) is not: give both, or neither")
        case (_?, _, _):
            throw .invalidSetting("in \(source), both \(names.token) and \(names.username)/\(names.password) are given: give one of them")
        }
    }

    /// A secret file's text without one trailing newline (``SecretFile``).
    static func secret(at path: String, what: String, checkMode: Bool) throws(MLflowError) -> String {
        do {
            return try SecretFile.read(path: path, what: what, ownerOnly: checkMode)
        } catch {
            throw .invalidSetting(error.description)
        }
    }
}
