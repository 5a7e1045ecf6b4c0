import Testing

@testable import CollectorCore

/// The collector's metrics as a scraper sees them.
@Suite struct CollectorMetricsTests {
    @Test func everyFamilyIsExportedBeforeAnythingHappensWithItsHelpAndType() {
        let text = CollectorMetrics().exposition()
        for name in [
            "canary_collector_messages_received_total", "canary_collector_stored_total", "canary_collector_acknowledged_ids_total",
            "canary_collector_messages_rejected_total", "canary_collector_mqtt_connected", "canary_collector_sse_clients",
        ] {
            #expect(text.contains("# TYPE \(name) "), "\(name)")
        }
        #expect(text.contains("# HELP canary_collector_storing 1 while the last commit succeeded"))
        #expect(text.contains("\ncanary_collector_storing 1.0\n") || text.contains("\ncanary_collector_storing 1\n"), "\(text)")
    }

    @Test func countsByLabelAddUp() {
        let m = CollectorMetrics()
        m.rejected(kind: "json").increment()
        m.rejected(kind: "json").increment()
        m.storedReadings.increment(by: Int64(30))
        let text = m.exposition()
        #expect(text.contains(#"canary_collector_messages_rejected_total{kind="json"} 2"#), "\(text)")
        #expect(text.contains(#"canary_collector_stored_total{kind="reading"} 30"#))
    }

    @Test func swiftMetricsLabelsBecomePrometheusNames() {
        #expect(CollectorMetrics.prometheusName("http.server.request.duration") == "http_server_request_duration")
        #expect(CollectorMetrics.prometheusName("hb.requests") == "hb_requests")
        #expect(CollectorMetrics.prometheusName("a-b:c_9") == "a_b:c_9")
    }
}
