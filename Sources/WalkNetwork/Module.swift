// WalkNetwork module: see the module's files.
