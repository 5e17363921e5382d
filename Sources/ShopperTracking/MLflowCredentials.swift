import Foundation

/// How shopperd proves itself to an MLflow server that requires it: MLflow's own two conventions,
/// a bearer token or a user and password (HTTP basic). Never part of the destination's identity
/// (`MLflowSettings.target`) and never printed: `description` names only the kind and the source.
package struct MLflowCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package enum Secret: Sendable, Hashable {
        case bearer(token: String)
        case basic(username: String, password: String)
    }

    package let secret: Secret
    /// Where the secret was read, named for the operator ("the systemd credential mlflow-password").
    package let source: String

    package init(_ secret: Secret, source: String) {
        self.secret = secret
        self.source = source
    }

    /// The `Authorization` header's value.
    package var authorization: String {
        switch secret {
        case .bearer(let token):
            "Bearer \(token)"
        case .basic(let username, let password):
            "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        }
    }

    /// The user name (not a secret), for messages; nil for a token.
    package var username: String? {
        if case .basic(let username, _) = secret { return username }
        return nil
    }

    package var description: String {
        switch secret {
        case .bearer: "bearer token (redacted) from \(source)"
        case .basic(let username, _): "user \(username), password (redacted) from \(source)"
        }
    }

    package var debugDescription: String { description }

    /// `dump` and reflection see the source only, never the secret.
    package var customMirror: Mirror { Mirror(self, children: ["source": source], displayStyle: .struct) }
}

extension MLflowCredentials.Secret: CustomStringConvertible, CustomDebugStringConvertible {
    package var description: String {
        switch self {
        case .bearer: "bearer(redacted)"
        case .basic(let username, _): "basic(\(username), redacted)"
        }
    }

    package var debugDescription: String { description }
}
