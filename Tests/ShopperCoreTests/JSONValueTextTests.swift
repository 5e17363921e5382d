import Foundation
import Testing
@testable import ShopperCore

/// A setting's value as `shopperd` prints it back (`JSONValue.jsonText`) is valid JSON that reads
/// back as the same value, whatever its strings hold.
@Suite struct JSONValueTextTests {
    @Test func controlCharactersAreEscaped() throws {
        let value = JSONValue.object(["hook": .string("run\nthis\t\"now\"\\"), "n": .integer(2), "off": .null])
        let text = value.jsonText
        #expect(text == #"{"hook":"run\nthis\t\"now\"\\","n":2,"off":null}"#)
        #expect(!text.contains("\n"))
        #expect(try JSONValue.parse(Data(text.utf8)) == value)
    }
}
