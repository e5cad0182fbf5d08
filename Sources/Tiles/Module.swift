// Tiles module: see the module's files.
