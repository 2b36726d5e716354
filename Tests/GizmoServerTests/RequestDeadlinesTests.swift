@testable import GizmoServer
import NIOCore
import Testing

/// What an HTTP connection must send by when, as events and actions: no
/// sockets, no clocks.
struct RequestDeadlinesTests {
    let timeouts = ConnectionTimeouts(requestHead: .seconds(10), idle: .seconds(60), requestBody: .seconds(60))
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    func at(_ seconds: Int64) -> NIODeadline { start + .seconds(seconds) }

    @Test func aNewConnectionMustSendItsHeadWithinTheHeadTimeout() {
        var deadlines = RequestDeadlines(timeouts: timeouts)
        #expect(deadlines.opened(now: at(0)) == .check(at: at(10)))
        // A head trickled byte by byte buys no time.
        for second in 1...9 { #expect(deadlines.bytesArrived(now: at(Int64(second))) == .none) }
        #expect(deadlines.timerFired(now: at(10)) == .close(.awaitingHead))
    }

    @Test func aTimerThatFiresEarlyChecksAgainAtTheDeadline() {
        var deadlines = RequestDeadlines(timeouts: timeouts)
        _ = deadlines.opened(now: at(0))
        #expect(deadlines.timerFired(now: at(3)) == .check(at: at(10)))
    }

    @Test func aRequestBodyMustEndWithinTheBodyTimeoutOfItsHead() {
        var deadlines = RequestDeadlines(timeouts: timeouts)
        _ = deadlines.opened(now: at(0))
        #expect(deadlines.headArrived(now: at(1)) == .check(at: at(61)))
        #expect(deadlines.bytesArrived(now: at(30)) == .none)
        #expect(deadlines.timerFired(now: at(61)) == .close(.readingBody))
    }

    @Test func theServersTurnHasNoDeadlineAndTheIdleTimeStartsAfterTheResponse() {
        var deadlines = RequestDeadlines(timeouts: timeouts)
        _ = deadlines.opened(now: at(0))
        _ = deadlines.headArrived(now: at(1))
        #expect(deadlines.requestEnded(now: at(1)) == .none)
        #expect(deadlines.phase == .serving)
        #expect(deadlines.timerFired(now: at(500)) == .none)
        #expect(deadlines.responseEnded(now: at(500)) == .check(at: at(560)))
        #expect(deadlines.phase == .idle)
        #expect(deadlines.timerFired(now: at(560)) == .close(.idle))
    }

    @Test func theFirstByteOfTheNextRequestStartsItsHeadTimeout() {
        var deadlines = RequestDeadlines(timeouts: timeouts)
        _ = deadlines.opened(now: at(0))
        _ = deadlines.headArrived(now: at(0))
        _ = deadlines.requestEnded(now: at(0))
        _ = deadlines.responseEnded(now: at(1))
        #expect(deadlines.bytesArrived(now: at(40)) == .check(at: at(50)))
        #expect(deadlines.phase == .awaitingHead)
        #expect(deadlines.timerFired(now: at(50)) == .close(.awaitingHead))
    }

    @Test func pipelinedRequestsKeepTheConnectionBusyUntilTheLastResponse() {
        var deadlines = RequestDeadlines(timeouts: timeouts)
        _ = deadlines.opened(now: at(0))
        _ = deadlines.headArrived(now: at(0))
        _ = deadlines.requestEnded(now: at(0))
        _ = deadlines.headArrived(now: at(0))
        _ = deadlines.requestEnded(now: at(0))
        #expect(deadlines.responseEnded(now: at(2)) == .none)
        #expect(deadlines.phase == .serving)
        #expect(deadlines.responseEnded(now: at(3)) == .check(at: at(63)))
    }

    @Test func aResponseSentBeforeTheBodyEndedLeavesTheConnectionIdleOnceItHas() {
        var deadlines = RequestDeadlines(timeouts: timeouts)
        _ = deadlines.opened(now: at(0))
        _ = deadlines.headArrived(now: at(0))
        #expect(deadlines.responseEnded(now: at(1)) == .none)  // still reading the body: its deadline holds
        #expect(deadlines.phase == .readingBody)
        #expect(deadlines.requestEnded(now: at(2)) == .check(at: at(62)))
        #expect(deadlines.phase == .idle)
    }

    @Test func anUpgradedConnectionHasNoDeadline() {
        var deadlines = RequestDeadlines(timeouts: timeouts)
        _ = deadlines.opened(now: at(0))
        _ = deadlines.headArrived(now: at(0))
        _ = deadlines.requestEnded(now: at(0))
        #expect(deadlines.upgraded() == .none)
        #expect(deadlines.bytesArrived(now: at(100)) == .none)
        #expect(deadlines.responseEnded(now: at(100)) == .none)
        #expect(deadlines.timerFired(now: at(1000)) == .none)
    }
}
