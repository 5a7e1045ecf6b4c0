import DaemonSupport
import Foundation
import Testing
import Wire

@testable import CollectorCore

/// Alerts in the words a coordinator reads, in English and Traditional Chinese, placed by the site plan.
@Suite struct AlertWordsTests {
    static let plans = SitePlans(sites: [
        .init(
            id: "s1", name: "Tank farm",
            floors: [
                .init(
                    level: -1, name: "B1",
                    zones: [.init(name: "Pump pit", outline: [.init(x: 0, y: 0), .init(x: 10, y: 0), .init(x: 10, y: 5), .init(x: 0, y: 5)])])
            ],
            gateways: [])
    ])

    func words(_ fields: String) throws -> [String: [String: String]] {
        let base =
            #""id":1,"site":"s1","gateway":"gw-1","worker":"chen","opened":"t","updated":"t","event_id":"e","severity":"alarm","handling":"unacknowledged""#
        // `fields` wins over the base's fields of the same name.
        var merged = try #require(try JSONSerialization.jsonObject(with: Data("{\(base)}".utf8)) as? [String: Any])
        merged.merge(try #require(try JSONSerialization.jsonObject(with: Data("{\(fields)}".utf8)) as? [String: Any])) { $1 }
        let alert = try JSONDecoder().decode(AlertRecord.self, from: try JSONSerialization.data(withJSONObject: merged))
        return try JSONDecoder().decode([String: [String: String]].self, from: Data(AlertWords(plans: Self.plans).words(alert).utf8))
    }

    @Test func aGasAlarmSaysTheGasTheLevelAndTheLimitRounded() throws {
        let w = try words(#""kind":"gas","condition":"H2S.high","state":"alarm","values":{"value":18.04,"limit":15}"#)
        #expect(w["en"]?["what"] == "H₂S 18 ppm, above the 15 ppm limit")
        #expect(w["zh-TW"]?["what"] == "硫化氫 18 ppm，高於 15 ppm 限值")
        let low = try words(#""kind":"gas","condition":"O2.low","state":"alarm","values":{"value":17.46,"limit":19.5}"#)
        #expect(low["en"]?["what"] == "O₂ 17.5 % vol, below the 19.5 % vol limit")
        #expect(
            try words(#""kind":"gas","condition":"CO.stel","state":"alarm","values":{"stel":212.3,"limit":200}"#)["en"]?["what"]
                == "CO 15-minute average 212.3 ppm, above its 200 ppm limit")
    }

    /// A cleared alarm is told by its worst and how long it lasted, never by the reading that cleared it;
    /// an open one names its worst so far when the current reading is not it.
    @Test func aClearedAlarmIsToldByItsWorstAndHowLongItLasted() throws {
        let cleared = try words(
            #""kind":"gas","condition":"O2.low","state":"cleared","severity":"info","opened":"2026-01-01T08:00:00.000Z","#
                + #""updated":"2026-01-01T08:00:40.000Z","values":{"value":20.9,"limit":19.5},"#
                + #""worst":{"severity":"critical","values":{"value":17.04,"limit":19.5},"time":"2026-01-01T08:00:12.000Z"}"#)
        #expect(cleared["en"]?["what"] == "O₂ fell to 17 % vol (limit 19.5 % vol) — cleared after 40 s")
        #expect(cleared["zh-TW"]?["what"] == "氧氣 降至 17 % vol（限值 19.5 % vol），40 秒後解除")
        #expect(cleared["en"]?["line"]?.hasPrefix("[CRITICAL] chen") == true && cleared["zh-TW"]?["line"]?.hasPrefix("【危急】chen") == true)
        let open = try words(
            #""kind":"gas","condition":"H2S.high","state":"alarm","values":{"value":21,"limit":20},"#
                + #""worst":{"severity":"alarm","values":{"value":27.6,"limit":20},"time":"t"}"#)
        #expect(open["en"]?["what"] == "H₂S 21 ppm, above the 20 ppm limit; highest 27.6 ppm")
        #expect(open["zh-TW"]?["what"] == "硫化氫 21 ppm，高於 20 ppm 限值；最高 27.6 ppm")
    }

    /// A worker's equipment alert names what it covers that is on; once cleared, all it covered.
    @Test func anEquipmentAlertNamesEverythingItCovers() throws {
        func member(_ kind: String, _ condition: String, _ state: String, _ values: String = "{}") -> String {
            #"{"kind":"\#(kind)","condition":"\#(condition)","state":"\#(state)","severity":"alarm","since":"t","updated":"t","order_ms":0,"values":\#(values)}"#
        }
        let covers = [
            member("low-battery", "D1", "alarm", #"{"percent":4}"#), member("device-offline", "D1", "alarm"),
            member("device-offline", "D2", "alarm"), member("gas", "O2.stale", "alarm"), member("gas", "H2S.stale", "alarm"),
            member("gas", "CO.fault", "cleared"),
        ]
        let on = try words(#""kind":"equipment","condition":"equipment","state":"alarm","values":{},"covers":[\#(covers.joined(separator: ","))]"#)
        #expect(on["en"]?["what"] == "wearables D1, D2 silent; O₂, H₂S not measured; battery of D1 4 %")
        #expect(on["zh-TW"]?["what"] == "穿戴裝置 D1、D2 無訊號；氧氣、硫化氫 未量測；D1 電量 4 %")
        let over = try words(
            #""kind":"equipment","condition":"equipment","state":"cleared","opened":"2026-01-01T08:00:00.000Z","#
                + #""updated":"2026-01-01T08:03:00.000Z","values":{},"covers":[\#(member("gas", "CO.fault", "cleared"))]"#)
        #expect(over["en"]?["what"] == "CO sensor fault — cleared after 3 min")
    }

    @Test func fallsStillnessAndSOSInWordsNeverKeys() throws {
        let fall = try words(#""kind":"fall","condition":"","state":"alarm","values":{"preAlarmMs":15000}"#)
        #expect(fall["en"]?["what"] == "fall, not up for 15 s" && fall["zh-TW"]?["what"] == "跌倒，15 秒未起身")
        #expect(try words(#""kind":"immobility","condition":"","state":"alarm","values":{"stillMs":30000}"#)["en"]?["what"] == "not moving for 30 s")
        #expect(try words(#""kind":"sos","condition":"","state":"alarm","values":{}"#)["zh-TW"]?["what"] == "按下求救鈕")
        // A fatigue alarm's words carry no health value.
        let fatigue = try words(#""kind":"fatigue","condition":"","state":"alarm","values":{"resting_heart_rate_bpm":95.957}"#)
        #expect(fatigue["en"]?["what"] == "severe fatigue" && fatigue["en"]?["line"]?.contains("95") == false)
    }

    @Test func whereIsTheZoneOfThePlanOrThePositionOrTheGateway() throws {
        let inZone = try words(
            #""kind":"sos","condition":"","state":"alarm","values":{},"location":{"source":"locator","x":3.04,"y":2,"floor":-1,"accuracy":1.5,"time_ms":0,"age_ms":0}"#
        )
        #expect(inZone["en"]?["where"] == "in Pump pit, B1 (± 1.5 m)")
        #expect(inZone["zh-TW"]?["where"] == "B1 Pump pit 內（± 1.5 m）")
        #expect(inZone["en"]?["line"] == "[ALARM] chen (Tank farm): SOS pressed — in Pump pit, B1 (± 1.5 m)")
        let outside = try words(
            #""kind":"sos","condition":"","state":"alarm","values":{},"location":{"source":"locator","x":12.25,"y":2,"floor":-1,"time_ms":0,"age_ms":0}"#
        )
        #expect(outside["en"]?["where"] == "x 12.3 m, y 2 m, B1")
        let gateway = try words(
            #""kind":"sos","condition":"","state":"alarm","values":{},"location":{"source":"gateway","zone":"gw-2","time_ms":0,"age_ms":0}"#)
        #expect(gateway["en"]?["where"] == "near gateway gw-2" && gateway["zh-TW"]?["where"] == "閘道器 gw-2 附近")
        #expect(
            try words(#""kind":"sos","condition":"","state":"alarm","values":{}"#)["en"]?["where"] == "near gateway gw-1", "the gateway that heard it"
        )
    }

    @Test func aPlanIsCheckedWhenTheConfigIsRead() throws {
        func load(_ yaml: String) throws(ConfigError) -> SitePlans { try CollectorConfig.read(ConfigSection.parse(yaml, file: "c.yaml")).plans }
        let plan = try load(
            "sites:\n  - {id: s1, floors: [{level: 0, zones: [{name: A, outline: [[0, 0], [4, 0], [4, 3]]}]}], gateways: [{id: gw-1, x: 1, y: 2}]}\n")
        #expect(plan.zone("s1", floor: 0, x: 3, y: 1) == "A" && plan.zone("s1", floor: 0, x: 1, y: 2) == nil, "inside the triangle, and outside it")
        #expect(plan.json.contains(#""gateways":[{"id":"gw-1","x":1,"y":2,"floor":0}]"#))
        let refusals: [(yaml: String, message: String)] = [
            ("sites:\n  - {id: s1, floors: [{zones: [{name: A, outline: [[0, 0], [4, 0]]}]}]}\n", "needs at least three [x, y] points"),
            ("sites:\n  - {id: s1, floors: [{zones: [{name: A, outline: [[0, 0, 1], [4, 0], [1, 1]]}]}]}\n", "each two numbers"),
            ("sites:\n  - {id: s1, floors: [{level: 0}, {level: 0}]}\n", "floor 0 is described twice"),
            ("sites:\n  - {id: s1, floors: [{image: {file: /etc/passwd}}]}\n", "must be a .png or .svg file"),
        ]
        expectRefusals(refusals, load)
    }
}
