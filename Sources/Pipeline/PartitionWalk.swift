import CityModel
import Foundation

/// How a partitioned run narrows the walk stage (`WalkStage.run(…, scope:)`).
///
/// A part (`partOnly`) searches only the origins (residential buildings, population cells) whose representative point
/// lies in its core, and stops after the searches. The merge passes the parts' distances (`given`) so the walk stage
/// writes walk.gpkg, the grids and the areas from them without searching again.
final class WalkScope {
    /// Ownership test of a representative point (nil: every point).
    let ownsPoint: ((Vec2) -> Bool)?
    let partOnly: Bool
    let given: WalkGiven?
    /// Set by the walk stage: indices into base.population of the searched cells, and their distances per category.
    var cellIdx: [Int] = []
    var cells: [String: [Float]] = [:]

    init(ownsPoint: ((Vec2) -> Bool)?, partOnly: Bool, given: WalkGiven?) {
        self.ownsPoint = ownsPoint; self.partOnly = partOnly; self.given = given
    }

    func owns(_ p: Vec2) -> Bool { ownsPoint?(p) ?? true }
}

/// The parts' distances, merged: per category, one value per origin (in ascending building order) and per cell.
struct WalkGiven {
    var origins: [String: [Float]]
    var cells: [String: [Float]]
    var originCount: Int
    var cellCount: Int

    /// A category no part had a facility of within its halo is beyond the cutoff everywhere (+∞).
    func column(_ c: String, count: Int) throws -> [Float] {
        guard count == originCount else {
            throw PipelineError.input(file: "parts", layer: "walk_part.bin", message: "the parts hold \(originCount) walk origins, the base layer has \(count)")
        }
        return origins[c] ?? [Float](repeating: .infinity, count: count)
    }

    func cellColumn(_ c: String, count: Int) throws -> [Float] {
        guard count == cellCount else {
            throw PipelineError.input(file: "parts", layer: "walk_part.bin", message: "the parts hold \(cellCount) population cells, the base layer has \(count)")
        }
        return cells[c] ?? [Float](repeating: .infinity, count: count)
    }
}
