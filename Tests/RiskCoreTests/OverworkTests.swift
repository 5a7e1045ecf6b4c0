import Testing

@testable import RiskCore

@Suite struct FraminghamTests {
    /// Worked examples read off Wilson 1998 figures 3 (men) and 4 (women),
    /// row by row: the points of each factor, their total and its risk.
    @Test func menTotalCholesterolTable() {
        // 55 y (4), TC 250 (2), HDL 39 (1), 146/88 stage I (2), no diabetes, non-smoker: 9 points → 20 %.
        let r = Framingham.assess(
            .init(
                sex: .male, age: 55, lipid: .totalCholesterol(mgdl: 250), hdlMgdl: 39,
                systolic: 146, diastolic: 88, diabetes: false, smoker: false))
        #expect(r.points == ["age": 4, "lipid": 2, "hdl": 1, "bloodPressure": 2, "diabetes": 0, "smoking": 0])
        #expect(r.total == 9 && r.riskPercent == 20 && r.band == .high)
    }

    @Test func womenTotalCholesterolTable() {
        // 45 y (3), TC 210 (1), HDL 52 (0), 132/78 high normal (0), no diabetes, smoker (2): 6 → 5 %.
        let r = Framingham.assess(
            .init(
                sex: .female, age: 45, lipid: .totalCholesterol(mgdl: 210), hdlMgdl: 52,
                systolic: 132, diastolic: 78, diabetes: false, smoker: true))
        #expect(r.total == 6 && r.riskPercent == 5 && r.band == .low)
        // 62 y (8), TC 285 (3), HDL 33 (5), 165/95 stage II (3), diabetes (4): 23 → ≥ 17 points: 27 %.
        let high = Framingham.assess(
            .init(
                sex: .female, age: 62, lipid: .totalCholesterol(mgdl: 285), hdlMgdl: 33,
                systolic: 165, diastolic: 95, diabetes: true, smoker: false))
        #expect(high.total == 23 && high.riskPercent == 27)
    }

    @Test func menLDLTableAndTheEndsOfTheTables() {
        // 42 y (1), LDL 165 (1), HDL 62 (−1), 118/76 optimal (0), diabetes (2), smoker (2): 5 → 9 %.
        let r = Framingham.assess(
            .init(
                sex: .male, age: 42, lipid: .ldl(mgdl: 165), hdlMgdl: 62,
                systolic: 118, diastolic: 76, diabetes: true, smoker: true))
        #expect(r.points["hdl"] == -1 && r.total == 5 && r.riskPercent == 9)
        // A 25-year-old is scored as 30–34 (−1); the lowest row holds for all totals below it.
        let young = Framingham.assess(
            .init(
                sex: .male, age: 25, lipid: .totalCholesterol(mgdl: 150), hdlMgdl: 65,
                systolic: 110, diastolic: 70, diabetes: false, smoker: false))
        #expect(young.points["age"] == -1 && young.total == -6 && young.riskPercent == 2)
    }

    @Test func theHigherBloodPressureCategoryCounts() {
        #expect(Framingham.BloodPressure(systolic: 118, diastolic: 92) == .stage1)
        #expect(Framingham.BloodPressure(systolic: 160, diastolic: 70) == .stage2)
        #expect(Framingham.BloodPressure(systolic: 129, diastolic: 84) == .normal)
    }
}

@Suite struct OverworkTests {
    let lowRisk = Framingham.Profile(
        sex: .male, age: 35, lipid: .totalCholesterol(mgdl: 180), hdlMgdl: 50,
        systolic: 118, diastolic: 75, diabetes: false, smoker: false)
    let highRisk = Framingham.Profile(
        sex: .male, age: 58, lipid: .totalCholesterol(mgdl: 260), hdlMgdl: 38,
        systolic: 150, diastolic: 92, diabetes: true, smoker: true)

    @Test func workloadTakesTheHighestMeasure() {
        #expect(Workload(overtimeLastMonth: 44).level == .low)
        #expect(Workload(overtimeLastMonth: 45).level == .medium)
        #expect(Workload(overtimeLastMonth: 101).level == .high)
        #expect(Workload(overtimeLastMonth: 10, overtimeAverageMonths2to6: 81).level == .high)
        #expect(Workload(overtimeLastMonth: 10, personalBurnout: 71).level == .high)
        #expect(Workload(overtimeLastMonth: 10, workBurnout: 45).level == .medium)
    }

