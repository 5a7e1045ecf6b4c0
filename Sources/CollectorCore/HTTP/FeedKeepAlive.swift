import ServiceLifecycle

/// Wakes every alert stream each `every`, so an idle one sends a keep-alive
/// (proxies keep it open, the browser knows it is live) and notices a client
/// that went away.
struct FeedKeepAlive: Service {
    let changes: ChangeSignal
    let every: Duration

    func run() async {
        await cancelWhenGracefulShutdown { await changes.heartbeat(every: every) }
    }
}
