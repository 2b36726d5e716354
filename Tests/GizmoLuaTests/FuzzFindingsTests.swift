import GizmoLua
import Testing

/// What the fuzzers (Tests/fuzz, docs/fuzzing.md) found, each kept as a test
/// through the session's own path; the crashing inputs are kept as seeds too
/// (Tests/fuzz/corpus/*/regress-*).
struct FuzzFindingsTests {
    /// json_fuzzer: a table with holes whose border (#t) falls before its
    /// last key was encoded as an array up to the border, silently dropping
    /// the keys past it. A page's `[-7,null,1,-7,null,2]` decodes to such a
    /// table (#t is 4), so the script got back a value without its 2.
    @Test func anArrayWithHolesKeepsEveryValueWhenEncoded() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local holes = gz.json.decode("[-7,null,1,-7,null,2]")
            local back = gz.json.decode(gz.json.encode(holes))
            gz.Text(tostring(back["6"] or back[6])):show()
            """)
        #expect(harness.boot.error == nil)
        let render = try await harness.hello()
        #expect((render.first?["node"] as? [String: Any])?["text"] as? String == "2")
    }

    /// json_fuzzer: 1e400 decoded to infinity, which the encoder can only
    /// write as null; such a number is now refused like any other bad input.
    @Test func aNumberPastTheDoubleRangeIsAnError() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local ok, message = pcall(gz.json.decode, '{"a":1e400}')
            gz.Text(ok and "decoded" or message):show()
            """)
        let render = try await harness.hello()
        let text = try #require((render.first?["node"] as? [String: Any])?["text"] as? String)
        #expect(text.contains("json: number out of range at byte 6"))
    }

    /// frame_fuzzer: a `reply` to the main code's `gz.get` before any page
    /// said hello (the get still kept for the first page, with no timer yet)
    /// raised in the runtime ("table index is nil") and stranded the main
    /// code for good (issue 12, "what was seen" 5).
    @Test func aReplyBeforeTheFirstHelloResumesTheMainCode() async throws {
        let harness = try await VMHarness("""
            local gz = require("gizmo")
            local label = gz.Text("asking")
            label:show()
            label:text("width " .. gz.get(gz.window.innerWidth))
            """)
        let early = await harness.send(#"{"t":"reply","req":1,"ok":true,"v":640}"#)
        #expect(!early.contains { $0.op == "error" }, "\(early.map(\.fields))")
        let render = try await harness.hello()
        #expect((render.first?["node"] as? [String: Any])?["text"] as? String == "width 640")
    }
}
