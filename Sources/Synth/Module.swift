// Synth module: see the module's files.
