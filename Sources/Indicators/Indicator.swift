import CityModel

/// One indicator: its spec and its formula, evaluated per scope (the city, then each zone).
public protocol Indicator: Sendable {
    var spec: IndicatorSpec { get }
    /// Computes the value for a scope; failures of the geometry engine are reported as "not computed" with the reason.
    func compute(_ inputs: IndicatorInputs, _ prepared: PreparedLayers, _ scope: Scope) throws -> IndicatorValue
}

extension Result where Failure == Error {
    func get(or reason: String) throws -> Success {
        switch self {
        case .success(let v): return v
        case .failure(let e): throw IndicatorError.geometry("\(reason): \(e)")
        }
    }
}

public enum IndicatorError: Error, CustomStringConvertible {
    case geometry(String)
    public var description: String { switch self { case .geometry(let m): return m } }
}

/// All indicators of the first set, in table order. Walk coverage rows come from `WalkCoverage` (one per category × threshold).
public let standardIndicators: [any Indicator] = [
    GreenCoverage(), ParkAreaPerCapita(), ParkServiceCoverage(), RoadDensity(), PipeCoverage(), PipeGapArea(), PipeDensity(),
    FireReachCoverage(), PopulationDensityBuilt(), DenseLandShare(), DevelopmentIntensity(), BuildingDensity(), FloorAreaRatio(),
    HighRiseCount(), ResidentialOver80m(), PermeableShare(), OldResidentialShare(), ShelterAreaPerCapita(),
]
