import Foundation
import Testing
@testable import GizmoGrants

@Suite struct GrantsTests {
    @Test func nothingIsGrantedByDefault() {
        let grants = Grants.none
        #expect(grants.refusalToRun("python3", api: "gz.spawn", searchPath: "/usr/bin")
            == "gz.spawn: running \"python3\" is not allowed; start gizmolua with --allow-run=python3")
        #expect(grants.refusalToRead("/etc/hostname", api: "gz.tail")
            == "gz.tail: reading \"/etc/hostname\" is not allowed; start gizmolua with --allow-read=/etc/hostname")
        #expect(grants.refusalToReach(host: "Example.org", port: 443, api: "gz.fetch")
            == "gz.fetch: reaching \"example.org:443\" is not allowed; start gizmolua with --allow-net=example.org:443")
        #expect(grants.refusalToSignal(pid: 1, api: "gz.process")?.hasSuffix("start gizmolua with --allow-signal") == true)
        #expect(grants.summary.isEmpty)
    }

    @Test func aProgramIsGrantedByNameOrPath() throws {
        let byName = try Grants.parse(run: ["sh"])
        #expect(byName.refusalToRun("sh", api: "gz.spawn", searchPath: "/usr/bin:/bin") == nil)
        // The same program named by the path the name resolves to.
        let shPath = try #require(Grants.executable("sh", searchPath: "/usr/bin:/bin"))
        #expect(byName.refusalToRun(shPath, api: "gz.spawn", searchPath: "/usr/bin:/bin") == nil)
        // Another program, and a relative path, stay refused.
        #expect(byName.refusalToRun("bash", api: "gz.spawn", searchPath: "/usr/bin:/bin") != nil)
        #expect(byName.refusalToRun("./sh", api: "gz.spawn", searchPath: "/usr/bin:/bin") != nil)

        // A relative path is taken from the directory the program starts in.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("grants-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let job = folder.appendingPathComponent("job.sh")
        try "#!/bin/sh\n".write(to: job, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: job.path)
        let byJob = try Grants.parse(run: [job.path])
        #expect(byJob.refusalToRun("./job.sh", api: "gz.spawn", searchPath: nil, directory: folder.path) == nil)
        #expect(Grants.none.refusalToRun("./job.sh", api: "gz.spawn", searchPath: nil, directory: folder.path)
            == "gz.spawn: running \"./job.sh\" is not allowed; start gizmolua with --allow-run=\(Grants.resolved(job.path))")
        // A grant of the name "job.sh" does not grant a path that ends so.
        #expect(try Grants.parse(run: ["job.sh"]).refusalToRun("./job.sh", api: "gz.spawn", searchPath: nil, directory: folder.path) != nil)

        let byPath = try Grants.parse(run: ["/bin/echo"])
        #expect(byPath.refusalToRun("echo", api: "gz.spawn", searchPath: "/bin") == nil)
        #expect(byPath.refusalToRun("cat", api: "gz.spawn", searchPath: "/bin") != nil)
    }

    @Test func aFolderGrantsWhatIsInsideItAndNothingBeside() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("grants-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("logs"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let logs = folder.appendingPathComponent("logs").path
        let grants = try Grants.parse(read: [logs])
        #expect(grants.refusalToRead(logs + "/job.log", api: "gz.tail") == nil)
        #expect(grants.refusalToRead(logs, api: "gz.tail") == nil)
        // A sibling whose name starts the same, and a way out by "..".
        #expect(grants.refusalToRead(logs + "-old/job.log", api: "gz.tail") != nil)
        #expect(grants.refusalToRead(logs + "/../secret", api: "gz.tail") != nil)
        // A symbolic link inside the granted folder that points out of it.
        try FileManager.default.createSymbolicLink(atPath: logs + "/out", withDestinationPath: "/etc")
        #expect(grants.refusalToRead(logs + "/out/passwd", api: "gz.tail") != nil)
    }

    @Test func hostsAreGrantedWithOrWithoutAPort() throws {
        let grants = try Grants.parse(net: ["localhost:8080,Example.org", "[::1]:9000"])
        #expect(grants.refusalToReach(host: "localhost", port: 8080, api: "gz.fetch") == nil)
        #expect(grants.refusalToReach(host: "localhost", port: 8081, api: "gz.fetch") != nil)
        #expect(grants.refusalToReach(host: "example.org", port: 443, api: "gz.fetch") == nil)
        #expect(grants.refusalToReach(host: "::1", port: 9000, api: "gz.fetch") == nil)
        #expect(grants.refusalToReach(host: "evil.example.org", port: 443, api: "gz.fetch") != nil)
        #expect(grants.summary == ["net: localhost:8080, example.org, [::1]:9000"])
    }

    @Test func theEnvironmentAddsToTheFlags() throws {
        let grants = try Grants.parse(run: ["sh"], environment: [
            "GIZMO_ALLOW_RUN": "python3, tail", "GIZMO_ALLOW_READ": "/proc", "GIZMO_ALLOW_NET": "localhost",
            "GIZMO_ALLOW_SIGNAL": "1",
        ])
        #expect(grants.run == ["sh", "python3", "tail"])
        #expect(grants.read == ["/proc"])
        #expect(grants.net == [.init(host: "localhost")])
        #expect(grants.signal)
        #expect(!grants.all)
        #expect(try Grants.parse(environment: ["GIZMO_ALLOW_ALL": "yes"]) == .everything)
        #expect(Grants.everything.refusalToRun("anything", api: "gz.spawn", searchPath: nil) == nil)
    }

    @Test(arguments: [
        (["--allow-run"], ["relative/prog"], "--allow-run: relative/prog must be a program name or an absolute path"),
        (["--allow-read"], ["logs"], "--allow-read: logs must be an absolute path"),
        (["--allow-net"], ["host:99999"], "--allow-net: host:99999 has no port from 1 to 65535 after the colon"),
        (["--allow-net"], ["a b"], "--allow-net: a b is not HOST or HOST:PORT"),
        (["--allow-net"], ["http://x"], "--allow-net: http://x has no port from 1 to 65535 after the colon"),
    ])
    func badGrantsAreRefusedWithWhatIsWrong(flag: [String], value: [String], message: String) {
        #expect(throws: Grants.ParseError(message: message)) {
            switch flag[0] {
            case "--allow-run": _ = try Grants.parse(run: value)
            case "--allow-read": _ = try Grants.parse(read: value)
            default: _ = try Grants.parse(net: value)
            }
        }
        #expect(throws: Grants.ParseError.self) { try Grants.parse(environment: ["GIZMO_ALLOW_SIGNAL": "maybe"]) }
    }
}
