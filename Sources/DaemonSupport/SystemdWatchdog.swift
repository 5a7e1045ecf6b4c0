import ServiceLifecycle

/// Pings systemd's watchdog while `healthy` says so (`WatchdogSec=` in the
/// unit; systemd restarts a daemon that stops pinging), and tells systemd
/// the daemon is stopping when shutdown reaches it. Without a watchdog it
/// only waits for shutdown: a service must not end before the group does.
public struct SystemdWatchdog: Service {
    let notifier: SystemdNotifier
    let healthy: @Sendable () async -> Bool

    public init(notifier: SystemdNotifier, healthy: @escaping @Sendable () async -> Bool) {
        self.notifier = notifier
        self.healthy = healthy
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await notifier.keepWatchdog(healthy: healthy) }
        try? await gracefulShutdown()
        notifier.stopping()
    }
}
