// Scoring module: see the module's files.
