import Foundation
import Testing
@testable import ShopperTracking

extension ShopperTrackingSuite {
    /// MLflow credentials: where they are read, in which order, what is refused, and that the secret
    /// never shows in a description, a dump or an error.
    @Suite struct CredentialsTests {
        static let password = "s3cret-Pa55-🔑"
        static let token = "tok-0123456789abcdef"

        /// A temporary directory, removed at the end of the test.
        final class Directory {
            let path: String
            init() throws {
                path = FileManager.default.temporaryDirectory.appendingPathComponent("shopperd-credentials-\(UUID().uuidString)").path
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
            deinit { try? FileManager.default.removeItem(atPath: path) }

            @discardableResult
            func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
                let file = path + "/" + name
                try Data(text.utf8).write(to: URL(fileURLWithPath: file))
                try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
                return file
            }
        }

        @Test func headersAreBearerOrBasic() {
            #expect(MLflowCredentials(.bearer(token: Self.token), source: "t").authorization == "Bearer \(Self.token)")
            let basic = MLflowCredentials(.basic(username: "admin", password: "password1234"), source: "t")
            #expect(basic.authorization == "Basic YWRtaW46cGFzc3dvcmQxMjM0")  // base64("admin:password1234")
        }

        @Test func theSecretNeverShows() throws {
            let basic = MLflowCredentials(.basic(username: "admin", password: Self.password), source: "the environment")
            let bearer = MLflowCredentials(.bearer(token: Self.token), source: "the environment")
            var settings = try MLflowSettings(trackingURI: "http://127.0.0.1:5000")
            let target = settings.target
            for credentials in [basic, bearer] {
                settings.credentials = credentials
                #expect(settings.target == target, "credentials are not part of the destination")
                var dumped = ""
                dump(settings, to: &dumped)
                let texts = [String(describing: settings), String(reflecting: settings), "\(settings)", dumped,
                             String(describing: credentials), String(reflecting: credentials.secret),
                             MLflowClient(settings: settings, transport: nil).settings.credentials?.description ?? ""]
                for text in texts {
                    #expect(!text.contains(Self.password) && !text.contains(Self.token), "\(text)")
                    #expect(!text.contains(credentials.authorization.dropFirst(7)), "\(text)")
                }
                #expect(String(describing: settings).contains("redacted"))
            }
            let error = MLflowError.unauthorized(url: "http://127.0.0.1:5000", status: 401, check: "the \(basic.source)")
            #expect(!error.description.contains(Self.password))
        }

        @Test func systemdCredentialsComeFirstThenTheEnvironmentThenFiles() throws {
            let credentials = try Directory()
            let files = try Directory()
            let passwordFile = try files.write("password", "from-file\n")
            let environment = ["MLFLOW_TRACKING_USERNAME": "env-user", "MLFLOW_TRACKING_PASSWORD": "from-env"]
            func resolve(_ environment: [String: String]) throws -> MLflowCredentials? {
                try CredentialSources(environment: environment, username: "file-user", passwordFile: passwordFile).resolve()
            }
            #expect(try resolve([:])?.secret == .basic(username: "file-user", password: "from-file"))
            #expect(try resolve(environment)?.secret == .basic(username: "env-user", password: "from-env"))
            try credentials.write("mlflow-username", "systemd-user\n", mode: 0o400)
            try credentials.write("mlflow-password", "from-systemd\r\n", mode: 0o400)
            let systemd = try resolve(environment.merging(["CREDENTIALS_DIRECTORY": credentials.path]) { $1 })
            #expect(systemd?.secret == .basic(username: "systemd-user", password: "from-systemd"))
            #expect(systemd?.source == "mlflow-username/mlflow-password in the systemd credentials in \(credentials.path)")
            // A token, and only one trailing newline is removed.
            let tokens = try Directory()
            try tokens.write("mlflow-token", Self.token + "\n\n", mode: 0o400)
            #expect(try resolve(["CREDENTIALS_DIRECTORY": tokens.path])?.secret == .bearer(token: Self.token + "\n"))
            #expect(try CredentialSources(environment: ["MLFLOW_TRACKING_TOKEN": Self.token]).resolve()?.secret
                == .bearer(token: Self.token))
            #expect(try CredentialSources(environment: [:]).resolve() == nil)
        }

