import Wire

/// The JSON of `/api/v1/workers`, from the rows either store reads: every
/// worker heard from, their state, last location, latest readings and open alerts.
enum WorkersDocument {
    struct Worker {
        var site: String, worker: String, gateway: String
        var lastSeenMs: Int64
        /// The location object's JSON.
        var location: String?
    }

    /// An alert neither cleared nor resolved.
    struct OpenAlert {
        var site: String, worker: String
        var state: AlarmPhase
        var snapshot: String
    }

    struct Reading {
        var site: String, worker: String, kind: String, device: String
        var timeMs: Int64
        /// The reading's values object's JSON.
        var values: String
    }

    private struct Key: Hashable {
        var site: String, worker: String
    }

    /// `current`: whether what is stored is up to date (the collector hears the broker and can
    /// store); when it is not, a worker without an open alarm is `unknown`, not `ok`.
    /// `health`: whether health readings and values are shown (the `medical` role, ``HealthData``).
    /// `offline`: the gateways whose last status is offline.
    static func json(
        workers: [Worker], open: [OpenAlert], readings: [Reading], offline: Set<GatewayKey>, current: Bool, health: Bool
    ) -> String {
        // Grouped once, not filtered once per worker: a large site has thousands of rows of each.
        let openByWorker = Dictionary(grouping: open) { Key(site: $0.site, worker: $0.worker) }
        let readingsByWorker = Dictionary(grouping: readings) { Key(site: $0.site, worker: $0.worker) }
        var items: [String] = []
        for w in workers {
            let key = Key(site: w.site, worker: w.worker)
            let mine = openByWorker[key] ?? []
            let states = Set(mine.map(\.state))
            // Unknown is not safe: with the gateway that hears a worker offline, or the broker out
            // of reach, "ok" would be a guess.
            let unheard = !current || offline.contains(GatewayKey(site: w.site, gateway: w.gateway))
            let state = states.contains(.alarm) ? "alarm" : states.contains(.preAlarm) ? "pre-alarm" : unheard ? "unknown" : "ok"
            let shown = (readingsByWorker[key] ?? []).filter { health || !HealthData.readingKinds.contains($0.kind) }
            let latest = shown.map {
                "\(JSONText.quoted($0.kind)):{\"device\":\(JSONText.quoted($0.device)),\"time_ms\":\($0.timeMs),\"values\":\($0.values)}"
            }
            let alerts = mine.map { health ? $0.snapshot : HealthData.withoutHealth(alert: $0.snapshot) }
            items.append(
                """
                {"site":\(JSONText.quoted(w.site)),"worker":\(JSONText.quoted(w.worker)),"gateway":\(JSONText.quoted(w.gateway)),\
                "state":"\(state)","last_seen":"\(RFC3339.format(ms: w.lastSeenMs))","location":\(w.location ?? "null"),\
                "readings":{\(latest.joined(separator: ","))},"open_alerts":[\(alerts.joined(separator: ","))]}
                """)
        }
        return "{\"workers\":[\(items.joined(separator: ","))]}"
    }
}

/// A gateway by its site and name.
struct GatewayKey: Hashable {
    var site: String, gateway: String
}
