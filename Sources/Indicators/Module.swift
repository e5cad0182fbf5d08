// Indicators module: see the module's files.
