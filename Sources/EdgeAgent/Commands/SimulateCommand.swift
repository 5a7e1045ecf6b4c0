import ArgumentParser
import BlueZ
import DeviceFormats
import Foundation
import WorksiteSimulator

/// `canary-agent simulate SCENARIO`: the bytes a virtual worksite's devices
/// send, as JSON lines (docs/simulator.md), or with `--adv-lines` only the
/// advertisements as `ADDR HEX` lines that `canary-agent decode` reads.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Play a worksite scenario (YAML) and print the bytes its devices send."
    )

    @Argument(help: "The scenario file.")
    var scenario: String

    @Flag(help: "Print only advertisements, as 'ADDR HEX' lines (input of 'canary-agent decode').")
    var advLines = false

    @Flag(help: "Pace the output in real time instead of printing it at once.")
    var realtime = false

    @Option(
        help: ArgumentHelp(
            "Play the wearables on these Bluetooth adapters (hci0, or hci0,hci2,…; names or addresses), in real time: each advertisement goes out over the air under its device's address.",
            discussion:
                "Needs CAP_NET_RAW and CAP_NET_ADMIN. Gas detectors and heart-rate straps also serve GATT, one central connection per adapter: give one adapter per streaming device for all of them to stream at once."
        ))
    var peripheral: String?

    struct Line: Encodable {
        var t_ms: Int64
        var addr: String
        var rssi: Int?
        var adv: String?
        var characteristic: String?
        var value: String?
    }

    func run() throws {
        let text: String
        do {
            text = try String(contentsOfFile: scenario, encoding: .utf8)
        } catch {
            throw ValidationError("\(scenario): cannot read: \(error.localizedDescription)")
        }
        let loaded: Scenario
        do {
            loaded = try Scenario.load(yaml: text)
        } catch {
            throw ValidationError("\(scenario): \(error)")
        }
        if let peripheral { return try advertise(loaded, on: peripheral) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var out = FileHandleOutput()
        try playScenario(loaded, stepMs: 1_000, paced: realtime) { _, frames in
            for frame in frames {
                switch frame.payload {
                case .advertisement(let data):
                    if advLines {
                        out.write("\(BDAddress.string(frame.address)) \(Hex.encode(data))")
                    } else {
                        out.write(
                            String(
                                decoding: try encoder.encode(
                                    Line(
                                        t_ms: frame.timeMs, addr: BDAddress.string(frame.address), rssi: frame.rssi.map(Int.init),
                                        adv: Hex.encode(data))), as: UTF8.self))
                    }
                case .notification(let characteristic, let value):
                    guard !advLines else { continue }
                    out.write(
                        String(
                            decoding: try encoder.encode(
                                Line(
                                    t_ms: frame.timeMs, addr: BDAddress.string(frame.address), rssi: frame.rssi.map(Int.init),
                                    characteristic: Hex.encode([UInt8(characteristic >> 8), UInt8(characteristic & 0xFF)]),
                                    value: Hex.encode(value))), as: UTF8.self))
                }
            }
            if realtime { out.flush() }
        }
        out.flush()
    }

    /// Peripheral mode: the scenario's wearables over the air (``PeripheralPlayer``).
    private func advertise(_ scenario: Scenario, on name: String) throws {
        let player: PeripheralPlayer
        do {
            player = try PeripheralPlayer(adapters: name.split(separator: ",").map(String.init), scenario: scenario)
        } catch {
            // A clear message and a failure status, without the usage text (the command line was fine).
            FileHandle.standardError.write(Data("canary-agent simulate: \(error)\n".utf8))
            throw ExitCode(69)  // EX_UNAVAILABLE
        }
        player.play(scenario)
    }
}
