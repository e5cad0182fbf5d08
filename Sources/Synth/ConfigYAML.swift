extension SynthCity {
    /// The `city.yaml` for the generated city (the project's config format: `layers:` maps canonical layers to
    /// sources and source fields). `gpkgName` is the GeoPackage's file name relative to the YAML. This only writes
    /// text (Synth has no YAML dependency); it is read back by `CityConfig.load`, through the project's one reader
    /// (ConfigReader), in SynthStageTests.
    /// `demName`: the terrain GeoTIFF beside it (`layers.dem`), nil for none.
    public func configYAML(gpkgName: String = "city.gpkg", demName: String? = "dem.tif") -> String {
        let g = gpkgName
        return """
        city: Synthetic city (seed \(options.seed), \(options.buildings) buildings)
        year: \(options.year)
        crs: EPSG:4548
        layers:
          buildings:  {source: \(g), layer: buildings, height: height_m, floors: floors, use: use, year_built: year_built, residents: residents}
          roads:      {source: \(g), layer: roads}
          facilities: {source: \(g), layer: pois, category: kind}
          green:      {source: \(g), layer: green}
          water:      {source: \(g), layer: water}
          pipes:      {source: \(g), layer: pipes, kind: type}
          population: {source: \(g), layer: population, value: population}
          zones:      {source: \(g), layer: subdistricts, id: code, name: name}
          boundary:   {source: \(g), layer: boundary}
        \(demName.map { "  dem:        {source: \($0), sample: min}\n" } ?? "")
        """
    }
}
