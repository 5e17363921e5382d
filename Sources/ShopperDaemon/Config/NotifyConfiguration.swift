import Foundation
import ShopperIO
import ShopperNotify

/// The `notify.*` settings: e-mail through sendmail and webhooks (docs/notify.md).
///
/// A webhook's URL is a secret (a Slack or Teams incoming-webhook URL is its own key), so it is
/// never a setting: it is read from the systemd credential `webhook-NAME` under
/// `$CREDENTIALS_DIRECTORY`, or from the file `NAME` in `notify.webhook-url-directory`, which must
/// be readable by its owner only.
enum NotifyConfiguration {
    static let keys: [(key: String, help: String)] = [
        ("notify.email.to", "comma-separated recipients; unset: no e-mail"),
        ("notify.email.from", "sender address (default shopperd@HOSTNAME)"),
        ("notify.email.subject-prefix", "default [shopperd]"),
        ("notify.email.send", "alerts | every-batch | daily-digest (default alerts)"),
        ("notify.email.digest-hour", "local hour of the daily digest, 0-23 (default 8)"),
        ("notify.email.sendmail", "the sendmail command, message on stdin (default /usr/sbin/sendmail -t -oi)"),
        ("notify.webhooks", "comma-separated NAME:FORMAT (FORMAT slack | teams | generic); URL from the credential webhook-NAME"),
        ("notify.webhook-send", "alerts | every-batch (default alerts)"),
        ("notify.webhook-url-directory", "directory of owner-only files NAME holding each webhook's URL (credentials come first)"),
        ("notify.timeout-seconds", "one sendmail run or webhook POST may take this long (default 30)"),
        ("notify.retry-schedule-seconds", "waits between attempts after a transient failure, the last repeating (default 10,60,300,900,3600)"),
        ("notify.give-up-after-seconds", "a notification still failing this long after its event is given up (default 259200)"),
    ]

    static func settings(from config: SettingsReader, host: String) throws(ConfigurationError) -> NotificationSettings {
        var n = NotificationSettings()
        n.timeout = try config.seconds("notify.timeout-seconds", default: n.timeout)
        n.giveUpAfter = try config.seconds("notify.give-up-after-seconds", default: n.giveUpAfter)
        if let text = try config.string("notify.retry-schedule-seconds") {
            let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? -1) > 0 }) else {
                throw .invalidValue(key: "notify.retry-schedule-seconds", value: config.layers["notify.retry-schedule-seconds"]!,
                                    expected: "comma-separated positive numbers of seconds (10,60,300)")
            }
            n.retrySchedule = parts.map { .milliseconds(Int64(($0 ?? 1) * 1_000)) }
        }
        if let email = try emailChannel(config, host: host) { n.channels.append(email) }
        n.channels += try webhookChannels(config)
        return n
    }

    private static func emailChannel(_ config: SettingsReader, host: String) throws(ConfigurationError) -> NotificationChannel? {
        guard let toText = try config.string("notify.email.to"), !toText.trimmingCharacters(in: .whitespaces).isEmpty else {
            return nil
        }
        var mail = MailSettings(from: "shopperd@" + host, to: [], subjectPrefix: "[shopperd]")
        mail.to = toText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        mail.from = try config.string("notify.email.from") ?? mail.from
        mail.subjectPrefix = try config.string("notify.email.subject-prefix") ?? mail.subjectPrefix
        do {
            try mail.validate()
        } catch {
            let key = ["notify.email.to", "notify.email.from", "notify.email.subject-prefix"].first { config.layers[$0] != nil } ?? "notify.email.to"
            throw .invalidValue(key: key, value: config.layers[key]!, expected: "\(error)")
        }
        let commandText = try config.string("notify.email.sendmail") ?? "/usr/sbin/sendmail -t -oi"
        let command = commandText.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let program = command.first, program.hasPrefix("/") else {
            throw .invalidValue(key: "notify.email.sendmail", value: config.layers["notify.email.sendmail"]!,
                                expected: "an absolute program path and its arguments (/usr/sbin/sendmail -t -oi)")
        }
        let hour = try config.integer("notify.email.digest-hour", default: 8, range: 0...23)
        let policy = try config.choice("notify.email.send", default: SendPolicy.alerts, [
            ("alerts", .alerts), ("every-batch", .everyBatch), ("daily-digest", .dailyDigest(hour: hour)),
        ])
        return NotificationChannel(destination: .email(mail, command: command), policy: policy)
    }

    private static func webhookChannels(_ config: SettingsReader) throws(ConfigurationError) -> [NotificationChannel] {
        guard let list = try config.string("notify.webhooks"), !list.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
        let policy = try config.choice("notify.webhook-send", default: SendPolicy.alerts, [("alerts", .alerts), ("every-batch", .everyBatch)])
        let directory = try config.string("notify.webhook-url-directory")
        var channels: [NotificationChannel] = []
        var names = Set<String>()
        for item in list.split(separator: ",") {
            let parts = item.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1).map(String.init)
            let invalid = ConfigurationError.invalidValue(
                key: "notify.webhooks", value: config.layers["notify.webhooks"]!,
                expected: "comma-separated NAME:FORMAT, NAME of letters, digits, - and _, FORMAT one of "
                    + WebhookFormat.allCases.map(\.rawValue).joined(separator: ", ") + " (\"ops:slack,audit:generic\")")
            guard parts.count == 2, let format = WebhookFormat(rawValue: parts[1].lowercased()), !parts[0].isEmpty,
                  parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { throw invalid }
            guard names.insert(parts[0]).inserted else {
                throw .invalidValue(key: "notify.webhooks", value: config.layers["notify.webhooks"]!,
                                    expected: "each webhook name once (\(parts[0]) is repeated)")
            }
            let url = try webhookURL(name: parts[0], directory: directory, environment: config.layers.environment)
            channels.append(NotificationChannel(destination: .webhook(name: parts[0], format: format, url: url), policy: policy))
        }
        return channels
    }

    /// The webhook's URL: the systemd credential `webhook-NAME`, else `DIRECTORY/NAME` (owner-only).
    static func webhookURL(name: String, directory: String?, environment: [String: String]) throws(ConfigurationError) -> URL {
        var text: String?
        do {
            if let credentials = environment["CREDENTIALS_DIRECTORY"], !credentials.isEmpty,
               SecretFile.exists(credentials + "/webhook-" + name) {
                text = try SecretFile.read(path: credentials + "/webhook-" + name, what: "the systemd credential webhook-\(name)", ownerOnly: false)
            } else if let directory, !directory.isEmpty {
                text = try SecretFile.read(path: directory + "/" + name, what: "the URL file of webhook \(name)", ownerOnly: true)
            }
        } catch {
            throw .secret("webhook \(name): \(error.description)")
        }
        guard let text else {
            throw .secret("webhook \(name) has no URL: add the systemd credential webhook-\(name) "
                + "(LoadCredential=webhook-\(name):/etc/shopperd/credentials/webhook-\(name)), "
                + "or a file \(name) of mode 0600 in notify.webhook-url-directory")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // The URL is a secret: the message says what is wrong with it, never what it is.
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty else {
            throw .secret("webhook \(name): its URL is not an http(s) URL with a host (the URL itself is not shown: it is a secret)")
        }
        return url
    }
}
