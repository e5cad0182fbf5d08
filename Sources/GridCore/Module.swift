// GridCore module: see the module's files.
