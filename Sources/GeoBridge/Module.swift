// GeoBridge module: see the module's files.