    @Test func theGuidelineMatrix() {
        let cells: [(Framingham.Profile, Workload, Int)] = [
            (lowRisk, Workload(overtimeLastMonth: 0), 0),
            (lowRisk, Workload(overtimeLastMonth: 120), 1),
            (highRisk, Workload(overtimeLastMonth: 0), 1),
            (highRisk, Workload(overtimeLastMonth: 50), 2),
        ]
        for (profile, workload, expected) in cells {
            #expect(OverworkAssessment(.init(profile: profile, workload: workload)).matrixLevel == expected)
        }
    }

    @Test func physiologyRaisesTheScoreAndSaysWhy() {
        let rested = OverworkAssessment(
            .init(
                profile: lowRisk, workload: Workload(overtimeLastMonth: 50),
                restingHeartRate: 62, sleepHours: 7.5, rmssd: 45, rmssdBaseline: 44))
        #expect(rested.score == 0 && rested.level == .low && !rested.severeFatigue)
        let tired = OverworkAssessment(
            .init(
                profile: highRisk, workload: Workload(overtimeLastMonth: 50),
                restingHeartRate: 95, sleepHours: 4.5, rmssd: 18, rmssdBaseline: 44))
        #expect(tired.contributions == ["matrix": 70, "restingHeartRate": 10, "sleep": 10, "hrv": 10])
        #expect(tired.score == 100 && tired.level == .high && tired.severeFatigue)
    }

    @Test func severeFatigueRaisesAndClearsAnAlarm() {
        var m = FatigueMonitor(worker: "w1")
        let tired = OverworkAssessment(
            .init(
                profile: lowRisk, workload: Workload(overtimeLastMonth: 0),
                restingHeartRate: 92, sleepHours: 5))
        #expect(tired.level == .low && tired.severeFatigue, "fatigue does not wait for the yearly risk")
        #expect(m.update(tired, atMs: 0).map(\.phase) == [.alarm])
        #expect(m.update(tired, atMs: 1).isEmpty)
        let better = OverworkAssessment(
            .init(
                profile: lowRisk, workload: Workload(overtimeLastMonth: 0),
                restingHeartRate: 70, sleepHours: 8))
        #expect(m.update(better, atMs: 2).map(\.phase) == [.cleared])
    }
}

@Suite struct HeartRateVariabilityTests {
    @Test func restAndExerciseDifferAsPhysiologySays() throws {
        let rest = try #require(HeartRateVariability(rrIntervalsMs: try SharedData.rrIntervals("rest_rri.txt")))
        let all = try SharedData.rrIntervals("exercise_rri.hrm")
        #expect(all.count == 4117)
        // The cycling part: beats from minute 10 to minute 30 of the recording.
        var elapsed = 0.0
        let cycling = all.filter { rr in
            elapsed += rr
            return elapsed > 600_000 && elapsed < 1_800_000
        }
        let exercise = try #require(HeartRateVariability(rrIntervalsMs: cycling))
        // Exercise: faster heart, vagal withdrawal (lower RMSSD and SDNN).
        #expect(exercise.meanHeartRate > rest.meanHeartRate + 20)
        #expect(exercise.rmssd < rest.rmssd / 2)
        #expect(exercise.sdnn < rest.sdnn)
        // Supine rest of a healthy adult: within Nunan 2010's range of short-term norms.
        #expect(rest.rmssd > 19 && rest.rmssd < 120)
        #expect(rest.meanHeartRate > 40 && rest.meanHeartRate < 80)
    }

    @Test func artefactsAreRejected() throws {
        var rr = Array(repeating: 800.0, count: 50).enumerated().map { $0.element + Double($0.offset % 2) * 20 }
        rr[10] = 3_000  // a missed beat
        rr[20] = 400  // an ectopic beat
        rr[30] = .nan
        let h = try #require(HeartRateVariability(rrIntervalsMs: rr))
        #expect(h.rejectedBeats == 3)
        #expect(abs(h.rmssd - 20) < 0.001)
        #expect(HeartRateVariability(rrIntervalsMs: [800, 810]) == nil)
    }
}

@Suite struct FatigueDetectorTests {
    /// RR intervals as a heart-rate strap notifies them: the beats of each second in one notification.
    static func notifications(_ rr: [Double]) -> [(timeMs: Int64, rr: [Double])] {
        var out: [(timeMs: Int64, rr: [Double])] = [], pending: [Double] = []
        var elapsed = 0.0, nextSecond = 1_000.0
        for r in rr {
            elapsed += r
            pending.append(r)
            if elapsed >= nextSecond {
                out.append((Int64(elapsed), pending))
                pending = []
                nextSecond = (elapsed / 1_000).rounded(.down) * 1_000 + 1_000
            }
        }
        return out
    }

