import Foundation
import ShopperCore

/// JSON in TEXT columns (header names, issues): readable in the sqlite3 shell, decoded by Codable.
enum JSONText {
    static func encode(_ value: some Encodable) throws -> String {
        try JSONPolicy.text(value, form: .compact)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONPolicy.decode(type, from: Data(text.utf8))
    }
}
