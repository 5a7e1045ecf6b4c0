import DeviceFormats
import Foundation
import Yams

/// A virtual worksite: who works there, which devices they wear, and what
/// happens. Written in YAML; docs/simulator.md documents every key and
/// examples/scenarios/ holds examples.
public struct Scenario: Codable, Sendable, Equatable {
    public struct Position: Codable, Sendable, Equatable {
        public var x: Double
        public var y: Double
        public var floor: Int = 0
    }

    public struct Worker: Codable, Sendable, Equatable {
        public var id: String
        /// Addresses (`AA:BB:CC:DD:EE:FF`); a worker may wear any subset.
        public var gasDetector: String?
        public var heart: String?
        public var locator: String?
        public var button: String?
        /// Bind key (32 hex digits) if the button encrypts its BTHome packets.
        public var buttonKey: String?
        public var position: Position?
        /// Hours asleep last night, in the heart wearable's sleep summary (none if not given).
        public var sleepHours: Double?

        enum CodingKeys: String, CodingKey {
            case id, position
            case gasDetector = "gas_detector"
            case heart, locator, button
            case buttonKey = "button_key"
            case sleepHours = "sleep_h"
        }
    }

    public enum IncidentKind: String, Codable, Sendable, CaseIterable {
        /// A gas rises to `peak` over `rise_s`, holds for `hold_s`, falls back over `rise_s`.
        case gasLeak = "gas-leak"
        /// A fall, after which the worker lies still (fall then immobility).
        case fall
        /// The worker lies down and stays still, without an impact.
        case immobile
        /// The SOS button (BTHome button if worn, and the gas detector's SOS flag).
        case sos
        /// The gas detector's battery runs down over `duration_s`, then it goes silent.
        case batteryDying = "battery-dying"
        /// The gas detector flags a sensor fault for `duration_s` (default 30).
        case sensorFault = "sensor-fault"
        /// The worker's heart wearable shows severe fatigue: high heart rate, low variability.
        case fatigue
        /// All the worker's devices go silent.
        case deviceSilent = "device-silent"
    }

    public struct Incident: Codable, Sendable, Equatable {
        public var at: Double
        public var worker: String
        public var kind: IncidentKind
        public var gas: GasName?
        public var peak: Double?
        public var rise: Double?
        public var hold: Double?
        public var duration: Double?

        enum CodingKeys: String, CodingKey {
            case at = "at_s"
            case worker, kind, gas, peak
            case rise = "rise_s"
            case hold = "hold_s"
            case duration = "duration_s"
        }
    }

    public enum GasName: String, Codable, Sendable { case O2, CO, H2S, LEL }

    public var site: String
    public var seed: UInt64 = 1
    public var duration: Double
    /// Unix time (s) of the scenario's start; default 2026-01-01T08:00:00Z.
    public var start: Double = 1_767_254_400
    public var workers: [Worker]
    public var incidents: [Incident] = []

    enum CodingKeys: String, CodingKey {
        case site, seed
        case duration = "duration_s"
        case start = "start_unix_s"
        case workers, incidents
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        site = try c.decode(String.self, forKey: .site)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        duration = try c.decode(Double.self, forKey: .duration)
        start = try c.decodeIfPresent(Double.self, forKey: .start) ?? 1_767_254_400
        workers = try c.decode([Worker].self, forKey: .workers)
        incidents = try c.decodeIfPresent([Incident].self, forKey: .incidents) ?? []
    }

    public enum Problem: Error, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self {
            case .invalid(let why): why
            }
        }
    }

    /// Parses and validates a scenario; errors name the key that is wrong.
    public static func load(yaml: String) throws -> Scenario {
        let s: Scenario
        do {
            s = try YAMLDecoder().decode(Scenario.self, from: yaml)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw Problem.invalid("missing key '\(path(ctx.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            throw Problem.invalid("'\(path(ctx.codingPath))': \(ctx.debugDescription)")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw Problem.invalid("'\(path(ctx.codingPath))': \(ctx.debugDescription)")
        }
        try s.validate()
        return s
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    func validate() throws {
        guard duration > 0 else { throw Problem.invalid("duration_s must be positive") }
        var ids = Set<String>(), addresses = Set<String>()
        for (k, w) in workers.enumerated() {
            guard ids.insert(w.id).inserted else { throw Problem.invalid("workers[\(k)].id '\(w.id)' is used twice") }
            for (key, value) in [("gas_detector", w.gasDetector), ("heart", w.heart), ("locator", w.locator), ("button", w.button)] {
                guard let value else { continue }
                guard BDAddress.parse(value) != nil else {
                    throw Problem.invalid("workers[\(k)].\(key): '\(value)' is not an address like AA:BB:CC:DD:EE:FF")
                }
                guard addresses.insert(value.uppercased()).inserted else {
                    throw Problem.invalid("workers[\(k)].\(key): \(value) is worn twice")
                }
            }
            if let h = w.sleepHours, !(0...16).contains(h) {
                throw Problem.invalid("workers[\(k)].sleep_h: expected 0…16 hours")
            }
            if let key = w.buttonKey, Hex.decode(key)?.count != 16 {
                throw Problem.invalid("workers[\(k)].button_key: expected 32 hex digits")
            }
        }
        for (k, i) in incidents.enumerated() {
            guard ids.contains(i.worker) else { throw Problem.invalid("incidents[\(k)].worker '\(i.worker)' is not a worker") }
            guard i.at >= 0, i.at <= duration else { throw Problem.invalid("incidents[\(k)].at_s is outside 0…duration_s") }
            if i.kind == .gasLeak, i.gas == nil || i.peak == nil {
                throw Problem.invalid("incidents[\(k)]: gas-leak needs gas and peak")
            }
        }
    }
}
