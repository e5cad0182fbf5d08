// Shared test helpers (seeded random generator, temporary folders, process runner) for every file of this target.
@_exported import TestSupport