        @Test func halfAPairOrTwoKindsAreRefusedNamingWhatIsMissing() throws {
            func message(_ sources: CredentialSources) -> String {
                do {
                    _ = try sources.resolve()
                    return "accepted"
                } catch {
                    return error.description
                }
            }
            #expect(message(CredentialSources(environment: ["MLFLOW_TRACKING_USERNAME": "admin"]))
                == "invalid MLflow setting: in the environment, MLFLOW_TRACKING_USERNAME is given but MLFLOW_TRACKING_PASSWORD is not: give both, or neither")
            let onlyPassword = message(CredentialSources(environment: ["MLFLOW_TRACKING_PASSWORD": Self.password]))
            #expect(onlyPassword.contains("MLFLOW_TRACKING_PASSWORD is given but MLFLOW_TRACKING_USERNAME is not"))
            #expect(!onlyPassword.contains(Self.password))
            #expect(message(CredentialSources(environment: ["MLFLOW_TRACKING_TOKEN": "t", "MLFLOW_TRACKING_USERNAME": "u",
                                                            "MLFLOW_TRACKING_PASSWORD": "p"])).contains("give one of them"))
            let credentials = try Directory()
            try credentials.write("mlflow-username", "admin", mode: 0o400)
            #expect(message(CredentialSources(environment: ["CREDENTIALS_DIRECTORY": credentials.path]))
                .contains("mlflow-username is given but mlflow-password is not"))
            #expect(message(CredentialSources(environment: [:], username: "admin"))
                .contains("mlflow.username is given but mlflow.password-file is not"))
        }

        @Test func aSecretFileOthersCanReadIsRefused() throws {
            let files = try Directory()
            let file = try files.write("password", Self.password, mode: 0o644)
            let sources = CredentialSources(environment: [:], username: "admin", passwordFile: file)
            do {
                _ = try sources.resolve()
                Issue.record("a world-readable password file was accepted")
            } catch {
                #expect(error.description == "invalid MLflow setting: the MLflow password file \(file) has mode 644, readable by "
                    + "group or others: `chmod 600 \(file)` (and keep it owned by the user shopperd runs as), or use a systemd credential")
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file)
            #expect(throws: MLflowError.self) { try sources.resolve() }
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
            #expect(try sources.resolve()?.secret == .basic(username: "admin", password: Self.password))
            // Not a regular file; missing; empty.
            #expect(throws: MLflowError.self) { try CredentialSources(environment: [:], tokenFile: files.path).resolve() }
            #expect(throws: MLflowError.self) { try CredentialSources(environment: [:], tokenFile: files.path + "/none").resolve() }
            let empty = try files.write("empty", "\n")
            #expect(throws: MLflowError.self) { try CredentialSources(environment: [:], tokenFile: empty).resolve() }
        }

        /// A transport answering every request with one status and body.
        struct Answering: HTTPTransport {
            var status: Int
            var body: String
            func send(_ request: HTTPRequest) async throws(MLflowError) -> HTTPResponse {
                HTTPResponse(status: status, body: Data(body.utf8))
            }
        }

        @Test func refusedCredentialsAreAServerWideErrorThatNamesTheirSource() async throws {
            var settings = try MLflowSettings(trackingURI: "http://127.0.0.1:5000")
            let none = MLflowClient(settings: settings, transport: Answering(status: 401, body: "unauthorized"))
            await #expect(throws: MLflowError.unauthorized(url: "http://127.0.0.1:5000", status: 401, check: nil)) {
                try await none.health()
            }
            settings.credentials = MLflowCredentials(.basic(username: "admin", password: Self.password),
                                                     source: "MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD in the environment")
            let client = MLflowClient(settings: settings, transport: Answering(status: 401, body: ""))
            do {
                try await client.health()
                Issue.record("a 401 was accepted")
            } catch {
                #expect(error.isServerUnavailable, "the queue is kept and the pass retried with backoff")
                #expect(error.description.hasPrefix("the MLflow server at http://127.0.0.1:5000 refused shopperd's credentials "
                    + "(HTTP 401): check the MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD in the environment"))
                #expect(!error.description.contains(Self.password))
            }
            // MLflow's basic-auth app answers a plain 403; a 403 with MLflow's error code stays an entity's error.
            let plain = MLflowClient(settings: settings, transport: Answering(status: 403, body: "Permission denied"))
            await #expect(throws: MLflowError.self) { try await plain.health() }
            do { try await plain.health() } catch { #expect(error.isServerUnavailable) }
            let coded = MLflowClient(settings: settings, transport: Answering(
                status: 403, body: #"{"error_code": "PERMISSION_DENIED", "message": "no"}"#))
            do { try await coded.health() } catch { #expect(!error.isServerUnavailable) }
        }
    }
}
