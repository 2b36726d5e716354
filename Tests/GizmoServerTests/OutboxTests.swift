import GizmoLua
@testable import GizmoServer
import Logging
import Testing

/// What a session's outbox keeps for its pages.
struct OutboxTests {
    /// Before a page has joined, no page can resume, so nothing is kept: the
    /// boot frame (the whole tree the script built) would otherwise stay in
    /// every idle session (docs/performance.md, "Memory per idle session").
    @Test func framesBeforeAnyPageJoinedAreNotKept() {
        let outbox = Outbox(logger: Logger(label: "test"))
        outbox.deliver(.frame(#"[{"op":"render","node":{"id":1,"text":"a whole tree"}}]"#), from: 0)
        outbox.send(#"[{"op":"notice","msg":"made by the server"}]"#)
        #expect(outbox.keptBytes == 0)
        #expect(!outbox.hasPage)
    }
}
