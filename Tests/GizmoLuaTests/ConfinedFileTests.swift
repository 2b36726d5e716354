import Foundation
@testable import GizmoLua
import GizmoTestFixtures
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Files opened only while they lie inside a folder.
struct ConfinedFileTests {
    let folder = TemporaryFolder()
    var inside: URL { folder.url.appendingPathComponent("served") }

    init() {
        folder.write("served/page.js", "console.log(1)")
        folder.write("served/lib/x.js", "x")
        folder.write("secret.txt", "secret")
    }

    func open(_ path: String) throws(ConfinedFile.Refusal) -> ConfinedFile {
        try ConfinedFile.open(folder.url.appendingPathComponent(path).path, inside: [inside])
    }

    @Test func aFileInsideIsReadWhole() throws {
        let file = try open("served/page.js")
        #expect(file.size == 14)
        #expect(try file.read(at: 0, count: 100) == Array("console.log(1)".utf8))
        #expect(try file.read(at: 8, count: 3) == Array("log".utf8))
    }

    @Test func aLinkToAFileInsideIsFollowed() throws {
        folder.link("served/alias.js", to: "lib/x.js")
        #expect(try open("served/alias.js").size == 1)
    }

    @Test func aLinkOutOfTheFolderIsRefused() throws {
        folder.link("served/escape.js", to: "../secret.txt")
        folder.link("served/root", to: "/")
        #expect(throws: ConfinedFile.Refusal.outside) { try open("served/escape.js") }
        #expect(throws: ConfinedFile.Refusal.outside) { try open("served/root/etc/passwd") }
        #expect(throws: ConfinedFile.Refusal.outside) { try open("served/../secret.txt") }
    }

    /// Checked when registered, then swapped for a link: the next open says no.
    @Test func aFileSwappedForALinkOutIsRefused() throws {
        #expect(try open("served/page.js").size == 14)
        folder.link("served/page.js", to: "../secret.txt")
        #expect(throws: ConfinedFile.Refusal.outside) { try open("served/page.js") }
        // A folder on the way swapped for a link out, too.
        folder.link("served/lib", to: "..")
        #expect(throws: ConfinedFile.Refusal.outside) { try open("served/lib/secret.txt") }
    }

    @Test func onlyRegularFilesAreOpened() throws {
        #expect(throws: ConfinedFile.Refusal.notAFile) { try open("served/lib") }
        let fifo = inside.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        // Opening a FIFO with no writer must not wait for one.
        #expect(throws: ConfinedFile.Refusal.notAFile) { try open("served/pipe") }
        #expect(throws: ConfinedFile.Refusal.missing) { try open("served/gone.js") }
        #expect(throws: ConfinedFile.Refusal.missing) { try open("nowhere/gone.js") }
    }
}
