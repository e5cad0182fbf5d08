// Pipeline module: see the module's files.