    static func run(_ rr: [Double]) -> [SafetyEvent] {
        var d = FatigueDetector(worker: "w1")
        return notifications(rr).flatMap { d.ingest(rrIntervalsMs: $0.rr, atMs: $0.timeMs) }
    }

    /// The cycling part of the real Polar recording: minutes 10 to 30.
    static func cycling() throws -> [Double] {
        var elapsed = 0.0
        return try SharedData.rrIntervals("exercise_rri.hrm").filter { rr in
            elapsed += rr
            return elapsed > 600_000 && elapsed < 1_800_000
        }
    }

    @Test func exertionAfterRestIsNotFatigue() throws {
        // Real recording: 5 min rest, 30 min cycling at about 103 bpm with RMSSD about 9 ms, recovery.
        #expect(try Self.run(SharedData.rrIntervals("exercise_rri.hrm")).isEmpty)
        #expect(try Self.run(SharedData.rrIntervals("rest_rri.txt")).isEmpty)
    }

    @Test func aHeartThatIsNeverCalmRaisesTheAlarmAfterOneWindow() throws {
        // The same cycling with no rest before it: the calmest window is fast and rigid.
        let events = try Self.run(Self.cycling())
        let alarm = try #require(events.first)
        #expect(events.count == 1 && alarm.type == .fatigue && alarm.phase == .alarm && alarm.severity == .alarm)
        #expect(alarm.timeMs >= FatigueDetector.windowMs && alarm.timeMs < FatigueDetector.windowMs + 2_000)
        #expect(alarm.values["restingHeartRate"] == 10 && alarm.values["hrv"] == 10)
        #expect((alarm.values["resting_heart_rate_bpm"] ?? 0) > 90 && (alarm.values["rmssd_ms"] ?? 100) < 19)
    }

    @Test func aCalmWindowClearsTheAlarm() throws {
        let rest = try SharedData.rrIntervals("rest_rri.txt")
        let events = try Self.run(Self.cycling() + rest)
        #expect(events.map(\.phase) == [.alarm, .cleared])
        #expect(events.last?.severity == .info && (events.last?.values["resting_heart_rate_bpm"] ?? 100) < 80)
    }

    @Test func aRestLongerAgoThanAnHourNoLongerCounts() throws {
        let rest = try SharedData.rrIntervals("rest_rri.txt")  // 15 min: three calm windows
        let cycling = try Self.cycling()  // 20 min
        let events = Self.run(rest + cycling + cycling + cycling + cycling)
        let alarm = try #require(events.first)
        // The last calm window closed at about 15 min; it leaves the look-back an hour later.
        #expect(events.count == 1 && alarm.phase == .alarm)
        #expect(alarm.timeMs > 75 * 60_000 && alarm.timeMs <= 81 * 60_000)
    }

    @Test func onlyLastNightsSleepCounts() {
        // 100 bpm with RMSSD about 57 ms: one heart factor at its worst; a short night makes two.
        func judged(sleptEndingMs end: Int64) -> [SafetyEvent] {
            var d = FatigueDetector(worker: "w1")
            d.sleep(hoursAsleep: 5, endedMs: end)
            return (1...400).flatMap { k in d.ingest(rrIntervalsMs: k % 2 == 0 ? [560, 640] : [640, 560], atMs: Int64(k) * 1_200) }
        }
        let tonight = judged(sleptEndingMs: -3_600_000)
        #expect(tonight.map(\.phase) == [.alarm] && tonight.first?.values["sleep"] == 10 && tonight.first?.values["hrv"] == 0)
        #expect(judged(sleptEndingMs: -FatigueDetector.sleepValidMs).isEmpty, "the night before last")
    }

    @Test func beatsStampedOutOfOrderStillCount() {
        // Two notifications of one connection event can be stamped in either order: here the second of
        // each pair is stamped 5 ms before the first. Its beats must still count: without them every
        // window would be 600 ms beats with no variability, severe fatigue.
        var d = FatigueDetector(worker: "w1")
        var events: [SafetyEvent] = []
        for pair in 0..<200 {
            let t = Int64(pair) * 2_520
            events += d.ingest(rrIntervalsMs: [600, 600], atMs: t)
            events += d.ingest(rrIntervalsMs: [660, 660], atMs: t - 5)
        }
        #expect(events.isEmpty)
        #expect(
            d.judgement.map { abs($0.rmssd - 42.43) < 0.1 && abs($0.restingHeartRate - 95.24) < 0.1 } == true, "\(String(describing: d.judgement))")
    }
}
