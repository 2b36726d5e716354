@testable import GizmoServer
import Testing

struct SessionLifecycleTests {
    /// What `gizmolua run` asks before saying nobody has opened the link.
    @Test func itAwaitsItsFirstPageUntilOneConnectsAndNeverAgain() {
        var life = SessionLifecycle(grace: 1, firstPageTimeout: nil)
        _ = life.started()
        #expect(life.isAwaitingFirstPage)
        _ = life.pageConnected(1)
        #expect(!life.isAwaitingFirstPage)
        _ = life.pageDisconnected(1) // gone for now: it has been opened all the same
        #expect(!life.isAwaitingFirstPage)
        var discarded = SessionLifecycle(grace: 1, firstPageTimeout: nil)
        _ = discarded.end()
        #expect(!discarded.isAwaitingFirstPage)
    }

    @Test func aReloadWithinTheGraceKeepsTheSession() {
        var life = SessionLifecycle(grace: 3, firstPageTimeout: nil)
        #expect(life.started() == .none)
        #expect(life.pageConnected(1) == .none)
        guard case .startTimer(let token, 3) = life.pageDisconnected(1) else {
            Issue.record("no grace timer")
            return
        }
        #expect(life.pageConnected(2) == .none)
        #expect(life.timerFired(token) == .none) // the stale timer is ignored
        #expect(life.state == .live(connections: [2]))
    }

    @Test func aPageGoneForTheGraceEndsTheSession() {
        var life = SessionLifecycle(grace: 1, firstPageTimeout: nil)
        _ = life.pageConnected(1)
        guard case .startTimer(let token, _) = life.pageDisconnected(1) else { return }
        #expect(life.timerFired(token) == .end)
        #expect(life.state == .ended)
        #expect(life.pageConnected(2) == .end)
    }

    @Test func twoPagesLiveSideBySideAndTheGraceStartsWhenBothHaveGone() {
        var life = SessionLifecycle(grace: 1, firstPageTimeout: nil)
        _ = life.pageConnected(1)
        #expect(life.pageConnected(2) == .none)
        #expect(life.state == .live(connections: [1, 2]))
        #expect(life.pageDisconnected(1) == .none) // the other page is still there
        #expect(life.state == .live(connections: [2]))
        #expect(life.pageDisconnected(1) == .none) // a page that left already changes nothing
        guard case .startTimer = life.pageDisconnected(2) else {
            Issue.record("no grace timer after the last page left")
            return
        }
    }

    @Test func aSessionNobodyOpensEndsAfterItsTimeout() {
        var life = SessionLifecycle(grace: 1, firstPageTimeout: 60)
        guard case .startTimer(let token, 60) = life.started() else {
            Issue.record("no first-page timer")
            return
        }
        #expect(life.timerFired(token) == .end)
    }

    @Test func endingTwiceIsOnce() {
        var life = SessionLifecycle(grace: 1, firstPageTimeout: nil)
        #expect(life.end() == .end)
        #expect(life.end() == .none)
    }
}
